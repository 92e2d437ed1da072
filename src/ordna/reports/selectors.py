"""Reads for the reports: a few set-based queries that fetch plain rows, handed to `figures` for the sums.

The four figures every surface shows (accounts of leavers still active, licence waste per month per currency,
overdue lines, devices not returned) come from one selector each, in the app that owns the data
(`ordna.accounts.selectors`, `ordna.lifecycle.selectors`, `ordna.devices.selectors`), as the state at the end
of a day: `figures_at` asks them for every day a report needs at once. A month's figure is the state at its
end (or today, for the month not yet over), so the 12-month trend has 12 real points.

`monthly_report` reads a year of leaver cases and their lines in two queries, the findings of the year in
one, and the lists behind the figures in a few more, whatever the size of the organisation; of one company
with `company` (docs/companies.md: the same selectors, filtered, so the companies add up to the group).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import get_language

from ordna.accounts.models import Finding, FindingKind, FindingState
from ordna.accounts.selectors import (
    cents,
    company_findings,
    leaver_accounts_active,
    licence_waste,
    of_finding,
    unused_seats,
)
from ordna.core.business_days import business_days_between
from ordna.core.companies import CompanyFilter, company_name, of_company
from ordna.core.data_version import cached
from ordna.core.models import ImportRun
from ordna.devices.models import DeviceKind
from ordna.devices.selectors import DeviceOut, devices_not_returned
from ordna.feeds.selectors import SourceFreshness, stale_sources
from ordna.lifecycle.models import Case, CaseKind, CaseStatus, Line, LineKind, LineState, Responsible
from ordna.lifecycle.selectors import (
    ClosingShares,
    OverdueLine,
    OverrideRow,
    closing_shares,
    overdue_leaver_lines,
    overrides_closed,
)
from ordna.reports import figures as f
from ordna.reports import month_end
from ordna.reports.licences import licence_report, licences_assigned  # noqa: F401 - the report's selectors
from ordna.reports.lists import live_by_kind, live_findings, live_findings_list
from ordna.reports.value import Value, value_report
from ordna.suppliers.processing_gaps import Gap, applications_of, processing_gaps

TREND_MONTHS = 12
WORST_OVERDUE = 25
# The page, the PDF and the JSON list the first rows behind a figure; the workbook streams all of them.
LIST_LIMIT = 101
ROLE_LABELS = dict(Responsible.choices)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _local_day(moment: datetime | None, zone: Any = None) -> date | None:
    """The local day of `moment`; pass the zone when converting many (looking it up costs more than converting)."""
    if moment is None:
        return None
    return moment.astimezone(zone or timezone.get_current_timezone()).date()


@dataclass(frozen=True)
class FiguresAt:
    """The four figures of one day, the state at its end, with the lists behind the two that list things."""

    day: date
    leaver_accounts_active: int
    licence_waste: dict[str, Decimal]  # money per month, per currency
    overdue: list[OverdueLine]
    devices_out: list[DeviceOut]
    # Seats bought and assigned to nobody, money per month per currency: not licence waste, shown beside it.
    unused_seats: dict[str, Decimal] = field(default_factory=dict)

    @property
    def overdue_lines(self) -> int:
        return len(self.overdue)

    @property
    def devices_not_returned(self) -> int:
        return len(self.devices_out)

    @property
    def licence_waste_per_year(self) -> dict[str, Decimal]:
        return {currency: amount * 12 for currency, amount in self.licence_waste.items()}


def figures_at(days: list[date], *, company: CompanyFilter = None) -> dict[date, FiguresAt]:
    """The four figures at the end of each of `days`, each from the selector of the app that owns its data (of
    one company: `company`; the unused seats are the group's)."""
    findings = company_findings(company)
    active = leaver_accounts_active(days, findings=findings)
    waste = licence_waste(days, findings=findings)
    overdue = overdue_leaver_lines(days, company=company)
    devices = devices_not_returned(days, company=company)
    unused = unused_seats(days)
    return {day: FiguresAt(day, active[day], waste[day], overdue[day], devices[day], unused[day]) for day in days}


def party_label(role: str, supplier: str | None) -> str:
    """The responsible party as the reports name it: the supplier's name for supplier lines, else the role."""
    if role == Responsible.SUPPLIER and supplier:
        return str(supplier)
    return str(ROLE_LABELS.get(role, role))


def leaver_cases(start: date, end: date, *, company: CompanyFilter = None) -> list[f.CaseRow]:
    """Leaver cases, not cancelled, whose last day is within [start, end] (of one company's people); one query."""
    rows = (
        Case.objects.filter(of_company(company, person="person"))
        .filter(kind=CaseKind.LEAVER, effective_date__gte=start, effective_date__lte=end)
        .exclude(status=CaseStatus.CANCELLED)
        .order_by("effective_date", "id")
        .values_list(
            "id",
            "person__employee_id",
            "person__first_name",
            "person__last_name",
            "person__department",
            "effective_date",
            "holiday_country",
            "status",
        )
    )
    return [
        f.CaseRow(pk, employee_id, f"{first} {last}".strip(), department, last_day, country, status)
        for pk, employee_id, first, last, department, last_day, country, status in rows.iterator(chunk_size=5000)
    ]


def _line_rows(lines: Any) -> Iterator[f.LineRow]:
    values = lines.values_list(
        "case_id",
        "kind",
        "subject",
        "application__name",
        "responsible",
        "responsible_supplier__name",
        "due",
        "state",
        "closed_at",
        "override",
        "reopened",
    )
    zone = timezone.get_current_timezone()
    parties: dict[tuple[str, str | None], str] = {}  # the label of each (role, supplier), translated once
    for case_id, kind, subject, app, role, supplier, due, state, closed_at, override, reopened in values.iterator(
        chunk_size=10000
    ):
        party = parties.get((role, supplier))
        if party is None:
            party = parties[(role, supplier)] = party_label(role, supplier)
        yield f.LineRow(
            case_id,
            kind,
            subject,
            app or "",
            party,
            due,
            state,
            _local_day(closed_at, zone),
            override,
            bool(reopened),
        )


def leaver_lines(start: date, end: date, *, company: CompanyFilter = None) -> list[f.LineRow]:
    """The lines of the cases `leaver_cases(start, end, company=...)` returns; one query."""
    lines = (
        Line.objects.filter(of_company(company, person="case__person"))
        .filter(case__kind=CaseKind.LEAVER, case__effective_date__gte=start, case__effective_date__lte=end)
        .exclude(case__status=CaseStatus.CANCELLED)
    )
    return list(_line_rows(lines.order_by("case_id", "due", "id")))


# The monthly follow-up -----------------------------------------------------------------------------------

REMAINING_KINDS = (FindingKind.LEAVER_ACTIVE, FindingKind.LICENSE_WASTE, FindingKind.ORPHAN, FindingKind.DORMANT)


@dataclass(frozen=True)
class LeaverRow:
    case_id: int
    employee_id: str
    name: str
    department: str
    last_day: date
    status: str
    lines: int
    lines_open: int
    on_time: bool | None  # None: not settled yet (open lines not yet due, none late)
    deviation: int  # business days the latest line was (or is) late; 0 or less: on time


@dataclass(frozen=True)
class OverdueRow:
    case_id: int
    employee_id: str
    name: str
    kind: str
    subject: str
    application: str
    party: str
    due: date
    days_overdue: int


@dataclass(frozen=True)
class TrendRow:
    month: date
    leavers: int
    on_time: int
    share_on_time: float | None
    waste: dict[str, Decimal]
    leaver_active: int
    overdue: int
    devices_not_returned: int
    closing: ClosingShares
    no_data_before: date | None = None  # the day Ordna's data starts, when this month ended before it


@dataclass(frozen=True)
class MonthlyReport:
    month: date
    as_of: date  # the month's last day, or today for the month not yet over
    generated_at: datetime
    figures: f.MonthFigures
    at: FiguresAt  # the four figures at `as_of`
    closing: ClosingShares  # how the lines that closed in the month closed
    overrides: list[OverrideRow]  # the lines closed in the month by someone not responsible for them
    leavers: list[LeaverRow]
    by_application: list[tuple[str, float, int]]
    by_party: list[tuple[str, float, int]]
    remaining: dict[str, int]  # live findings by kind at `as_of` (orphans, dormant)
    devices_not_returned: list[OverdueRow]
    findings_opened: dict[str, int]
    findings_closed: dict[str, int]
    trend: list[TrendRow]
    currency: str  # the currency the charts show
    worst_overdue: list[OverdueRow]
    leaver_active_accounts: list[dict[str, Any]]
    waste_list: list[dict[str, Any]]
    # Sources past their age at `as_of` (ordna.feeds): verification rested on old data, or waits for new.
    stale_sources: list[SourceFreshness]
    company: str = ""  # the company's name, for a report of one company of the group
    data_since: date | None = None  # the day of the first applied HR import: no figures before it
    processor_gaps: list[Gap] = field(default_factory=list)  # at `as_of` (suppliers.processing_gaps)
    value: Value | None = None  # what the routine achieved in the month and since Ordna started (issue 23)
    scope: CompanyFilter = None  # the companies the report is about (None: the group), for the full lists

    def full_list(self, kind: str) -> Iterator[dict[str, Any]]:
        """Every finding of `kind` live at `as_of`, streamed (the report itself keeps the first LIST_LIMIT)."""
        return live_findings(kind, self.as_of, company=self.scope)

    @property
    def waste_month(self) -> dict[str, Decimal]:
        return self.at.licence_waste

    @property
    def waste_year(self) -> dict[str, Decimal]:
        return self.at.licence_waste_per_year

    @property
    def label(self) -> str:
        return f.month_label(self.month)


def _overdue_rows(lines: list[OverdueLine], day: date) -> list[OverdueRow]:
    return [
        OverdueRow(
            line.case_id,
            line.employee_id,
            line.name,
            line.kind,
            line.subject,
            line.application,
            party_label(line.responsible, line.supplier),
            line.due,
            business_days_between(line.due, day, line.country),
        )
        for line in lines
    ]


def _device_rows(devices: list[DeviceOut], day: date) -> list[OverdueRow]:
    """Devices not returned, in the shape of the overdue lists: due on the day they were due back."""
    return [
        OverdueRow(
            0,
            d.employee_id,
            d.name,
            str(LineKind.DEVICE.label),
            d.asset_tag,
            "",
            str(ROLE_LABELS[Responsible.MANAGER]),
            d.due,
            business_days_between(d.due, day, "SE"),
        )
        for d in devices
    ]


def data_since() -> date | None:
    """The day Ordna's data starts: the first applied HR import, or the first leaver case if one is older (a
    history loaded another way, as the demo's); None before either. Months that ended before it have no figures:
    people who left then got a case only when they had left recently."""
    first_import = (
        ImportRun.objects.filter(source=ImportRun.Source.HR, outcome=ImportRun.Outcome.APPLIED)
        .order_by("started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    first_case = Case.objects.order_by("opened_at").values_list("opened_at", flat=True).first()
    days = [day for day in (_local_day(first_import), _local_day(first_case)) if day is not None]
    return min(days, default=None)


def _scope_key(company: CompanyFilter) -> object:
    return sorted(company) if isinstance(company, frozenset) else company


def monthly_report(*, month: date, today: date, company: CompanyFilter = None) -> MonthlyReport:
    """The follow-up of `month` (its first day), with its 12-month trend, as of its last day (or today); of one
    company of the group when `company` is given. Worked out once per data version (ordna.core.data_version):
    the month not yet over is counted live, and reused until the next committed write changes what it counts."""
    report = cached(
        ("monthly_report", month, today, _scope_key(company), get_language()),
        lambda: _monthly_report(month=month, today=today, company=company),
    )
    return replace(report, generated_at=timezone.now())


def _monthly_report(*, month: date, today: date, company: CompanyFilter) -> MonthlyReport:
    as_of = min(f.month_end(month), today)
    months = f.months_ending(month, TREND_MONTHS)
    window_start = months[0]
    cases = leaver_cases(window_start, f.month_end(month), company=company)
    grouped = f.lines_by_case(leaver_lines(window_start, f.month_end(month), company=company))

    in_month = [c for c in cases if month <= c.last_day <= f.month_end(month)]
    leavers = [
        LeaverRow(
            c.id,
            c.employee_id,
            c.name,
            c.department,
            c.last_day,
            c.status,
            len(grouped.get(c.id, ())),
            sum(1 for line in grouped.get(c.id, ()) if line.state == LineState.OPEN),
            f.case_on_time(grouped.get(c.id, ()), today=today),
            f.deviation_business_days(grouped.get(c.id, ()), country=c.country, today=today),
        )
        for c in in_month
    ]
    since = data_since()
    trend = _trend(months, cases, grouped, today=today, company=company, since=since)
    at = trend[-1].at
    month_start = _day_start(month)
    month_after = _day_start(f.add_months(month, 1))
    opened = dict(
        Finding.objects.filter(of_finding(company))
        .filter(since__gte=month, since__lte=f.month_end(month))
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by("kind")
    )
    closed = dict(
        Finding.objects.filter(of_finding(company))
        .filter(resolved_at__gte=month_start, resolved_at__lt=month_after)
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by("kind")
    )
    return MonthlyReport(
        month=month,
        as_of=as_of,
        generated_at=timezone.now(),
        figures=f.month_figures(month, cases, grouped, today=today),
        at=at,
        closing=trend[-1].row.closing,
        overrides=overrides_closed(month, f.month_end(month), company=company),
        leavers=leavers,
        by_application=f.median_business_days(in_month, grouped, key="application"),
        by_party=f.median_business_days(in_month, grouped, key="party"),
        remaining=live_by_kind(REMAINING_KINDS, as_of, company=company),
        devices_not_returned=_device_rows(at.devices_out, as_of),
        findings_opened=opened,
        findings_closed=closed,
        trend=[row.row for row in trend],
        currency=f.main_currency(row.row.waste for row in trend),
        worst_overdue=_overdue_rows(at.overdue[:WORST_OVERDUE], as_of),
        leaver_active_accounts=live_findings_list(FindingKind.LEAVER_ACTIVE, as_of, company=company, limit=LIST_LIMIT),
        waste_list=live_findings_list(FindingKind.LICENSE_WASTE, as_of, company=company, limit=LIST_LIMIT),
        company=company_name(company),
        stale_sources=stale_sources(day=as_of),
        data_since=since,
        processor_gaps=processing_gaps(today=as_of, application_filter=applications_of(company)),
        value=value_report(month=month, since=since, company=company, today=today),
        scope=company,
    )


# The dashboard -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    today: date
    trend: list[TrendRow]
    currency: str
    open_by_party: list[tuple[str, int, int]]  # party, open lines, overdue lines
    devices_outstanding: list[tuple[str, int, int]]  # device kind, open device lines, overdue ones
    findings_by_kind: list[tuple[str, str, int, dict[str, Decimal]]]  # kind, label, live count, money per currency
    at: FiguresAt  # the four figures now
    value: Value | None = None  # what the routine achieved this month and since Ordna started (issue 23)


def dashboard(*, today: date, company: CompanyFilter = None) -> Dashboard:
    """The charts of the follow-up dashboard: the 12-month trend up to this month, and today's open work; the
    four figures now are the trend's last point (this month, as of today). Of some companies: `company`. Once
    per data version, as `monthly_report`."""
    return cached(
        ("reports_dashboard", today, _scope_key(company), get_language()),
        lambda: _dashboard(today=today, company=company),
    )


def _dashboard(*, today: date, company: CompanyFilter) -> Dashboard:
    months = f.months_ending(today.replace(day=1), TREND_MONTHS)
    since = data_since()
    points = _trend(
        months,
        leaver_cases(months[0], f.month_end(months[-1]), company=company),
        f.lines_by_case(leaver_lines(months[0], f.month_end(months[-1]), company=company)),
        today=today,
        company=company,
        since=since,
    )
    report_trend = [point.row for point in points]
    lines_of = of_company(company, person="case__person")
    open_lines = (
        Line.objects.filter(lines_of)
        .filter(case__kind=CaseKind.LEAVER, case__status=CaseStatus.OPEN, state=LineState.OPEN)
        .values_list("responsible", "responsible_supplier__name")
    )
    by_party = (
        open_lines.annotate(n=Count("id"), late=Count("id", filter=Q(due__lt=today)))
        .values_list("responsible", "responsible_supplier__name", "n", "late")
        .order_by("responsible", "responsible_supplier__name")
    )
    parties: dict[str, list[int]] = {}
    for role, supplier, n, late in by_party:
        totals = parties.setdefault(party_label(role, supplier), [0, 0])
        totals[0] += n
        totals[1] += late
    expected = Counter(
        Line.objects.filter(lines_of)
        .filter(case__kind=CaseKind.LEAVER, case__status=CaseStatus.OPEN, state=LineState.OPEN, kind=LineKind.DEVICE)
        .exclude(device__kind=None)
        .values_list("device__kind", flat=True)
    )
    late = Counter(out.kind for out in points[-1].at.devices_out)  # the one selector's devices not returned
    devices = [(kind, expected.get(kind, 0), late.get(kind, 0)) for kind in sorted(set(expected) | set(late))]
    device_labels = dict(DeviceKind.choices)
    labels = dict(FindingKind.choices)
    live = (
        Finding.objects.filter(of_finding(company))
        .filter(state__in=[FindingState.OPEN, FindingState.ACCEPTED])
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by("kind")
    )
    money: dict[str, dict[str, Decimal]] = {}
    for kind, currency, total in (
        Finding.objects.filter(of_finding(company))
        .filter(state__in=[FindingState.OPEN, FindingState.ACCEPTED], monthly_cost__gt=0)
        .values_list("kind", "currency")
        .annotate(total=Sum("monthly_cost"))
        .order_by("kind", "currency")
    ):
        money.setdefault(kind, {})[currency or "SEK"] = cents(total)
    return Dashboard(
        today=today,
        trend=report_trend,
        currency=f.main_currency(t.waste for t in report_trend),
        open_by_party=sorted(((p, n, late) for p, (n, late) in parties.items()), key=lambda r: (-r[1], r[0])),
        devices_outstanding=[(str(device_labels.get(kind, kind or "—")), n, late) for kind, n, late in devices],
        findings_by_kind=[(kind, str(labels.get(kind, kind)), n, money.get(kind, {})) for kind, n in live],
        at=points[-1].at,
        value=value_report(month=months[-1], since=since, company=company, today=today),
    )


def monthly_trend(*, month: date, today: date, company: CompanyFilter = None) -> list[TrendRow]:
    """The 12 months up to `month`: leavers, closed on time, and the four figures at each month's end."""
    months = f.months_ending(month, TREND_MONTHS)
    cases = leaver_cases(months[0], f.month_end(month), company=company)
    grouped = f.lines_by_case(leaver_lines(months[0], f.month_end(month), company=company))
    return [point.row for point in _trend(months, cases, grouped, today=today, company=company, since=data_since())]


@dataclass(frozen=True)
class _TrendPoint:
    row: TrendRow
    at: FiguresAt


def _trend(
    months: list[date],
    cases: list[f.CaseRow],
    grouped: dict[int, list[f.LineRow]],
    *,
    today: date,
    company: CompanyFilter = None,
    since: date | None = None,
) -> list[_TrendPoint]:
    """Each month's row: its leavers and how many closed on time, the four figures at its end (or today, for
    the month not yet over) and how its closed lines closed; a month that ended before `since` (the data's
    start) says so instead of counting zeros."""
    # The months that are over read their month-end rows (ordna.reports.month_end); those not written are counted
    # live, with the point of the month asked (the last: its figures with the lists behind them), in the same
    # aggregate queries. Months that ended before the data starts are not counted at all.
    last = min(f.month_end(months[-1]), today)
    shown = [m for m in months[:-1] if since is None or f.month_end(m) >= since]
    stored = month_end.stored([m for m in shown if f.month_end(m) < today], company=company)
    missing = {m: min(f.month_end(m), today) for m in shown if m not in stored}
    days = sorted(set(missing.values()) | {last})
    findings = company_findings(company)
    active = leaver_accounts_active(days, findings=findings)
    waste = licence_waste(days, findings=findings)
    unused = unused_seats(days)
    at = FiguresAt(
        last,
        active[last],
        waste[last],
        overdue_leaver_lines([last], company=company)[last],
        devices_not_returned([last], company=company)[last],
        unused[last],
    )
    overdue = month_end.overdue_counts(list(missing.values()), company=company)
    devices = month_end.devices_counts(list(missing.values()), company=company)
    shares = closing_shares(months, company=company)
    ends = {
        m: month_end.MonthEnd(active[d], overdue[d], devices[d], shares[m], waste[d], unused[d])
        for m, d in missing.items()
    }
    ends.update(stored)
    ends[months[-1]] = month_end.MonthEnd(
        at.leaver_accounts_active,
        at.overdue_lines,
        at.devices_not_returned,
        shares[months[-1]],
        at.licence_waste,
        at.unused_seats,
    )
    points = []
    for first in months:
        if since is not None and f.month_end(first) < since:
            points.append(_TrendPoint(TrendRow(first, 0, 0, None, {}, 0, 0, 0, shares[first], since), at))
            continue
        end = ends[first]
        figures = f.month_figures(first, cases, grouped, today=today)
        row = TrendRow(
            first,
            figures.leavers,
            figures.on_time,
            figures.share_on_time,
            end.licence_waste,
            end.leaver_active,
            end.overdue,
            end.devices_not_returned,
            end.closing,
        )
        points.append(_TrendPoint(row, at))
    return points
