from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.utils.translation import gettext_lazy as _

from ordna.people.models import EmploymentType, PersonStatus


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *PersonStatus.choices]
    )
    department = forms.ChoiceField(label=_("Department"), required=False)
    employment_type = forms.ChoiceField(
        label=_("Employment type"), required=False, choices=[("", _("Any type")), *EmploymentType.choices]
    )

    company = forms.ChoiceField(label=_("Company"), required=False)

    def __init__(
        self, *args: object, departments: list[str], companies: Sequence[tuple[str, str]] = (), **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices = [("", _("Any department")), *[(d, d) for d in departments]]
        self.fields["department"].choices = choices  # type: ignore[attr-defined]
        if len(companies) > 1:  # a group of companies: filter by one
            self.fields["company"].choices = [("", _("Any company")), *companies]  # type: ignore[attr-defined]
        else:
            del self.fields["company"]


class HrUploadForm(forms.Form):
    file = forms.FileField(label=_("HR file (CSV or XLSX, the ordna format)"))
