"""Today as business rules see it: a date in the organisation's time zone, injectable in tests."""

from __future__ import annotations

from datetime import date

from django.utils import timezone


def today() -> date:
    return timezone.localdate()
