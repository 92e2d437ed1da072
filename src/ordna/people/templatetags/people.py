"""The HR file's fields in words, for the import's preview: "Last day: — → 2026-12-09", not `end_date`."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ordna.people.models import EmploymentType

register = template.Library()

FIELD_LABELS = {
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "email": _("Email"),
    "department": _("Department"),
    "manager_employee_id": _("Manager (employee id)"),
    "employment_type": _("Employment type"),
    "start_date": _("First day"),
    "end_date": _("Last day"),
    "cost_center": _("Cost centre"),
    "locale": _("Language"),
    "holiday_country": _("Public holidays of"),
    "email_aliases": _("Other email addresses"),
    "company": _("Company"),
}


@register.filter
def hr_field(name: str) -> str:
    """A field of the HR file in words."""
    return str(FIELD_LABELS.get(name, name))


@register.filter
def hr_value(value: Any, name: str) -> str:
    """A field's value as people read it: dates as ISO, employment types and languages by name, "—" for none."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, date):
        return value.isoformat()
    if name == "employment_type" and value in EmploymentType.values:
        return str(EmploymentType(value).label)
    if name == "locale":
        return dict(settings.LANGUAGES).get(value, str(value))
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)
