"""What the routine achieved (issue 23, "the value"): the figures the CIO communicates, per month and since Ordna
started, for the monthly follow-up (HTML, PDF, XLSX) and the reports page.

- licence money no longer paid: the licence-waste findings resolved in the period, their money per month (and
  per year) per currency, straight from the findings' history;
- leavers' accounts closed on time: the account lines of leaver cases due in the period, and how many closed by
  their due date;
- devices collected: devices of leavers checked in during the period (their device lines verified by check-in);
- key users' hours against their budget: effort logged in the period, and the appointments' hours per month
  for the days of the period they were in force.

Each figure is a selector of (month, company) that returns plain values (`ValueFigures`), so it can be stored as
a month-end figure; a span of months is read with one query per figure, whatever its length.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from ordna.accounts.models import Finding, FindingKind, FindingState
from ordna.accounts.selectors import of_finding
from ordna.applications.models import KeyUserAppointment
from ordna.core.companies import CompanyFilter, of_company
from ordna.core.money import Amounts, amounts_add, amounts_of, amounts_times
from ordna.lifecycle.models import CaseKind, CaseStatus, Line, LineKind, LineState
from ordna.reports import figures as f
from ordna.support.models import Effort
from ordna.support.workload import Budget, prorated

CLOSED = (LineState.VERIFIED, LineState.ATTESTED, LineState.WAIVED)
_one = timedelta(days=1)


@dataclass(frozen=True)
class ValueFigures:
    """What the routine achieved in a period: plain values, money per currency (never summed across them)."""

    start: date
    end: date
    saved_per_month: Amounts  # licence money no longer paid, per month, per currency
    waste_resolved: int  # licence-waste findings resolved
    leaver_accounts_due: int  # account lines of leavers due in the period
    leaver_accounts_on_time: int  # of those, closed by their due date
    devices_collected: int
    key_user_hours: Decimal
    key_user_budget: Decimal

    @property
    def saved_per_year(self) -> Amounts:
        return amounts_times(self.saved_per_month, 12)

    @property
    def share_on_time(self) -> float | None:
        return self.leaver_accounts_on_time / self.leaver_accounts_due if self.leaver_accounts_due else None


def _moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _month_of(day: date) -> date:
    return day.replace(day=1)


def _money_saved(start: date, end: date, company: CompanyFilter) -> dict[date, tuple[int, list[tuple[str, Decimal]]]]:
    """Per month: the licence-waste findings resolved in it, and their (currency, money per month)."""
    rows = (
        Finding.objects.filter(of_finding(company))
        .filter(kind=FindingKind.LICENSE_WASTE, state=FindingState.RESOLVED)
        .filter(resolved_at__gte=_moment(start), resolved_at__lt=_moment(end + _one))
        .values_list("resolved_at", "currency", "monthly_cost")
    )
    zone = timezone.get_current_timezone()
    result: dict[date, tuple[int, list[tuple[str, Decimal]]]] = {}
    for resolved_at, currency, cost in rows.iterator(chunk_size=10000):
        if resolved_at is None:  # filtered out above; for the type checker
            continue
        month = _month_of(resolved_at.astimezone(zone).date())
        count, money = result.get(month, (0, []))
        money.append((currency, cost))
        result[month] = (count + 1, money)
    return result


def _leaver_accounts(start: date, end: date, company: CompanyFilter) -> dict[date, tuple[int, int]]:
    """Per month of the due date: the account lines of leaver cases due from `start` to `end`, and those closed
    by their due date."""
    rows = (
        Line.objects.filter(of_company(company, person="case__person"))
        .filter(case__kind=CaseKind.LEAVER, kind=LineKind.ACCOUNT, due__gte=start, due__lte=end)
        .exclude(case__status=CaseStatus.CANCELLED)
        .values_list("due", "state", "closed_at")
    )
    zone = timezone.get_current_timezone()
    result: dict[date, tuple[int, int]] = {}
    for due, state, closed_at in rows.iterator(chunk_size=10000):
        month = _month_of(due)
        total, on_time = result.get(month, (0, 0))
        in_time = state in CLOSED and closed_at is not None and closed_at.astimezone(zone).date() <= due
        result[month] = (total + 1, on_time + int(in_time))
    return result


def _devices_collected(start: date, end: date, company: CompanyFilter) -> dict[date, int]:
    """Per month: the leavers' devices checked in (their device lines verified by the check-in)."""
    rows = (
        Line.objects.filter(of_company(company, person="case__person"))
        .filter(case__kind=CaseKind.LEAVER, kind=LineKind.DEVICE, state=LineState.VERIFIED)
        .filter(closed_at__gte=_moment(start), closed_at__lt=_moment(end + _one))
        .values_list("closed_at", flat=True)
    )
    zone = timezone.get_current_timezone()
    result: dict[date, int] = {}
    for closed_at in rows.iterator(chunk_size=10000):
        if closed_at is None:  # filtered out above; for the type checker
            continue
        month = _month_of(closed_at.astimezone(zone).date())
        result[month] = result.get(month, 0) + 1
    return result


def _key_user_hours(months: Sequence[date], company: CompanyFilter) -> dict[date, tuple[Decimal, Decimal]]:
    """Per month: the hours key users logged, and their appointments' budget for the days in force."""
    start, end = months[0], f.month_end(months[-1])
    minutes: dict[date, int] = {}
    efforts = Effort.objects.filter(of_company(company, person="person")).filter(on__gte=start, on__lte=end)
    for on, spent in efforts.values_list("on", "minutes").iterator(chunk_size=10000):
        minutes[_month_of(on)] = minutes.get(_month_of(on), 0) + spent
    budgets = [
        Budget(person, app, hours, starts, ends)
        for person, app, hours, starts, ends in KeyUserAppointment.objects.filter(of_company(company, person="person"))
        .filter(starts_on__lte=end)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        .values_list("person_id", "application_id", "hours_per_month", "starts_on", "ends_on")
    ]
    return {
        month: (
            (Decimal(minutes.get(month, 0)) / 60).quantize(Decimal("0.1")),
            sum((prorated(budget, month) for budget in budgets), Decimal("0")),
        )
        for month in months
    }


def value_by_month(
    months: Sequence[date], *, company: CompanyFilter = None, today: date | None = None
) -> dict[date, ValueFigures]:
    """The value figures of each of `months` (their first days, in order), of one company with `company`; one
    query per figure for all the months. With `today`, a month not yet over counts the account lines due up to
    today only: a line due later is neither on time nor late yet (the month's share would read low until its
    end)."""
    if not months:
        return {}
    start, end = months[0], f.month_end(months[-1])
    money = _money_saved(start, end, company)
    accounts = _leaver_accounts(start, min(end, today) if today is not None else end, company)
    devices = _devices_collected(start, end, company)
    hours = _key_user_hours(months, company)
    result = {}
    for month in months:
        resolved, saved = money.get(month, (0, []))
        due, on_time = accounts.get(month, (0, 0))
        logged, budget = hours[month]
        result[month] = ValueFigures(
            month,
            f.month_end(month),
            amounts_of(saved),
            resolved,
            due,
            on_time,
            devices.get(month, 0),
            logged,
            budget,
        )
    return result


def value_of_month(*, month: date, company: CompanyFilter = None, today: date | None = None) -> ValueFigures:
    """What the routine achieved in `month` (its first day)."""
    return value_by_month([month], company=company, today=today)[month]


def value_total(figures: Sequence[ValueFigures]) -> ValueFigures | None:
    """The figures of consecutive periods added up (money per currency); None for none."""
    if not figures:
        return None
    return ValueFigures(
        figures[0].start,
        figures[-1].end,
        amounts_add(*(x.saved_per_month for x in figures)),
        sum(x.waste_resolved for x in figures),
        sum(x.leaver_accounts_due for x in figures),
        sum(x.leaver_accounts_on_time for x in figures),
        sum(x.devices_collected for x in figures),
        sum((x.key_user_hours for x in figures), Decimal("0")),
        sum((x.key_user_budget for x in figures), Decimal("0")),
    )


@dataclass(frozen=True)
class Value:
    """The value section of a report: the month, since Ordna started (up to the month's end), and each month of
    that span for the chart."""

    month: ValueFigures
    since_start: ValueFigures
    by_month: list[ValueFigures]


def value_report(*, month: date, since: date | None, company: CompanyFilter = None, today: date | None = None) -> Value:
    """The value of `month` and of every month from the one Ordna started in (`since`, the data's first day;
    without one, the month alone) up to `month`; lines due after `today` are not counted yet."""
    first = _month_of(since) if since is not None and _month_of(since) <= month else month
    months = []
    current = first
    while current <= month:
        months.append(current)
        current = f.add_months(current, 1)
    by_month = value_by_month(months, company=company, today=today)
    ordered = [by_month[m] for m in months]
    total = value_total(ordered)
    assert total is not None  # noqa: S101 - at least `month`
    return Value(by_month[month], total, ordered)
