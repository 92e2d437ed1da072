"""Cases, lines, my tasks, closing lines (attest, waive, the approvals) and the certificate in the API."""

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status
from ninja.pagination import paginate

from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.api import Capability, ErrorOut, Refused
from ordna.core.clock import today
from ordna.core.errors import ServiceError
from ordna.core.web import user_of
from ordna.lifecycle import board, bulk, closing, selectors, services
from ordna.lifecycle.api.schemas import (
    AttestIn,
    CaseDetailOut,
    CaseOut,
    CasesRunOut,
    ClosingDecisionIn,
    ClosingRequestOut,
    LineOut,
    LinesBulkIn,
    LinesBulkOut,
    WaiveIn,
)
from ordna.lifecycle.certificate import certificate_data, certificate_pdf
from ordna.lifecycle.engine import LifecycleError
from ordna.lifecycle.models import Case, ClosingRequest, Line
from ordna.lifecycle.scopes import cases_scope, lines_closable_scope, lines_scope

router = Router()


LINE_RELATED = ("case__person", "application", "responsible_person", "responsible_supplier")


@router.get(
    "/cases",
    response=list[CaseOut],
    summary="Leaver, joiner and mover cases (the board)",
    auth=Capability("cases.list"),
)
@paginate
def case_list(
    request: HttpRequest, view: str = "open", kind: str = "", department: str = "", responsible: str = "", q: str = ""
) -> Any:
    try:
        return board.cases_filter(
            cases_scope(user_of(request)).select_related("person"),
            today=today(),
            view=view,
            kind=kind,
            department=department,
            responsible=responsible,
            q=q,
        )
    except ServiceError as exc:
        raise Refused(exc) from exc


@router.post(
    "/cases/open",
    response=CasesRunOut,
    summary="Apply the opening rules now (as the daily job does)",
    auth=Capability("cases.open"),
)
def cases_open(request: HttpRequest, dry_run: bool = False) -> Any:
    result = services.cases_open_due(actor=Actor.for_user(user_of(request)), today=today(), dry_run=dry_run)
    # Declared before /cases/{case_id}, so that "open" is not read as a case id.
    return result


@router.get(
    "/cases/{case_id}",
    response={200: CaseDetailOut, 404: ErrorOut},
    summary="One case with the lines you may see",
    auth=Capability("cases.view"),
)
def case_detail(request: HttpRequest, case_id: int) -> Any:
    user = user_of(request)
    case: Case = access.get_in_scope(cases_scope(user).select_related("person"), pk=case_id)
    case.visible_lines = (  # type: ignore[attr-defined]
        selectors.case_lines(case, user).select_related("case__person").prefetch_related("reopenings")
    )
    return case


@router.get(
    "/cases/{case_id}/certificate",
    response={200: None, 404: ErrorOut},
    summary="The leaver certificate as PDF",
    auth=Capability("cases.certificate"),
)
def case_certificate(request: HttpRequest, case_id: int) -> HttpResponse:
    case: Case = access.get_in_scope(cases_scope(user_of(request)).select_related("person"), pk=case_id)
    response = HttpResponse(certificate_pdf(certificate_data(case)), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="leaver-{case.person.employee_id}.pdf"'
    return response


@router.get("/lines", response=list[LineOut], summary="Case lines within your scope", auth=Capability("lines.list"))
@paginate
def line_list(
    request: HttpRequest,
    state: str = "",
    kind: str = "",
    responsible: str = "",
    person: str = "",
    overdue: bool = False,
    due_before: date | None = None,
) -> Any:
    # The often empty relations in a query each (selectors.OFTEN_EMPTY), not joined.
    lines = (
        lines_scope(user_of(request))
        .select_related("case__person", "application")
        .prefetch_related("reopenings", "responsible_person", "responsible_supplier")
    )
    if state:
        lines = lines.filter(state=state)
    if kind:
        lines = lines.filter(kind=kind)
    if responsible:
        lines = lines.filter(responsible=responsible)
    if person:
        lines = lines.filter(case__person__employee_id=person)
    if overdue:
        lines = lines.filter(selectors.overdue_lines(today()))
    if due_before:
        lines = lines.filter(due__lt=due_before)
    return lines.order_by("due", "id")


@router.get(
    "/tasks/mine", response=list[LineOut], summary="The open lines you must close", auth=Capability("tasks.mine")
)
@paginate
def tasks_mine(request: HttpRequest, q: str = "") -> Any:
    """`q`: words of the leaver's name, or their employee id (as on the web page)."""
    tasks = selectors.my_tasks(user_of(request)).prefetch_related("reopenings")
    return tasks.filter(board.name_matches(q, person="case__person")) if q.strip() else tasks


def _closable_line(request: HttpRequest, line_id: int) -> Line:
    return access.get_in_scope(lines_closable_scope(user_of(request)).select_related("case", *LINE_RELATED), pk=line_id)


def _refused(exc: LifecycleError) -> Refused:
    """409 when the line or request changed meanwhile (it says its state), else 422 (it says why and what to do)."""
    return Refused(exc, 409 if isinstance(exc, closing.LineConflict) else 422)


def _closed(outcome: closing.ClosingOutcome) -> Any:
    if outcome.request is not None:
        return Status(202, outcome.request)
    return Status(200, Line.objects.select_related(*LINE_RELATED).get(pk=outcome.line.pk))


CLOSING_RESPONSES = {200: LineOut, 202: ClosingRequestOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.post(
    "/lines/bulk",
    response={200: LinesBulkOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Claim done (under your ticket), attest or waive many lines at once: all or nothing",
    auth=Capability("lines.close"),
)
def lines_bulk(request: HttpRequest, payload: LinesBulkIn) -> Any:
    """404 names the ids that are not lines you may close; 422 or 409 names the refused line; nothing applied."""
    user = user_of(request)
    try:
        outcome = bulk.lines_bulk(
            scope=lines_closable_scope(user),
            ids=bulk.bulk_ids(payload.lines),
            action=payload.action,
            actor=Actor.for_user(user),
            today=today(),
            ticket=payload.ticket,
            reason=payload.reason,
            reference=payload.reference,
            note=payload.note,
            override=payload.override,
            override_reason=payload.override_reason,
        )
    except bulk.LinesNotFound as exc:
        raise Refused(exc, 404) from exc
    except LifecycleError as exc:
        raise _refused(exc) from exc
    ids = [line.pk for line in outcome.lines]
    lines = Line.objects.filter(pk__in=ids).select_related(*LINE_RELATED).prefetch_related("reopenings")
    return {
        "action": outcome.action,
        "lines": sorted(lines, key=lambda line: ids.index(line.pk)),
        "pending": outcome.pending,
    }


@router.post(
    "/lines/{line_id}/attest",
    response=CLOSING_RESPONSES,
    summary="Attest that a line is done (202: an override waits for a second person's approval)",
    auth=Capability("lines.close"),
)
def line_attest(request: HttpRequest, line_id: int, payload: AttestIn) -> Any:
    line = _closable_line(request, line_id)
    try:
        outcome = closing.line_attest(
            line=line,
            actor=Actor.for_user(user_of(request)),
            today=today(),
            reason=payload.reason,
            reference=payload.reference,
            note=payload.note,
            override=payload.override,
            override_reason=payload.override_reason,
        )
    except LifecycleError as exc:
        raise _refused(exc) from exc
    return _closed(outcome)


@router.post(
    "/lines/{line_id}/waive",
    response=CLOSING_RESPONSES,
    summary="Waive a line, with a reason (202: it waits for a second person's approval)",
    auth=Capability("lines.close"),
)
def line_waive(request: HttpRequest, line_id: int, payload: WaiveIn) -> Any:
    line = _closable_line(request, line_id)
    try:
        outcome = closing.line_waive(
            line=line,
            actor=Actor.for_user(user_of(request)),
            today=today(),
            reason=payload.reason,
            override=payload.override,
            override_reason=payload.override_reason,
        )
    except LifecycleError as exc:
        raise _refused(exc) from exc
    return _closed(outcome)


@router.get(
    "/closing-requests",
    response=list[ClosingRequestOut],
    summary="Waivers and overrides waiting for approval, on lines within your scope",
    auth=Capability("lines.list"),
)
@paginate
def closing_requests(request: HttpRequest) -> Any:
    return selectors.closing_requests_pending(lines_scope(user_of(request)))


def _closing_request(request: HttpRequest, request_id: int) -> ClosingRequest:
    return access.get_in_scope(
        ClosingRequest.objects.filter(line__in=lines_scope(user_of(request))).select_related("line"), pk=request_id
    )


@router.post(
    "/closing-requests/{request_id}/approve",
    response={200: LineOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Approve a waiver or override (a second admin or IT coordinator, never the requester)",
    auth=Capability("lines.approve"),
)
def closing_request_approve(request: HttpRequest, request_id: int, payload: ClosingDecisionIn) -> Any:
    pending = _closing_request(request, request_id)
    try:
        line = closing.closing_request_approve(
            request=pending, actor=Actor.for_user(user_of(request)), today=today(), note=payload.note
        )
    except LifecycleError as exc:
        raise _refused(exc) from exc
    return Line.objects.select_related(*LINE_RELATED).get(pk=line.pk)


@router.post(
    "/closing-requests/{request_id}/reject",
    response={200: ClosingRequestOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Reject a waiver or override, saying why; the line stays open",
    auth=Capability("lines.approve"),
)
def closing_request_reject(request: HttpRequest, request_id: int, payload: ClosingDecisionIn) -> Any:
    pending = _closing_request(request, request_id)
    try:
        actor = Actor.for_user(user_of(request))
        return closing.closing_request_reject(request=pending, actor=actor, note=payload.note)
    except LifecycleError as exc:
        raise _refused(exc) from exc


@router.post(
    "/closing-requests/{request_id}/withdraw",
    response={200: ClosingRequestOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Withdraw your own waiver or override request",
    auth=Capability("lines.close"),
)
def closing_request_withdraw(request: HttpRequest, request_id: int) -> Any:
    pending = _closing_request(request, request_id)
    try:
        return closing.closing_request_withdraw(request=pending, actor=Actor.for_user(user_of(request)))
    except LifecycleError as exc:
        raise _refused(exc) from exc
