"""Ordna's own locale formats (FORMAT_MODULE_PATH): Swedish and Dutch keep Django's; English is written for a
European organisation (ISO dates, the 24-hour clock), never the US month-first date or a.m./p.m.

`short_date` and `short_datetime` write a date or time in Python code (a message, a PDF) the way templates do
with `|date:"SHORT_DATE_FORMAT"`: in the active language's form. `number`, `hours` and `percent` write figures
with the active language's decimal separator ("0,0 h" and "100,0 %" in Swedish and Dutch, "0.0 h" in English);
templates reach them through the `number`, `hours_text` and `percent` filters of the `ordna` tag library."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _


def short_date(day: date) -> str:
    """2026-12-07 in English and Swedish, 7-12-2026 in Dutch."""
    return date_format(day, "SHORT_DATE_FORMAT")


def short_datetime(moment: datetime) -> str:
    """The moment in the organisation's time zone, in the active language's short form (2026-12-07 10:15)."""
    return date_format(timezone.localtime(moment) if timezone.is_aware(moment) else moment, "SHORT_DATETIME_FORMAT")


def number(value: float | int | Decimal | None, digits: int = 0, *, grouped: bool = False) -> str:
    """`value` with `digits` decimals, in the active language's form (2,5 in Swedish, 2.5 in English), with the
    language's thousands separator when `grouped`; None: —."""
    if value is None:
        return "—"
    rounded: Decimal | float = round(value, digits) if isinstance(value, Decimal) else round(float(value), digits)
    return number_format(rounded, decimal_pos=digits, use_l10n=True, force_grouping=grouped)


def hours(value: float | int | Decimal | None, digits: int = 1) -> str:
    """A duration in hours with its unit: "1,5 h"; None: —."""
    if value is None:
        return "—"
    return _("%(hours)s h") % {"hours": number(value, digits)}


def percent(value: float | int | Decimal | None, digits: int = 0) -> str:
    """A share already in percent with its unit: "100 %" (digits=1: "100,0 %"); None: —."""
    if value is None:
        return "—"
    return _("%(percent)s %%") % {"percent": number(value, digits)}
