"""Ordna's own locale formats (FORMAT_MODULE_PATH): Swedish and Dutch keep Django's; English is written for a
European organisation (ISO dates, the 24-hour clock), never the US month-first date or a.m./p.m.

`short_date` and `short_datetime` write a date or time in Python code (a message, a PDF) the way templates do
with `|date:"SHORT_DATE_FORMAT"`: in the active language's form."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django.utils.formats import date_format


def short_date(day: date) -> str:
    """2026-12-07 in English and Swedish, 7-12-2026 in Dutch."""
    return date_format(day, "SHORT_DATE_FORMAT")


def short_datetime(moment: datetime) -> str:
    """The moment in the organisation's time zone, in the active language's short form (2026-12-07 10:15)."""
    return date_format(timezone.localtime(moment) if timezone.is_aware(moment) else moment, "SHORT_DATETIME_FORMAT")
