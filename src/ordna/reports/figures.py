"""The figures of the monthly follow-up, the licence report and the auditor's sample. Pure: no ORM.

Selectors fetch plain rows with a few set-based queries; these functions turn them into figures, so every
figure is computed in one place, can be traced to the rows it counts, and is tested directly.

Definitions (also in docs/reports.md):
- a *leaver of a month* is a leaver case, not cancelled, whose last day falls in that month;
- a case is *closed on time* when every line is closed (verified, attested or waived) on or before its due date;
- *business days to close* run from the last day to the day the line was closed, in the case's country;
- a finding is *live on a day* when it opened on or before that day and was not resolved by its end.
"""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from ordna.core.business_days import business_days_between
from ordna.core.errors import ServiceError

ZERO = Decimal("0")


# Months ------------------------------------------------------------------------------------------------


def parse_month(text: str) -> date:
    """'YYYY-MM' to the first day of that month; a ServiceError (a ValueError) naming the value otherwise."""
    try:
        year, month = text.strip().split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError
        return date(int(year), int(month), 1)
    except ValueError:
        raise ServiceError(
            _("Give the month as YYYY-MM, for example 2026-10, not %(value)s."), field="month", value=repr(text)
        ) from None


def month_end(first: date) -> date:
    return add_months(first, 1) - timedelta(days=1)


def add_months(first: date, count: int) -> date:
    index = first.year * 12 + first.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_ending(last: date, count: int = 12) -> list[date]:
    """The first days of the `count` months that end with the month of `last`, oldest first."""
    first = last.replace(day=1)
    return [add_months(first, offset) for offset in range(-count + 1, 1)]


def previous_month(today: date) -> date:
    return add_months(today.replace(day=1), -1)


def month_label(first: date) -> str:
    return first.strftime("%Y-%m")


# Rows the selectors fetch ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRow:
    id: int
    employee_id: str
    name: str
    department: str
    last_day: date
    country: str
    status: str


@dataclass(frozen=True)
class LineRow:
    case_id: int
    kind: str
    subject: str
    application: str  # the application's name, or "" for devices and tasks without one
    party: str  # the responsible party as people read it: a role, or the supplier's name
    due: date
    state: str
    closed_on: date | None  # the local day it was closed


@dataclass(frozen=True)
class FindingRow:
    kind: str
    since: date
    resolved_on: date | None
    monthly_cost: Decimal
    currency: str


# Offboarding ---------------------------------------------------------------------------------------------


def closed_by(line: LineRow, day: date) -> bool:
    """Whether the line was closed on or before `day` (an open line never is)."""
    return line.state != "open" and line.closed_on is not None and line.closed_on <= day


def line_on_time(line: LineRow) -> bool:
    return closed_by(line, line.due)


def case_on_time(lines: Sequence[LineRow]) -> bool:
    """Every line closed by its due date (a case without lines has nothing late)."""
    return all(line_on_time(line) for line in lines)


def lines_by_case(lines: Iterable[LineRow]) -> dict[int, list[LineRow]]:
    grouped: dict[int, list[LineRow]] = defaultdict(list)
    for line in lines:
        grouped[line.case_id].append(line)
    return grouped


def deviation_business_days(lines: Sequence[LineRow], *, country: str, today: date) -> int:
    """How late the case's latest line was (or still is, counting to today), in business days; 0 when on time,
    negative when everything closed before its due date."""
    worst: int | None = None
    for line in lines:
        end = line.closed_on if line.state != "open" and line.closed_on is not None else max(today, line.due)
        late = business_days_between(line.due, end, country)
        worst = late if worst is None else max(worst, late)
    return worst or 0


@dataclass(frozen=True)
class MonthFigures:
    month: date
    leavers: int
    on_time: int
    still_open: int  # cases with a line not yet closed

    @property
    def share_on_time(self) -> float | None:
        return self.on_time / self.leavers if self.leavers else None


def month_figures(month: date, cases: Sequence[CaseRow], lines: Mapping[int, Sequence[LineRow]]) -> MonthFigures:
    """Leavers whose last day is in `month` and how many of them were closed on time."""
    end = month_end(month)
    mine = [c for c in cases if month <= c.last_day <= end]
    on_time = sum(1 for c in mine if case_on_time(lines.get(c.id, ())))
    still_open = sum(1 for c in mine if any(line.state == "open" for line in lines.get(c.id, ())))
    return MonthFigures(month, len(mine), on_time, still_open)


def median_business_days(
    cases: Sequence[CaseRow], lines: Mapping[int, Sequence[LineRow]], *, key: str
) -> list[tuple[str, float, int]]:
    """Per application (`key="application"`) or responsible party (`key="party"`): the median business days
    from the last day to closing, over the closed lines; (name, median, lines counted), slowest first."""
    days: dict[str, list[int]] = defaultdict(list)
    for case in cases:
        for line in lines.get(case.id, ()):
            name = getattr(line, key)
            if not name or line.state == "open" or line.closed_on is None:
                continue
            days[name].append(business_days_between(case.last_day, line.closed_on, case.country))
    rows = [(name, float(statistics.median(values)), len(values)) for name, values in days.items()]
    return sorted(rows, key=lambda row: (-row[1], row[0]))


def open_at(line: LineRow, day: date) -> bool:
    """Open at the end of `day`: still open, or closed only later."""
    return not closed_by(line, day)


def overdue_at(lines: Iterable[LineRow], day: date) -> list[LineRow]:
    """Lines past their due date and not closed at the end of `day`, the most overdue first."""
    return sorted((line for line in lines if line.due < day and open_at(line, day)), key=lambda line: line.due)


# Findings and money --------------------------------------------------------------------------------------


def live_on(finding: FindingRow, day: date) -> bool:
    return finding.since <= day and (finding.resolved_on is None or finding.resolved_on > day)


def money_by_currency(findings: Iterable[FindingRow]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for finding in findings:
        totals[finding.currency or "SEK"] += finding.monthly_cost
    return dict(sorted(totals.items()))


def waste_per_month(findings: Sequence[FindingRow], months: Sequence[date], *, today: date) -> list[dict[str, Decimal]]:
    """Licence waste per month in money, per currency: the live licence-waste findings at each month's end
    (or today, for the month not yet over)."""
    waste = [f for f in findings if f.kind == "license_waste"]
    days = [min(month_end(m), today) for m in months]
    return [money_by_currency(f for f in waste if live_on(f, day)) for day in days]


def live_counts(findings: Iterable[FindingRow], day: date) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for finding in findings:
        if live_on(finding, day):
            counts[finding.kind] += 1
    return dict(counts)


def main_currency(totals: Iterable[Mapping[str, Decimal]]) -> str:
    """The currency with the most money in it (charts show one currency; tables show them all)."""
    summed: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in totals:
        for currency, amount in row.items():
            summed[currency] += amount
    return max(sorted(summed), key=lambda c: summed[c]) if summed else "SEK"


# Licences ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LicenceAccount:
    """One account that is not gone, with what makes its licences wasted."""

    application_id: int
    status: str
    person_left: bool
    orphan: bool
    licenses: tuple[str, ...]


@dataclass(frozen=True)
class LicencePrice:
    application_id: int
    application: str
    name: str
    monthly_cost: Decimal
    currency: str
    seats: int | None


@dataclass
class LicenceLine:
    application: str
    license: str
    currency: str
    monthly_cost: Decimal
    seats: int | None
    assigned: int = 0
    to_leavers: int = 0
    to_disabled: int = 0
    to_orphans: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def wasted(self) -> int:
        return self.to_leavers + self.to_disabled + self.to_orphans

    @property
    def waste_per_month(self) -> Decimal:
        return self.monthly_cost * self.wasted

    @property
    def unused_seats(self) -> int | None:
        return None if self.seats is None else max(self.seats - self.assigned, 0)

    @property
    def cost_per_month(self) -> Decimal:
        """What the licence costs: the seats bought, else the seats assigned."""
        return self.monthly_cost * (self.seats if self.seats is not None else self.assigned)


def licence_lines(prices: Iterable[LicencePrice], accounts: Iterable[LicenceAccount]) -> list[LicenceLine]:
    """Per application and licence: seats bought and assigned, and the assigned seats that are waste. Each
    wasted seat counts once, under the first reason of: the person left, the account is disabled, it is
    an orphan (the same reasons as reconciliation's licence-waste findings)."""
    lines = {
        (p.application_id, p.name): LicenceLine(p.application, p.name, p.currency, p.monthly_cost, p.seats)
        for p in prices
    }
    for account in accounts:
        for name in account.licenses:
            line = lines.get((account.application_id, name))
            if line is None:
                continue  # a licence without a price: nothing to count it in (reconciliation flags it)
            line.assigned += 1
            if account.person_left:
                line.to_leavers += 1
            elif account.status == "disabled":
                line.to_disabled += 1
            elif account.orphan:
                line.to_orphans += 1
    return sorted(lines.values(), key=lambda line: (-line.waste_per_month, line.application, line.license))


# The auditor's sample --------------------------------------------------------------------------------------


def evidence_sample(case_ids: Sequence[int], *, size: int, seed: int) -> list[int]:
    """A reproducible random sample of `size` cases: the same ids and seed give the same sample anywhere.

    The ids are sorted first so the database's order does not matter; the sample is returned sorted."""
    if size < 1:
        raise ValueError(f"sample size {size}: expected 1 or more")
    population = sorted(case_ids)
    picked = random.Random(seed).sample(population, min(size, len(population)))  # noqa: S311 - not security
    return sorted(picked)
