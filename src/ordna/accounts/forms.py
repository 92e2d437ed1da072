from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ordna.accounts.models import FindingKind, FindingState
from ordna.accounts.presets import MAPPING_FIELDS, PRESETS

FIELD_LABELS = {
    "key": _("Account key (required)"),
    "email": _("Email"),
    "display_name": _("Display name"),
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "employee_id": _("Employee id"),
    "status": _("Status"),
    "last_login": _("Last sign-in"),
    "licenses": _("Licences"),
}


class AccountsUploadForm(forms.Form):
    application = forms.SlugField(
        label=_("Application (short name)"),
        help_text=_("An existing application; a new one only with the box below ticked."),
    )
    create_application = forms.BooleanField(
        label=_("Create this application if no application has this short name"),
        required=False,
        help_text=_(
            "Without it, an unknown short name is refused with the nearest known ones "
            "(a typo is not a new application)."
        ),
    )
    preset = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=[("", _("Detect from the header")), *[(p.name, p.title) for p in PRESETS.values()]],
        help_text=_(
            "Without a choice, the application's saved format reads the file (a new application's is detected "
            "from the header). A format chosen here reads this file only, unless you save it in the preview."
        ),
    )
    full = forms.ChoiceField(
        label=_("The file lists"),
        choices=[("1", _("every account (missing ones are gone)")), ("0", _("some accounts only (delta)"))],
        initial="1",
    )
    file = forms.FileField(label=_("Export file (CSV or XLSX)"))


class PriceListForm(forms.Form):
    file = forms.FileField(
        label=_("Price list (CSV or XLSX)"),
        help_text=_("Columns: application, license, monthly_cost, currency, seats (seats may be empty)."),
    )


class MappingForm(forms.Form):
    """Which of the file's columns holds which field; built from the uploaded header."""

    disabled_values = forms.CharField(
        label=_("Status values that mean disabled"),
        required=False,
        help_text=_("Separated by commas, besides the usual ones (disabled, inactive, suspended, ...)."),
    )
    license_separator = forms.CharField(label=_("Licence separator"), required=False, initial="+", max_length=3)

    def __init__(self, *args: Any, header: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("(not in the file)")), *[(h, h) for h in header if h]]
        for name in MAPPING_FIELDS:
            self.fields[f"column_{name}"] = forms.ChoiceField(
                label=FIELD_LABELS[name], choices=choices, required=name == "key"
            )


class FindingFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any kind")), *FindingKind.choices])
    application = forms.ChoiceField(label=_("Application"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("Any state")), *FindingState.choices])

    def __init__(self, *args: Any, applications: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["application"].choices = [("", _("Any application")), *applications]  # type: ignore[attr-defined]


class AcceptForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)
    until = forms.DateField(label=_("Accepted until"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["until"].initial = today + timedelta(days=90)
