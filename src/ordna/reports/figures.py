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
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from ordna.core.business_days import business_days_between
from ordna.core.errors import ServiceError

ZERO = Decimal("0")


# Months ------------------------------------------------------------------------------------------------


# The months a report can be about: a year of trend before the first and a day after the last stay dates.
FIRST_MONTH = date(1900, 1, 1)
LAST_MONTH = date(9998, 12, 1)


def parse_month(text: str) -> date:
    """'YYYY-MM' to the first day of that month; a ServiceError (a ValueError) naming the value otherwise, also
    for a month outside FIRST_MONTH..LAST_MONTH (9999-12 has no day after its end to count to)."""
    try:
        year, month = text.strip().split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError
        first = date(int(year), int(month), 1)
    except ValueError:
        raise ServiceError(
            _("Give the month as YYYY-MM, for example 2026-10, not %(value)s."), field="month", value=repr(text)
        ) from None
    if not FIRST_MONTH <= first <= LAST_MONTH:
        raise ServiceError(
            _("Give a month from %(first)s to %(last)s, not %(value)s."),
            field="month",
            first=month_label(FIRST_MONTH),
            last=month_label(LAST_MONTH),
            value=repr(text),
        )
    return first


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
    override: bool = False  # closed by someone other than its responsible party
    reopened: bool = False  # a later export contradicted how it had closed (issue 28)


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


def line_late(line: LineRow, today: date) -> bool:
    """Closed after its due date, or still open with the due date behind `today`."""
    if line.state != "open" and line.closed_on is not None:
        return line.closed_on > line.due
    return line.due < today


def case_on_time(lines: Sequence[LineRow], *, today: date) -> bool | None:
    """True: every line closed by its due date (a case without lines has nothing late); False: a line is late;
    None: not settled yet, open lines not yet due and none late (a leaver whose last day is ahead is never late)."""
    if any(line_late(line, today) for line in lines):
        return False
    if any(line.state == "open" for line in lines):
        return None
    return True


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
    not_due: int = 0  # cases not settled yet: open lines not yet due, none late

    @property
    def share_on_time(self) -> float | None:
        """Of the leavers whose case is settled (on time or late), the share on time; None when none is."""
        settled = self.leavers - self.not_due
        return self.on_time / settled if settled else None


def month_figures(
    month: date, cases: Sequence[CaseRow], lines: Mapping[int, Sequence[LineRow]], *, today: date
) -> MonthFigures:
    """Leavers whose last day is in `month` and how many of them were closed on time, as of `today`."""
    end = month_end(month)
    mine = [c for c in cases if month <= c.last_day <= end]
    verdicts = [case_on_time(lines.get(c.id, ()), today=today) for c in mine]
    still_open = sum(1 for c in mine if any(line.state == "open" for line in lines.get(c.id, ())))
    return MonthFigures(month, len(mine), verdicts.count(True), still_open, verdicts.count(None))


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


def live_on(finding: FindingRow, day: date) -> bool:
    return finding.since <= day and (finding.resolved_on is None or finding.resolved_on > day)


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
class LicencePrice:
    application_id: int
    application: str
    name: str
    monthly_cost: Decimal
    currency: str
    seats: int | None


@dataclass(frozen=True)
class LicenceWaste:
    """The wasted seats of one licence at a day's end (its live licence-waste findings), and why each is."""

    seats: int
    money: Decimal
    currency: str
    to_leavers: int
    to_disabled: int
    to_orphans: int


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
    waste_money: Decimal = ZERO

    @property
    def wasted(self) -> int:
        return self.to_leavers + self.to_disabled + self.to_orphans

    @property
    def waste_per_month(self) -> Decimal:
        return self.waste_money

    @property
    def unused_seats(self) -> int | None:
        return None if self.seats is None else max(self.seats - self.assigned, 0)

    @property
    def cost_per_month(self) -> Decimal:
        """What the licence costs: the seats bought, else the seats assigned."""
        return self.monthly_cost * (self.seats if self.seats is not None else self.assigned)


def licence_lines(
    prices: Iterable[LicencePrice],
    assigned: Mapping[tuple[int, str], int],
    waste: Mapping[tuple[int, str], LicenceWaste],
) -> list[LicenceLine]:
    """Per application and licence: seats bought and assigned (`assigned`: per application and licence, the
    accounts that are not gone holding it), and the wasted seats with their money as the licence-waste findings
    count them (the same selector as every other surface), so the rows add up to the waste shown everywhere."""
    lines = {
        (p.application_id, p.name): LicenceLine(p.application, p.name, p.currency, p.monthly_cost, p.seats)
        for p in prices
    }
    for key, count in assigned.items():
        line = lines.get(key)
        if line is not None:
            line.assigned += count  # a licence without a price: nothing to count it in (reconciliation flags it)
    for key, wasted in waste.items():
        line = lines.get(key)
        if line is None:
            continue  # an unpriced licence: its waste costs nothing
        line.to_leavers, line.to_disabled, line.to_orphans = wasted.to_leavers, wasted.to_disabled, wasted.to_orphans
        line.waste_money = wasted.money
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
