"""Offboarding pages: the cases board, a case, closing a line and its approvals, the evidence, the
certificate, my tasks, device check-in and the cases export."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.tabular import CONTENT_TYPES, EXPORT_FORMATS, write_table
from ordna.core.web import capability, paginate, query_without_page, user_of
from ordna.devices.scopes import devices_scope
from ordna.devices.selectors import devices_not_returned
from ordna.devices.services import device_check_in as check_in_service
from ordna.lifecycle import board, closing, exit_survey, selectors, service_desk
from ordna.lifecycle.certificate import certificate_data, certificate_pdf, reopened_sentence
from ordna.lifecycle.engine import LifecycleError
from ordna.lifecycle.history import histories
from ordna.lifecycle.line_actions import line_actions_offered
from ordna.lifecycle.models import (
    AttestReason,
    Case,
    CaseKind,
    CaseStatus,
    ClosingRequest,
    ExitSurveyInvitation,
    Line,
    Responsible,
)
from ordna.lifecycle.scopes import OVERRIDERS, cases_scope, lines_closable_scope, lines_scope
from ordna.people.scopes import people_scope
from ordna.people.selectors import departments


@capability("cases.list")
def case_board(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    scope = cases_scope(user)
    view = request.GET.get("view", "open")
    kind = request.GET.get("kind", "")
    department = request.GET.get("department", "")
    responsible = request.GET.get("responsible", "")
    q = request.GET.get("q", "").strip()
    try:
        cases = board.cases_filter(
            scope, today=today(), view=view, kind=kind, department=department, responsible=responsible, q=q
        )
    except ValueError:
        view, kind, department, responsible = "open", "", "", ""
        cases = board.cases_filter(scope, today=today())
    page = paginate(request, cases.select_related("person").order_by("effective_date", "id"))
    page.object_list = list(page.object_list)
    board.add_line_counts(page.object_list, today=today())
    return render(
        request,
        "lifecycle/board.html",
        {
            "page": page,
            "totals": board.board_totals(scope, today=today()),
            "view": view,
            "views": [
                ("open", _("Open")),
                ("overdue", _("Overdue")),
                ("completed", _("Completed")),
                ("cancelled", _("Cancelled")),
                ("all", _("All")),
            ],
            "kind": kind,
            "kinds": CaseKind.choices,
            "can_report": access.can(user, "exitsurvey.report"),
            "department": department,
            "departments": departments(people_scope(user)),
            "responsible": responsible,
            "responsibles": Responsible.choices,
            "q": q,
            "query": query_without_page(request),
            "can_export": access.can(user, "cases.export"),
            "today": today(),
        },
    )


@capability("cases.view")
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_page(request, pk)


def _case_page(
    request: HttpRequest, pk: int, *, errors: dict[int, str] | None = None, status: int = 200
) -> HttpResponse:
    """The case with the lines the user may see, what they may do on each, and (after a refused closing) the
    error beside the line's form, the values entered kept."""
    user = user_of(request)
    case: Case = access.get_in_scope(cases_scope(user).select_related("person", "template"), pk=pk)
    lines = list(selectors.case_lines(case, user))
    desks = service_desk.requests_of_case(case.pk)
    for line in lines:  # the service desk's claim beside its lines: said, not proven
        line.desk_claim = desks.get(line.responsible_supplier_id) if line.responsible_supplier_id else None  # type: ignore[attr-defined]
    actions = line_actions_offered(user, lines)  # offered by the apps above, e.g. a connector's disable
    closing_offers = selectors.lines_closing(user, lines) if case.status != CaseStatus.CANCELLED else {}
    if not access.can(user, "lines.close"):
        closing_offers = {}
    return render(
        request,
        "lifecycle/detail.html",
        {
            "case": case,
            "rows": [(line, actions.get(line.pk, []), closing_offers.get(line.pk)) for line in lines],
            "counts": selectors.closing_counts(lines),
            "history": histories((line.pk, line.kind) for line in lines),
            "errors": errors or {},
            "stray_errors": [message for pk, message in (errors or {}).items() if pk not in closing_offers],
            "posted": request.POST if errors else {},
            "approval_needed": settings.ORDNA_WAIVER_APPROVAL,
            "can_certificate": access.can(user, "cases.certificate") and case.kind == CaseKind.LEAVER,
            "can_invite": access.can(user, "exitsurvey.invite"),
            "can_access": access.can(user, "access.view") and people_scope(user).filter(pk=case.person_id).exists(),
            "exit_link": _exit_link(request, case),
            "today": today(),
        },
        status=status,
    )


def _exit_link(request: HttpRequest, case: Case) -> str:
    invitation = ExitSurveyInvitation.objects.filter(case=case).first()
    if invitation is None:
        return ""
    return request.build_absolute_uri(reverse("lifecycle:exit_survey", args=[exit_survey.token_for(invitation)]))


@capability("cases.certificate")
def case_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    case: Case = access.get_in_scope(cases_scope(user_of(request)).select_related("person"), pk=pk)
    data = certificate_data(case)
    if request.GET.get("format") == "pdf":
        response = HttpResponse(certificate_pdf(data), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="leaver-{case.person.employee_id}.pdf"'
        return response
    return render(
        request,
        "lifecycle/certificate.html",
        {"case": case, "certificate": data, "reopened": reopened_sentence(data.counts)},
    )


@capability("lines.close")
@require_POST
def line_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Attest or waive one line (closing.py holds every rule). Outside what the user may close the line does not
    exist (404); a refusal shows the page again with the reason beside the line's form (422), or with the
    line's state when someone else was quicker (409)."""
    user = user_of(request)
    line: Line = access.get_in_scope(lines_closable_scope(user).select_related("case"), pk=pk)
    actor = Actor.for_user(user)
    action = request.POST.get("action", "")
    override = request.POST.get("override") == "1"
    override_reason = request.POST.get("override_reason", "")
    try:
        if action == "attest":
            outcome = closing.line_attest(
                line=line,
                actor=actor,
                today=today(),
                reason=request.POST.get("reason", ""),
                reference=request.POST.get("reference", ""),
                note=request.POST.get("note", ""),
                evidence=request.FILES.get("evidence"),
                override=override,
                override_reason=override_reason,
            )
        elif action == "waive":
            outcome = closing.line_waive(
                line=line,
                actor=actor,
                today=today(),
                reason=request.POST.get("waive_reason", ""),
                override=override,
                override_reason=override_reason,
            )
        else:
            raise LifecycleError(_("Choose whether to attest or to waive the line."))
    except LifecycleError as exc:
        status = 409 if isinstance(exc, closing.LineConflict) else 422
        return _after_refusal(request, line, str(exc), status)
    if outcome.pending:
        messages.success(
            request,
            _("%(subject)s: sent for approval; the line stays open until another admin or IT coordinator approves.")
            % {"subject": line.subject},
        )
    elif action == "attest":
        messages.success(request, _("Attested: %(subject)s.") % {"subject": line.subject})
    else:
        messages.success(request, _("Waived: %(subject)s.") % {"subject": line.subject})
    return _back(request, line)


def _back(request: HttpRequest, line: Line) -> HttpResponse:
    if request.POST.get("next", "") == "mine":
        return redirect("lifecycle:my_tasks")
    if cases_scope(user_of(request)).filter(pk=line.case_id).exists():
        return redirect("lifecycle:detail", pk=line.case_id)
    return redirect("lifecycle:my_tasks")


def _after_refusal(request: HttpRequest, line: Line, message: str, status: int) -> HttpResponse:
    """The page the form was on, again, with the refusal beside the line: nothing was changed."""
    if request.POST.get("next", "") == "mine" or not cases_scope(user_of(request)).filter(pk=line.case_id).exists():
        return _my_tasks_page(request, errors={line.pk: message}, status=status)
    return _case_page(request, line.case_id, errors={line.pk: message}, status=status)


def _decision(request: HttpRequest, pk: int, decide: str) -> HttpResponse:
    user = user_of(request)
    closing_request: ClosingRequest = access.get_in_scope(
        ClosingRequest.objects.filter(line__in=lines_scope(user)).select_related("line"), pk=pk
    )
    actor = Actor.for_user(user)
    line = closing_request.line
    try:
        if decide == "approve":
            closing.closing_request_approve(
                request=closing_request, actor=actor, today=today(), note=request.POST.get("decision_note", "")
            )
            messages.success(request, _("Approved: %(subject)s is closed.") % {"subject": line.subject})
        elif decide == "reject":
            closing.closing_request_reject(
                request=closing_request, actor=actor, note=request.POST.get("decision_note", "")
            )
            messages.success(request, _("Rejected: %(subject)s stays open.") % {"subject": line.subject})
        else:
            closing.closing_request_withdraw(request=closing_request, actor=actor)
            messages.success(request, _("Withdrawn: %(subject)s stays open.") % {"subject": line.subject})
    except LifecycleError as exc:
        status = 409 if isinstance(exc, closing.LineConflict) else 422
        return _after_refusal(request, line, str(exc), status)
    return _back(request, line)


@capability("lines.approve")
@require_POST
def closing_request_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision(request, pk, "approve")


@capability("lines.approve")
@require_POST
def closing_request_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision(request, pk, "reject")


@capability("lines.close")
@require_POST
def closing_request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision(request, pk, "withdraw")


@capability("cases.view")
def line_evidence(request: HttpRequest, pk: int) -> HttpResponse:  # a FileResponse streams it
    line: Line = access.get_in_scope(lines_scope(user_of(request)), pk=pk)
    if not line.evidence:
        raise Http404
    response: HttpResponse = FileResponse(  # type: ignore[assignment]
        line.evidence.open("rb"), as_attachment=True, filename=line.evidence.name.rsplit("/", 1)[-1]
    )
    return response


# Each task carries its own attest and waive forms (about 2 KB of HTML and a millisecond of rendering a line):
# half the rows of other lists.
TASKS_PER_PAGE = 25


@capability("tasks.mine")
def my_tasks(request: HttpRequest) -> HttpResponse:
    return _my_tasks_page(request)


def _my_tasks_page(
    request: HttpRequest, *, errors: dict[int, str] | None = None, bulk_error: str = "", status: int = 200
) -> HttpResponse:
    user = user_of(request)
    tasks = selectors.my_tasks(user)
    overdue_only = request.GET.get("overdue") == "1"  # the start page links its overdue count here
    if overdue_only:
        tasks = tasks.filter(due__lt=today())
    q = request.GET.get("q", "").strip()
    if q:
        tasks = tasks.filter(board.name_matches(q, person="case__person"))
    page = paginate(request, tasks, per_page=TASKS_PER_PAGE)
    offers = selectors.lines_closing(user, list(page.object_list))
    approvals = (
        list(selectors.closing_requests_pending(lines_scope(user)).exclude(requested_by_user=user)[:100])
        if access.can(user, "lines.approve")
        else []
    )
    return render(
        request,
        "lifecycle/my_tasks.html",
        {
            "page": page,
            "offers": offers,
            "approvals": approvals,
            "errors": errors or {},
            "stray_errors": [message for pk, message in (errors or {}).items() if pk not in offers],
            "posted": request.POST if errors else {},
            "approval_needed": settings.ORDNA_WAIVER_APPROVAL,
            "today": today(),
            "query": query_without_page(request),
            "bulk_error": bulk_error,
            "bulk_posted": request.POST if bulk_error else {},
            "bulk_selected": [int(v) for v in request.POST.getlist("lines") if v.isdigit()] if bulk_error else [],
            "bulk_close": user.has_role(*OVERRIDERS),
            "attest_reasons": AttestReason.choices,
            "overdue_only": overdue_only,
            "q": q,
        },
        status=status,
    )


@capability("devices.edit")
def device_check_in(request: HttpRequest) -> HttpResponse:
    """Scan or type an asset tag: the device goes back into stock and its leaver line is verified."""
    asset_tag = ""
    if request.method == "POST":
        asset_tag = request.POST.get("asset_tag", "").strip()
        device = devices_scope(user_of(request)).filter(asset_tag__iexact=asset_tag).first()
        if not asset_tag:
            messages.error(request, _("Enter the asset tag of the device."))
        elif device is None:
            messages.error(request, _("No device has the asset tag %(tag)s.") % {"tag": asset_tag})
        else:
            holder = device.holder
            check_in_service(device=device, actor=Actor.for_user(user_of(request)))
            if holder is not None:
                messages.success(
                    request,
                    _("%(tag)s is checked in from %(name)s.") % {"tag": device.asset_tag, "name": holder.full_name},
                )
            else:
                messages.success(request, _("%(tag)s is in stock.") % {"tag": device.asset_tag})
            return redirect("lifecycle:check_in")
    recent = devices_scope(user_of(request)).filter(lines__state="open", lines__case__status="open")
    recent = recent.select_related("holder")
    # Past their due date: the one selector the reports, the monthly follow-up and the API count (issue 23).
    overdue = devices_not_returned([today()], company=user_of(request).company_ids)[today()]
    return render(
        request,
        "lifecycle/check_in.html",
        {
            "asset_tag": asset_tag,
            "expected": recent.order_by("expected_return", "asset_tag").distinct()[:50],
            "overdue": overdue[:200],
            "overdue_count": len(overdue),
            "today": today(),
        },
    )


@capability("cases.export")
def cases_export(request: HttpRequest) -> HttpResponse:
    what = request.GET.get("what", "cases")
    fmt = request.GET.get("format", "csv")
    if what not in ("cases", "lines") or fmt not in EXPORT_FORMATS:
        return HttpResponse(_("Export cases or lines as json, csv or xlsx."), status=400, content_type="text/plain")
    response = HttpResponse(content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{what}.{fmt}"'
    user = user_of(request)
    columns: tuple[str, ...]
    if what == "cases":
        rows = selectors.cases_export_rows(cases_scope(user))
        columns = selectors.CASE_EXPORT_COLUMNS
    else:
        rows = selectors.lines_export_rows(lines_scope(user))
        columns = selectors.LINE_EXPORT_COLUMNS
    write_table(rows, columns=columns, fmt=fmt, out=response)  # type: ignore[arg-type]
    return response
