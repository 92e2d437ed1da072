"""Month-end figures, written once: the figures of a month that is over, kept as rows of (month, scope, figure,
currency, value) in `MonthFigure`, so the 12-month trend of the monthly follow-up and of the reports dashboard
reads a few dozen rows instead of counting a year of findings, lines and hand-outs on every request.

A month's figure is the state at its end (docs/reports.md), so once the month is over it does not change: the
daily job (`month_end_figures_daily`) writes the months of the trend that are over and not written yet, for the
group and for each company; `ordna report rebuild --from YYYY-MM [--to YYYY-MM]` writes a range again (after
loading history, or a correction). The month not yet over is counted live, for one day, by the same
aggregates. A month without rows is counted live as well, so nothing depends on the job having run.

The counts come from SQL aggregates (COUNT and SUM per currency, one query per figure for all the days asked),
nothing is loaded row by row. They count exactly what the selectors of the apps that own the data list
(`ordna.accounts.selectors`, `ordna.lifecycle.selectors.overdue_leaver_lines`,
`ordna.devices.selectors.devices_not_returned`); tests/test_month_end.py holds them equal.

Adding a figure: a new key in `FIGURES` (its rows appear when months are written or rebuilt); no migration.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from ordna.accounts.selectors import company_findings, leaver_accounts_active, licence_waste, unused_seats
from ordna.core.companies import CompanyFilter, of_company
from ordna.core.models import Company
from ordna.devices.models import DeviceHolding
from ordna.lifecycle.models import CaseKind, CaseStatus, Line, LineState
from ordna.lifecycle.selectors import ClosingShares, closing_shares
from ordna.reports import figures as f
from ordna.reports.models import MonthFigure

# The figures kept per month: counts, and money per currency (a row per currency).
COUNTS = (
    "leaver_active",
    "overdue",
    "devices_not_returned",
    "closing_verified",
    "closing_attested",
    "closing_waived",
    "closing_overrides",
)
MONEY = ("licence_waste", "unused_seats")
FIGURES = COUNTS + MONEY


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


@dataclass(frozen=True)
class MonthEnd:
    """The figures of one month at its end (or today, for the month not yet over)."""

    leaver_active: int
    overdue: int
    devices_not_returned: int
    closing: ClosingShares
    licence_waste: dict[str, Decimal] = field(default_factory=dict)
    unused_seats: dict[str, Decimal] = field(default_factory=dict)


# Counting --------------------------------------------------------------------------------------------------


def overdue_counts(days: Sequence[date], *, company: CompanyFilter = None) -> dict[date, int]:
    """For each day: how many lines `overdue_leaver_lines` lists for it (leaver cases not cancelled and opened
    by then, lines open at its end and due before it); one COUNT per day, in one query."""
    if not days:
        return {}
    order = sorted(set(days))
    lines = (
        Line.objects.filter(of_company(company, person="case__person"))
        .filter(case__kind=CaseKind.LEAVER, due__lt=order[-1], case__opened_at__lt=_end_of(order[-1]))
        .exclude(case__status=CaseStatus.CANCELLED)
        .filter(Q(state=LineState.OPEN) | Q(closed_at__gte=_end_of(order[0])))
    )

    def overdue_on(day: date) -> Q:
        end = _end_of(day)
        return Q(due__lt=day, case__opened_at__lt=end) & (Q(state=LineState.OPEN) | Q(closed_at__gte=end))

    counts = lines.aggregate(**{f"d{i}": Count("id", filter=overdue_on(day)) for i, day in enumerate(order)})
    return {day: int(counts[f"d{order.index(day)}"] or 0) for day in days}


def devices_counts(days: Sequence[date], *, company: CompanyFilter = None) -> dict[date, int]:
    """For each day: how many devices `devices_not_returned` lists for it (held at its end after they were due
    back: the hand-out's expected return or the holder's last day, whichever is first, before the day,
    `devices.selectors.due_back`); one COUNT per day, in one query."""
    if not days:
        return {}
    order = sorted(set(days))
    holdings = (
        DeviceHolding.objects.filter(of_company(company, person="holder"))
        .filter(issued_at__lt=_end_of(order[-1]))
        .filter(Q(holder__end_date__lt=order[-1]) | Q(expected_return__lt=order[-1]))
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=_end_of(order[0])))
    )

    def held_on(day: date) -> Q:
        end = _end_of(day)
        due = Q(holder__end_date__lt=day) | Q(expected_return__lt=day)  # the earlier of the two is before the day
        return due & Q(issued_at__lt=end) & (Q(ended_at__isnull=True) | Q(ended_at__gte=end))

    counts = holdings.aggregate(**{f"d{i}": Count("id", filter=held_on(day)) for i, day in enumerate(order)})
    return {day: int(counts[f"d{order.index(day)}"] or 0) for day in days}


def count(months: Sequence[date], *, today: date, company: CompanyFilter = None) -> dict[date, MonthEnd]:
    """The figures of each of `months` (first days) at its end, or at `today` for a month not yet over, counted
    live; a handful of aggregate queries whatever the number of months."""
    if not months:
        return {}
    days = {month: min(f.month_end(month), today) for month in months}
    wanted = sorted(set(days.values()))
    findings = company_findings(company)
    active = leaver_accounts_active(wanted, findings=findings)
    waste = licence_waste(wanted, findings=findings)
    unused = unused_seats(wanted) if company is None else {day: {} for day in wanted}
    overdue = overdue_counts(wanted, company=company)
    devices = devices_counts(wanted, company=company)
    shares = closing_shares(list(months), company=company)
    return {
        month: MonthEnd(active[day], overdue[day], devices[day], shares[month], waste[day], unused[day])
        for month, day in days.items()
    }


# Storing ---------------------------------------------------------------------------------------------------


def scope_of(company: int | None) -> str:
    """The scope a company's rows are kept under: "" for the group, "c<id>" for one company (c0: no company)."""
    return "" if company is None else f"c{company}"


def _rows(month: date, scope: str, figures: MonthEnd, now: datetime) -> list[MonthFigure]:
    closing = figures.closing
    counts = {
        "leaver_active": figures.leaver_active,
        "overdue": figures.overdue,
        "devices_not_returned": figures.devices_not_returned,
        "closing_verified": closing.verified,
        "closing_attested": closing.attested,
        "closing_waived": closing.waived,
        "closing_overrides": closing.overrides,
    }
    rows = [MonthFigure(month=month, scope=scope, key=k, value=Decimal(v), written_at=now) for k, v in counts.items()]
    for key, money in (("licence_waste", figures.licence_waste), ("unused_seats", figures.unused_seats)):
        rows.extend(
            MonthFigure(month=month, scope=scope, key=key, currency=c, value=v, written_at=now)
            for c, v in money.items()
        )
    return rows


def scopes() -> list[int | None]:
    """The group and each of its companies (with no company: the unlinked accounts of shared applications)."""
    return [None, 0, *Company.objects.order_by("pk").values_list("pk", flat=True)]


def write(months: Iterable[date], *, today: date) -> int:
    """Write the figures of `months` that are over (ended before `today`), for the group and each company,
    replacing what was written for them; returns how many month-and-scope sets were written."""
    over = sorted({m.replace(day=1) for m in months if f.month_end(m.replace(day=1)) < today})
    if not over:
        return 0
    now = timezone.now()
    written = 0
    for company in scopes():
        counted = count(over, today=today, company=company)
        scope = scope_of(company)
        with transaction.atomic():
            MonthFigure.objects.filter(scope=scope, month__in=over).delete()
            MonthFigure.objects.bulk_create([r for m in over for r in _rows(m, scope, counted[m], now)])
        written += len(over)
    return written


def write_missing(*, today: date, months: int = 12) -> int:
    """The daily job's part: the months of the trend that are over and have no figures yet (for any scope),
    written; a month already written is left as it was written."""
    recent = f.months_ending(f.previous_month(today), months)
    done = set(
        MonthFigure.objects.filter(month__in=recent, key="leaver_active")
        .values_list("month", "scope")
        .order_by("month", "scope")
    )
    wanted = {scope_of(company) for company in scopes()}
    missing = [m for m in recent if any((m, scope) not in done for scope in wanted)]
    return write(missing, today=today)


def stored(months: Sequence[date], *, company: CompanyFilter = None) -> dict[date, MonthEnd]:
    """The written figures of `months` (of `company`: several companies add up), one query; a month without rows
    for every scope asked is left out (the caller counts it live)."""
    if not months:
        return {}
    wanted = {scope_of(c) for c in company} if isinstance(company, frozenset) else {scope_of(company)}
    rows = MonthFigure.objects.filter(month__in=list(months), scope__in=wanted).values_list(
        "month", "scope", "key", "currency", "value"
    )
    values: dict[date, dict[str, int]] = {}
    money: dict[date, dict[str, dict[str, Decimal]]] = {}
    seen: dict[date, set[str]] = {}
    for month, scope, key, currency, value in rows.order_by("month", "scope", "key", "currency"):
        if key == "leaver_active":
            seen.setdefault(month, set()).add(scope)
        if key in MONEY:
            per = money.setdefault(month, {}).setdefault(key, {})
            per[currency] = per.get(currency, Decimal(0)) + value
        elif key in COUNTS:
            mine = values.setdefault(month, {})
            mine[key] = mine.get(key, 0) + int(value)
    result = {}
    for month in months:
        if seen.get(month) != wanted:
            continue
        v, m = values[month], money.get(month, {})
        result[month] = MonthEnd(
            v.get("leaver_active", 0),
            v.get("overdue", 0),
            v.get("devices_not_returned", 0),
            ClosingShares(
                v.get("closing_verified", 0),
                v.get("closing_attested", 0),
                v.get("closing_waived", 0),
                v.get("closing_overrides", 0),
            ),
            dict(sorted(m.get("licence_waste", {}).items())),
            dict(sorted(m.get("unused_seats", {}).items())),
        )
    return result
