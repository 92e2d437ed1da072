"""When a feed runs: "daily at HH:MM" or a five-field cron expression, in the organisation's time zone.

Pure: no Django. `schedule_parse` refuses a schedule it cannot read with a reason; `next_run` gives the first
moment after a given one that the schedule names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

DAILY = re.compile(r"^daily(?: at)? ([01]?\d|2[0-3]):([0-5]\d)$")
FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7))
SEARCH_DAYS = 366 * 5  # far enough for 29 February on a Monday


class ScheduleInvalid(ValueError):
    """The schedule cannot be read; the message says which part and why (in English; `problem`, `field` and
    `part` let a caller say it in another language)."""

    def __init__(self, message: str, *, problem: str, field: str = "", part: str = "") -> None:
        super().__init__(message)
        self.problem, self.field, self.part = problem, field, part


@dataclass(frozen=True)
class Schedule:
    """The minutes, hours, days of month, months and days of week (0 is Sunday) a schedule runs at."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    any_day: bool  # the day of month is "*"
    any_weekday: bool  # the day of week is "*"

    def runs_on(self, moment: datetime) -> bool:
        if moment.month not in self.months:
            return False
        weekday = (moment.weekday() + 1) % 7  # cron counts from Sunday
        on_day, on_weekday = moment.day in self.days, weekday in self.weekdays
        if self.any_day or self.any_weekday:  # cron: when both are restricted, either one matches
            return on_day and on_weekday
        return on_day or on_weekday


def _field(text: str, name: str, low: int, high: int) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        match = re.fullmatch(r"(\*|\d+(?:-\d+)?)(?:/(\d+))?", part)
        if match is None:
            raise ScheduleInvalid(
                f"the {name} {part!r} is not a number, a range, * or a step",
                problem="not_number",
                field=name,
                part=part,
            )
        span, step = match.group(1), int(match.group(2) or 1)
        first, last = (low, high) if span == "*" else (int(span.split("-")[0]), int(span.split("-")[-1]))
        if not (low <= first <= last <= high) or step < 1:
            raise ScheduleInvalid(
                f"the {name} {part!r} is outside {low}-{high}", problem="outside", field=name, part=part
            )
        values.update(range(first, last + 1, step))
    return frozenset(values)


def schedule_parse(text: str) -> Schedule:
    """`daily at 06:30` (or `daily 06:30`), or a cron expression `M H DOM MON DOW`."""
    text = " ".join(text.strip().lower().split())
    daily = DAILY.match(text)
    if daily:
        text = f"{int(daily.group(2))} {int(daily.group(1))} * * *"
    parts = text.split(" ")
    if len(parts) != 5:
        raise ScheduleInvalid(
            'expected "daily at HH:MM" or five cron fields (minute hour day month weekday)', problem="shape"
        )
    minutes, hours, days, months, weekdays = (
        _field(part, name, low, high) for part, (name, low, high) in zip(parts, FIELDS, strict=True)
    )
    return Schedule(
        minutes=minutes,
        hours=hours,
        days=days,
        months=months,
        weekdays=frozenset(day % 7 for day in weekdays),
        any_day=parts[2] == "*",
        any_weekday=parts[4] == "*",
    )


def next_run(schedule: Schedule, *, after: datetime, zone: tzinfo) -> datetime:
    """The first minute strictly after `after` that the schedule names, as an aware time in `zone`."""
    local = after.astimezone(zone)
    start = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    day = start.replace(hour=0, minute=0)
    for _ in range(SEARCH_DAYS):
        if schedule.runs_on(day):
            for hour in sorted(schedule.hours):
                for minute in sorted(schedule.minutes):
                    # Built from the wall clock, so a run at 06:00 stays at 06:00 across daylight saving.
                    candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
                    if candidate >= start:
                        return candidate
        day = (day + timedelta(days=1)).replace(hour=0, minute=0)
    raise ScheduleInvalid("the schedule names no day in the next five years", problem="never")
