from __future__ import annotations

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

    def __init__(self, *args: object, departments: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices = [("", _("Any department")), *[(d, d) for d in departments]]
        self.fields["department"].choices = choices  # type: ignore[attr-defined]


class HrUploadForm(forms.Form):
    file = forms.FileField(label=_("HR file (CSV or XLSX, the ordna format)"))
