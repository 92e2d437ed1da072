"""Reads of cases and lines: a case's lines, "my tasks", the export shapes of docs/api.md, and the open lines by
responsible party and due date that a reminder engine reads (docs/notifications.md). The board: lifecycle.board."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from ordna.core.access import in_companies
from ordna.core.companies import CompanyFilter, of_company
from ordna.core.models import ImportRun
from ordna.lifecycle.closing import attest_reasons_for, attestable_from
from ordna.lifecycle.models import (
    AttestReason,
    Case,
    CaseKind,
    CaseStatus,
    CaseTemplate,
    ClosingRequest,
    Line,
    LineKind,
    LineState,
    Responsible,
)
from ordna.lifecycle.scopes import (
    OVERRIDERS,
    cases_scope,
    lines_closable_scope,
    lines_responsible_scope,
    lines_scope,
    may_approve,
)

if TYPE_CHECKING:
    from ordna.core.models import User

CASE_EXPORT_COLUMNS = ("kind", "person", "effective_date", "status", "lines_total", "lines_open", "completed_at")
LINE_EXPORT_COLUMNS = ("case_person", "kind", "application", "subject", "responsible", "due", "state", "verified_by")


def overdue_lines(today: date) -> Q:
    """Open lines of open cases past their due date, as a filter on lines."""
    return Q(state=LineState.OPEN, due__lt=today, case__status=CaseStatus.OPEN)


def case_lines(case: Case, user: User) -> QuerySet[Line]:
    """The lines of `case` that `user` may see, with what the page shows of each."""
    return (
        lines_scope(user)
        .filter(case=case)
        .select_related("application", "account", "device", "responsible_person", "responsible_supplier")
        .order_by("due", "kind", "subject", "id")
    )


@dataclass(frozen=True)
class LineClosing:
    """What a page offers `user` on one open line: closing it as its responsible party ("own") or only by an
    override ("override"), the reasons an attestation must choose from (none: free text), the first day it
    may be attested, and the request waiting for approval with what the user may do about it."""

    right: str  # "own", "override" or "" (the user may not close it)
    reasons: list[tuple[str, str]]
    attestable_from: date | None
    request: ClosingRequest | None
    can_decide: bool  # approve or reject the request
    can_withdraw: bool

    @property
    def needs_reason(self) -> bool:
        return bool(self.reasons)


def lines_closing(user: User, lines: Sequence[Line]) -> dict[int, LineClosing]:
    """The closing offers for the open lines among `lines` (with their cases), in two queries for them all."""
    ids = [line.pk for line in lines if line.state == LineState.OPEN]
    if not ids:
        return {}
    own = set(lines_responsible_scope(user).filter(pk__in=ids).values_list("pk", flat=True))
    overrider = user.has_role(*OVERRIDERS)
    pending = {
        r.line_id: r for r in ClosingRequest.objects.filter(line_id__in=ids, decision=ClosingRequest.Decision.PENDING)
    }
    approver = may_approve(user)
    labels = dict(AttestReason.choices)
    offers = {}
    for line in lines:
        if line.pk not in ids:
            continue
        request = pending.get(line.pk)
        mine = request is not None and request.requested_by_user_id == user.pk
        offers[line.pk] = LineClosing(
            right="own" if line.pk in own else "override" if overrider else "",
            reasons=[(r, str(labels[r])) for r in attest_reasons_for(line)],
            attestable_from=attestable_from(line),
            request=request,
            can_decide=request is not None and approver and not mine,
            can_withdraw=mine,
        )
    return offers


@dataclass(frozen=True)
class ClosingCounts:
    """How the lines of a case (or any set of lines) closed: by proof, by a person's word, waived; with the
    overrides among them, the lines still open, and those a later export contradicted (reopened, issue 28)."""

    total: int
    verified: int
    attested: int
    waived: int
    open: int
    overrides: int
    reopened: int = 0


def closing_counts(lines: Sequence[Any]) -> ClosingCounts:
    """Counted from line rows with `state`, `override` and `reopened` (models or plain rows)."""
    states = [line.state for line in lines]
    return ClosingCounts(
        total=len(states),
        verified=states.count(LineState.VERIFIED),
        attested=states.count(LineState.ATTESTED),
        waived=states.count(LineState.WAIVED),
        open=states.count(LineState.OPEN),
        overrides=sum(1 for line in lines if line.override),
        reopened=sum(1 for line in lines if line.reopened),
    )


# A line's relations that most lines leave empty: read for the page's rows in a query each (when any has one)
# rather than joined; PostgreSQL spent 16 ms planning the eight-table join of a 50-line page, for 1 ms of work.
OFTEN_EMPTY = ("line__responsible_person", "line__responsible_supplier")


def closing_requests_pending(lines: QuerySet[Line]) -> QuerySet[ClosingRequest]:
    """The requests waiting for approval on `lines` (a scope), oldest first."""
    return (
        ClosingRequest.objects.filter(decision=ClosingRequest.Decision.PENDING, line__in=lines)
        .select_related("line__case__person", "line__application")
        .prefetch_related(*OFTEN_EMPTY)
        .order_by("requested_at", "id")
    )


def my_tasks(user: User) -> QuerySet[Line]:
    """The open lines of open cases that `user` must close, and for an employee the devices to return; of their
    companies' people for a user scoped to companies."""
    mine = (
        Q(pk__in=lines_closable_scope(user).values("pk"))
        if not user.has_role("admin", "coordinator")
        else Q(responsible=Responsible.COORDINATOR) & in_companies(user, "case__person__company")
    )
    if user.person_id is not None:
        mine |= Q(case__person_id=user.person_id, kind=LineKind.DEVICE, grant=False)
    return (
        Line.objects.filter(mine, state=LineState.OPEN, case__status=CaseStatus.OPEN)
        .select_related("case__person", "application")
        .prefetch_related("device", *(name.removeprefix("line__") for name in OFTEN_EMPTY))
        .order_by("due", "case_id", "id")
    )


def open_lines_by_party(*, due_on_or_before: date) -> QuerySet[Line, Any]:
    """Open lines of open cases due by a date, ordered by responsible party: what a reminder run reads.

    Served by the partial indexes on (responsible_person, due) and (responsible_supplier, due) and by
    (state, due); the rows carry everything a digest needs to name the party and the item.
    """
    return (
        Line.objects.filter(state=LineState.OPEN, case__status=CaseStatus.OPEN, due__lte=due_on_or_before)
        .order_by("responsible", "responsible_person_id", "responsible_supplier_id", "due")
        .values(
            "id",
            "case_id",
            "kind",
            "subject",
            "due",
            "responsible",
            "responsible_person_id",
            "responsible_supplier_id",
            "case__person__employee_id",
        )
    )


def responsible_label(role: str, person_employee_id: str | None, supplier_name: str | None) -> str:
    """The responsible party in exports: the role, and who fills it when that is a person or supplier."""
    if supplier_name:
        return f"{role}:{supplier_name}"
    if person_employee_id and role != Responsible.EMPLOYEE:
        return f"{role}:{person_employee_id}"
    return role


def cases_export_rows(queryset: QuerySet[Case]) -> Iterator[dict[str, Any]]:
    rows = (
        queryset.order_by("effective_date", "id")
        .annotate(total=Count("lines"), still_open=Count("lines", filter=Q(lines__state=LineState.OPEN)))
        .values_list("kind", "person__employee_id", "effective_date", "status", "total", "still_open", "completed_at")
    )
    for kind, person, effective, status, total, still_open, completed in rows.iterator(chunk_size=2000):
        yield {
            "kind": kind,
            "person": person,
            "effective_date": effective,
            "status": status,
            "lines_total": total,
            "lines_open": still_open,
            "completed_at": completed,
        }


def lines_export_rows(queryset: QuerySet[Line]) -> Iterator[dict[str, Any]]:
    rows = queryset.order_by("case__effective_date", "case_id", "due", "id").values_list(
        "case__person__employee_id",
        "kind",
        "application__slug",
        "subject",
        "responsible",
        "responsible_person__employee_id",
        "responsible_supplier__name",
        "due",
        "state",
        "verified_by",
    )
    for person, kind, app, subject, role, who, supplier, due, state, verified_by in rows.iterator(chunk_size=5000):
        yield {
            "case_person": person,
            "kind": kind,
            "application": app if kind in (LineKind.ACCOUNT, LineKind.LICENCE) else None,
            "subject": subject,
            "responsible": responsible_label(role, who, supplier),
            "due": due,
            "state": state,
            "verified_by": verified_by or None,
        }


@dataclass(frozen=True)
class AccessRow:
    application: str
    slug: str
    expected: bool
    expected_licences: list[str]
    accounts: list[dict[str, Any]]
    state: str  # ok, missing, excess, approved, unjudged


@dataclass(frozen=True)
class PersonAccess:
    template: Any
    rows: list[AccessRow]
    expected_devices: list[str]
    held_devices: list[str]


def person_access(person: Any) -> PersonAccess:
    """Expected (the person's joiner template's birthright) beside actual (their accounts that are not gone,
    and devices held), per application, with the assessment the `excess_access` finding makes."""
    from ordna.accounts.models import Account, AccountStatus, Finding, FindingKind, FindingState
    from ordna.applications.models import Application
    from ordna.devices.models import Device, DeviceStatus
    from ordna.lifecycle.case_templates import access_entitlement, joiner_templates, template_for

    template = template_for(
        [t for t in joiner_templates() if t.birthrights.all()],
        employment_type=person.employment_type,
        department=person.department,
        company_id=person.company_id,
    )
    entitlement = access_entitlement(template)
    wanted = dict(entitlement.applications) if entitlement else {}
    accounts = list(
        Account.objects.filter(person=person)
        .exclude(status=AccountStatus.GONE)
        .values_list("id", "application_id", "key_display", "status", "licenses")
    )
    findings = dict(
        Finding.objects.filter(
            kind=FindingKind.EXCESS_ACCESS,
            account_id__in=[a[0] for a in accounts],
            state__in=[FindingState.OPEN, FindingState.ACCEPTED],
        ).values_list("account_id", "state")
    )
    app_ids = set(wanted) | {a[1] for a in accounts}
    names = {
        pk: (name, slug)
        for pk, name, slug in Application.objects.filter(pk__in=app_ids).values_list("id", "name", "slug")
    }
    rows = []
    for app_id in sorted(app_ids, key=lambda a: names.get(a, ("", ""))[0].lower()):
        held = [a for a in accounts if a[1] == app_id]
        active = [a for a in held if a[3] == AccountStatus.ACTIVE]
        if app_id in wanted:
            state = "ok" if active else "missing"
        elif entitlement is None or not active:
            state = "unjudged" if active else "ok"
        elif any(findings.get(a[0]) == FindingState.ACCEPTED for a in active):
            state = "approved"
        else:
            state = "excess"
        rows.append(
            AccessRow(
                application=names.get(app_id, ("?", ""))[0],
                slug=names.get(app_id, ("", ""))[1],
                expected=app_id in wanted,
                expected_licences=sorted(wanted.get(app_id, ())),
                accounts=[{"key": a[2], "status": a[3], "licences": list(a[4] or ())} for a in held],
                state=state,
            )
        )
    held_devices = sorted(
        Device.objects.filter(holder=person, status=DeviceStatus.ISSUED).values_list("kind", flat=True)
    )
    return PersonAccess(template, rows, sorted(entitlement.devices) if entitlement else [], held_devices)


def cases_opened_by_run(user: User, run: ImportRun) -> dict[str, Any] | None:
    """The cases an applied HR import opened, within `user`'s scope: opened by the import's author inside its
    transaction, so between its start and its end (for the import's page, ordna.core.import_results)."""
    if run.source != ImportRun.Source.HR or run.outcome != ImportRun.Outcome.APPLIED or run.finished_at is None:
        return None
    opened = (
        cases_scope(user)
        .filter(opened_by=run.actor_label[:150], opened_at__gte=run.started_at, opened_at__lte=run.finished_at)
        .select_related("person")
        .order_by("effective_date", "person__last_name", "id")
    )
    return {"cases": list(opened[:200]), "total": opened.count()}


# The figures every surface shows (issue 16) ---------------------------------------------------------------------
#
# A figure of a day is the state at its end. The dashboard, the monthly follow-up and its trend, the evidence
# pack and the API call these, so they cannot disagree.


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


@dataclass(frozen=True)
class OverdueLine:
    """A line of a leaver case open at the end of a day and past its due date then."""

    case_id: int
    employee_id: str
    name: str
    country: str
    kind: str
    subject: str
    application: str
    responsible: str
    supplier: str
    due: date


def overdue_leaver_lines(days: Sequence[date], *, company: CompanyFilter = None) -> dict[date, list[OverdueLine]]:
    """For each day: the lines of leaver cases (not cancelled, opened by then) that were open at its end and
    due before it, the most overdue first (of one company's people: `company`); one query for all the days."""
    if not days:
        return {}
    first, last = min(days), max(days)
    rows = (
        Line.objects.filter(of_company(company, person="case__person"))
        .filter(case__kind=CaseKind.LEAVER, due__lt=last, case__opened_at__lt=_end_of(last))
        .exclude(case__status=CaseStatus.CANCELLED)
        .filter(Q(state=LineState.OPEN) | Q(closed_at__gte=_end_of(first)))
        .order_by("due", "case_id", "id")
        .values_list(
            "case_id",
            "case__person__employee_id",
            "case__person__first_name",
            "case__person__last_name",
            "case__holiday_country",
            "kind",
            "subject",
            "application__name",
            "responsible",
            "responsible_supplier__name",
            "due",
            "state",
            "closed_at",
            "case__opened_at",
        )
        .iterator(chunk_size=10000)
    )
    # A line is overdue on a run of consecutive days: from the first day after its due date on which its case was
    # open, to the last day whose end finds it still open. Bisection finds the run; the lines keep their order
    # (the most overdue first) in every day's list.
    order = sorted(set(days))
    ends = [_end_of(day) for day in order]
    overdue: list[list[OverdueLine]] = [[] for _day in order]
    for (
        case_id,
        eid,
        first_name,
        last_name,
        country,
        kind,
        subject,
        app,
        role,
        supplier,
        due,
        state,
        closed_at,
        opened_at,
    ) in rows:
        first_day = max(bisect_right(order, due), bisect_right(ends, opened_at))
        if state == LineState.OPEN:
            last_day = len(order)
        else:
            last_day = bisect_right(ends, closed_at) if closed_at is not None else 0
        if first_day >= last_day:
            continue
        name = f"{first_name} {last_name}".strip()
        line = OverdueLine(case_id, eid, name, country, kind, subject, app or "", role, supplier or "", due)
        for index in range(first_day, last_day):
            overdue[index].append(line)
    by_day = dict(zip(order, overdue, strict=True))
    return {day: list(by_day[day]) for day in days}


@dataclass(frozen=True)
class ClosingShares:
    """How the lines of leaver cases that closed in a period closed: by proof, by a person's word, waived."""

    verified: int
    attested: int
    waived: int
    overrides: int

    @property
    def total(self) -> int:
        return self.verified + self.attested + self.waived

    def share(self, state: str) -> float | None:
        return getattr(self, state) / self.total if self.total else None


def closing_shares(months: Sequence[date], *, company: CompanyFilter = None) -> dict[date, ClosingShares]:
    """For each month (its first day): the lines of leaver cases closed in it, by how they closed (of one
    company's people: `company`); one query."""
    if not months:
        return {}
    ends = {month: _end_of(_month_end(month)) for month in months}
    starts = {month: timezone.make_aware(datetime.combine(month, time.min)) for month in months}
    rows = list(
        Line.objects.filter(of_company(company, person="case__person"))
        .filter(
            case__kind=CaseKind.LEAVER,
            closed_at__gte=min(starts.values()),
            closed_at__lt=max(ends.values()),
        )
        .exclude(state=LineState.OPEN)
        .values_list("state", "override", "closed_at")
    )
    # Each closed line counts in the month whose [start, end) holds its closing time: the months' bounds sorted
    # once, each line placed by bisection.
    bounds = sorted((starts[month], ends[month], month) for month in months)
    firsts = [start for start, _end, _month in bounds]
    counts = {month: [0, 0, 0, 0] for month in months}  # verified, attested, waived, overrides
    column: dict[str, int] = {LineState.VERIFIED: 0, LineState.ATTESTED: 1, LineState.WAIVED: 2}
    for state, override, closed in rows:
        if closed is None:
            continue
        at = bisect_right(firsts, closed) - 1
        if at < 0 or closed >= bounds[at][1]:
            continue
        mine = counts[bounds[at][2]]
        if state in column:
            mine[column[state]] += 1
        if override:
            mine[3] += 1
    return {month: ClosingShares(*counts[month]) for month in months}


@dataclass(frozen=True)
class OverrideRow:
    case_id: int
    employee_id: str
    name: str
    kind: str
    subject: str
    state: str
    closed_by: str
    closed_at: datetime | None
    reason: str
    approved_by: str


def overrides_closed(start: date, end: date, *, company: CompanyFilter = None) -> list[OverrideRow]:
    """The lines of leaver cases closed by someone other than their responsible party in [start, end] (of one
    company's people: `company`)."""
    rows = (
        Line.objects.filter(of_company(company, person="case__person"))
        .filter(
            case__kind=CaseKind.LEAVER,
            override=True,
            closed_at__gte=timezone.make_aware(datetime.combine(start, time.min)),
            closed_at__lt=_end_of(end),
        )
        .order_by("closed_at", "id")
        .values_list(
            "case_id",
            "case__person__employee_id",
            "case__person__first_name",
            "case__person__last_name",
            "kind",
            "subject",
            "state",
            "closed_by",
            "closed_at",
            "override_reason",
            "approved_by",
        )
    )
    return [
        OverrideRow(case_id, eid, f"{first} {last}".strip(), kind, subject, state, by, at, reason, approved)
        for case_id, eid, first, last, kind, subject, state, by, at, reason, approved in rows
    ]


def _month_end(first: date) -> date:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - timedelta(days=1)


def leaver_template_active() -> bool:
    """Whether a leaver template gives cases their tasks (without one, only accounts and devices are lines)."""
    return CaseTemplate.objects.filter(kind=CaseKind.LEAVER, active=True).exists()
