"""Key-user workload (docs/key-users.md): hours logged against the budget per month and per person; no ORM.

An appointment's monthly budget is prorated by the days of the month it is in force, so someone appointed
on the 16th of a 30-day month has half the hours for that month.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Budget:
    person_id: int
    application_id: int
    hours_per_month: Decimal
    starts_on: date
    ends_on: date | None


@dataclass(frozen=True)
class WorkloadRow:
    """One person in one month, over all their applications."""

    person_id: int
    budget_hours: Decimal
    logged_hours: Decimal

    @property
    def over_budget(self) -> bool:
        return self.logged_hours > self.budget_hours

    @property
    def percent(self) -> int | None:
        if not self.budget_hours:
            return None
        return int((self.logged_hours / self.budget_hours * 100).to_integral_value(ROUND_HALF_UP))


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def prorated(budget: Budget, month: date) -> Decimal:
    """The budget's hours for the days of `month` it is in force."""
    first, last = month_bounds(month)
    start = max(first, budget.starts_on)
    end = min(last, budget.ends_on) if budget.ends_on else last
    if end < start:
        return Decimal("0")
    share = Decimal((end - start).days + 1) / Decimal((last - first).days + 1)
    return (budget.hours_per_month * share).quantize(Decimal("0.1"), ROUND_HALF_UP)


def workload(budgets: Iterable[Budget], minutes_logged: Mapping[int, int], *, month: date) -> dict[int, WorkloadRow]:
    """Per person: the month's budget over all their appointments and the hours they logged."""
    hours: dict[int, Decimal] = {}
    for budget in budgets:
        hours[budget.person_id] = hours.get(budget.person_id, Decimal("0")) + prorated(budget, month)
    people = set(hours) | set(minutes_logged)
    return {
        person: WorkloadRow(
            person_id=person,
            budget_hours=hours.get(person, Decimal("0")),
            logged_hours=(Decimal(minutes_logged.get(person, 0)) / 60).quantize(Decimal("0.1"), ROUND_HALF_UP),
        )
        for person in people
    }
