"""The two clocks of a question (docs/key-users.md), in business hours; plain functions, no ORM.

Service levels are agreed in business hours, so both clocks count only the business day (by default
08:00 to 17:00, Monday to Friday, without the public holidays of the organisation's country): a question
asked on Friday at 16:30 and answered on Monday at 08:30 took one business hour, not 64 hours.

- The internal clock runs while the question is with the organisation (new or with a key user) and stops
  while it waits on the supplier (escalated); the first response is measured on it against the internal target.
- The supplier clock runs while the question is escalated, against the service level when one exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

INTERNAL_STATES = frozenset({"new", "with_key_user"})
SUPPLIER_STATES = frozenset({"escalated"})


@dataclass(frozen=True)
class BusinessCalendar:
    """The business day in a time zone, and the dates that are not business days besides weekends."""

    zone: ZoneInfo
    day_start: time
    day_end: time
    holidays: frozenset[date]

    @classmethod
    def for_country(cls, *, country: str, zone: str, hours: str, years: Iterable[int]) -> BusinessCalendar:
        """`hours` is "HH:MM-HH:MM"; a ValueError names what is wrong with it."""
        start, end = parse_hours(hours)
        days = frozenset(holidays.country_holidays(country, years=list(years)).keys())
        return cls(zone=ZoneInfo(zone), day_start=start, day_end=end, holidays=days)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    @property
    def seconds_per_day(self) -> int:
        return (self.day_end.hour * 3600 + self.day_end.minute * 60) - (
            self.day_start.hour * 3600 + self.day_start.minute * 60
        )


def parse_hours(hours: str) -> tuple[time, time]:
    try:
        first, last = (time.fromisoformat(part.strip()) for part in hours.split("-"))
    except ValueError as exc:
        raise ValueError(f"business hours {hours!r} are not of the form 08:00-17:00") from exc
    if last <= first:
        raise ValueError(f"business hours {hours!r} end before they start")
    return first, last


def _window(calendar: BusinessCalendar, day: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(day, calendar.day_start, tzinfo=calendar.zone),
        datetime.combine(day, calendar.day_end, tzinfo=calendar.zone),
    )


def business_seconds(start: datetime, end: datetime, calendar: BusinessCalendar) -> int:
    """Seconds of business time between two aware moments (0 when `end` is not after `start`)."""
    if end <= start:
        return 0
    start, end = start.astimezone(calendar.zone), end.astimezone(calendar.zone)
    total = 0.0
    day = start.date()
    while day <= end.date():
        if calendar.is_business_day(day):
            opens, closes = _window(calendar, day)
            lo, hi = max(opens, start), min(closes, end)
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += timedelta(days=1)
    return int(total)


def add_business_hours(start: datetime, hours: float, calendar: BusinessCalendar) -> datetime:
    """The moment `hours` of business time after `start` (a target's due moment)."""
    remaining = hours * 3600
    moment = start.astimezone(calendar.zone)
    day = moment.date()
    for _ in range(3660):  # ten years of days: a target beyond that is a configuration error
        if calendar.is_business_day(day):
            opens, closes = _window(calendar, day)
            begin = max(opens, moment)
            if begin < closes:
                available = (closes - begin).total_seconds()
                if remaining <= available:
                    return begin + timedelta(seconds=remaining)
                remaining -= available
        day += timedelta(days=1)
        moment = datetime.combine(day, time.min, tzinfo=calendar.zone)
    raise ValueError(f"{hours} business hours lie more than ten years ahead")


@dataclass(frozen=True)
class Transition:
    """The question entered `state` at `at`."""

    at: datetime
    state: str


@dataclass(frozen=True)
class Clocks:
    """Business seconds the question spent with the organisation (internal) and with the supplier."""

    internal_seconds: int
    supplier_seconds: int


def clocks(transitions: Sequence[Transition], *, now: datetime, calendar: BusinessCalendar) -> Clocks:
    """Add up the time spent in internal and supplier states; the last state runs until `now`.

    Time in an escalated state counts only on the supplier clock, so waiting on the supplier pauses the
    internal one; resolved and closed stop both.
    """
    internal = supplier = 0
    ordered = sorted(transitions, key=lambda t: t.at)
    for current, following in zip(ordered, [*ordered[1:], None], strict=True):
        until = following.at if following is not None else now
        spent = business_seconds(current.at, until, calendar)
        if current.state in INTERNAL_STATES:
            internal += spent
        elif current.state in SUPPLIER_STATES:
            supplier += spent
    return Clocks(internal, supplier)


@dataclass(frozen=True)
class ClockReading:
    """One clock against its target: how long so far (or in all), the target, and whether it was missed."""

    seconds: int
    target_seconds: int | None
    running: bool

    @property
    def hours(self) -> float:
        return round(self.seconds / 3600, 1)

    @property
    def breached(self) -> bool:
        return self.target_seconds is not None and self.seconds > self.target_seconds


def median(values: Sequence[float]) -> float | None:
    """The median, or None for no values (a small helper so the insight needs no statistics import)."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2
