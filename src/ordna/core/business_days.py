"""Business days (docs/offboarding.md, docs/notifications.md): the calendar that due dates, reminders, contract
alerts and report figures count in. Pure: no ORM, no settings.

A business day is a weekday that is not a public holiday of the country (SE or NL, from the `holidays`
package). Sweden also counts its de facto days off (Midsummer Eve, Christmas Eve, New Year's Eve), on
which no one can be expected to collect a laptop.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

COUNTRIES = ("SE", "NL")
_CATEGORIES = {"SE": ("public", "de_facto"), "NL": ("public",)}


@lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> frozenset[date]:
    if country not in COUNTRIES:
        raise ValueError(f"unknown holiday country {country!r}; expected one of {', '.join(COUNTRIES)}")
    days = holidays.country_holidays(country, years=year, categories=_CATEGORIES[country])
    return frozenset(days.keys())


def is_business_day(day: date, country: str) -> bool:
    return day.weekday() < 5 and day not in _holidays(country, day.year)


def add_business_days(day: date, count: int, country: str) -> date:
    """The business day `count` business days after `day` (before it when negative).

    With `count == 0` the answer is `day` itself when it is a business day, else the business day before it:
    something due "on the last day" of a person whose last day is a Saturday is due on Friday.
    """
    step = 1 if count > 0 else -1
    remaining = abs(count)
    current = day
    if remaining == 0:
        while not is_business_day(current, country):
            current -= timedelta(days=1)
        return current
    while remaining:
        current += timedelta(days=step)
        if is_business_day(current, country):
            remaining -= 1
    return current


def business_days_between(start: date, end: date, country: str) -> int:
    """Business days after `start` up to and including `end` (negative when `end` is before `start`)."""
    if end < start:
        return -business_days_between(end, start, country)
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        count += is_business_day(current, country)
    return count


def next_business_day(day: date, country: str) -> date:
    """`day` itself when it is a business day, else the first business day after it."""
    while not is_business_day(day, country):
        day += timedelta(days=1)
    return day
