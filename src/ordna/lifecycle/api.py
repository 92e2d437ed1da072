"""Offboarding in the API: cases, lines, my tasks, closing lines, the certificate, templates."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from ordna.applications.models import Application
from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.api import Capability, ErrorOut, Refused
from ordna.core.clock import today
from ordna.core.errors import ServiceError, no_application
from ordna.core.web import user_of
from ordna.lifecycle import case_templates, closing, exit_survey, selectors, services
from ordna.lifecycle.certificate import certificate_data, certificate_pdf
from ordna.lifecycle.engine import LifecycleError
from ordna.lifecycle.models import Birthright, Case, CaseTemplate, ClosingRequest, Line, TemplateTask
from ordna.lifecycle.scopes import cases_scope, lines_closable_scope, lines_scope
from ordna.people.scopes import people_scope

router = Router(tags=["offboarding"])


class CaseOut(Schema):
    id: int
    kind: str
    from_department: str
    from_employment_type: str
    person: str
    person_name: str
    department: str
    effective_date: date
    status: str
    urgent: bool
    opened_by: str
    opened_at: datetime
    completed_at: datetime | None
    cancel_reason: str

    @staticmethod
    def resolve_person(obj: Any) -> str:
        return str(obj.person.employee_id)

    @staticmethod
    def resolve_person_name(obj: Any) -> str:
        return str(obj.person.full_name)

    @staticmethod
    def resolve_department(obj: Any) -> str:
        return str(obj.person.department)


class LineOut(Schema):
    id: int
    case_id: int
    case_person: str
    kind: str
    application: str | None
    subject: str
    instructions: str
    responsible: str
    responsible_person: str | None
    responsible_supplier: str | None
    due: date
    state: str
    verified_by: str | None
    closed_by: str
    closed_at: datetime | None
    note: str
    reopened: int
    grant: bool
    attest_reason: str | None
    attest_reference: str
    override: bool
    override_reason: str
    approved_by: str
    approved_at: datetime | None
    proof_import_run: int | None
    proof_taken_at: datetime | None

    @staticmethod
    def resolve_case_person(obj: Any) -> str:
        return str(obj.case.person.employee_id)

    @staticmethod
    def resolve_application(obj: Any) -> str | None:
        return obj.application.slug if obj.application_id else None

    @staticmethod
    def resolve_responsible_person(obj: Any) -> str | None:
        return obj.responsible_person.employee_id if obj.responsible_person_id else None

    @staticmethod
    def resolve_responsible_supplier(obj: Any) -> str | None:
        return obj.responsible_supplier.name if obj.responsible_supplier_id else None

    @staticmethod
    def resolve_verified_by(obj: Any) -> str | None:
        return obj.verified_by or None

    @staticmethod
    def resolve_attest_reason(obj: Any) -> str | None:
        return obj.attest_reason or None

    @staticmethod
    def resolve_proof_import_run(obj: Any) -> int | None:
        return obj.proof_run_id


class CaseDetailOut(CaseOut):
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.visible_lines)


class CasesRunOut(Schema):
    opened: list[str]
    replanned: list[str]
    cancelled: list[str]
    lines_added: int


class AttestIn(Schema):
    """`reason` from the fixed list for account, licence and device lines (see /api/docs: AttestReason);
    `reference` is the supplier's ticket for reason supplier_ticket. `override` (with `override_reason`) closes a
    line someone else is responsible for (admins and IT coordinators)."""

    reason: str = ""
    reference: str = ""
    note: str = ""
    override: bool = False
    override_reason: str = ""


class WaiveIn(Schema):
    reason: str = ""
    override: bool = False
    override_reason: str = ""


class ClosingRequestOut(Schema):
    """A waiver, or an override, waiting for a second person's approval (or decided)."""

    id: int
    line_id: int
    kind: str
    note: str
    attest_reason: str | None
    attest_reference: str
    override: bool
    override_reason: str
    requested_by: str
    requested_at: datetime
    decision: str
    decided_by: str
    decided_at: datetime | None
    decision_note: str

    @staticmethod
    def resolve_attest_reason(obj: Any) -> str | None:
        return obj.attest_reason or None


class DecisionIn(Schema):
    note: str = ""


class TaskOut(Schema):
    id: int
    title: str
    instructions: str
    responsible: str
    application: str | None
    offset_days: int

    @staticmethod
    def resolve_application(obj: Any) -> str | None:
        return obj.application.slug if obj.application_id else None


class BirthrightOut(Schema):
    id: int
    kind: str
    application: str | None
    licence: str
    device_kind: str

    @staticmethod
    def resolve_application(obj: Any) -> str | None:
        return obj.application.slug if obj.application_id else None


class BirthrightIn(Schema):
    application: str | None = None
    licence: str = ""
    device_kind: str = ""


class TemplateOut(Schema):
    id: int
    kind: str
    exit_survey: bool
    birthrights: list[BirthrightOut]
    name: str
    employment_type: str
    department: str
    active: bool
    tasks: list[TaskOut]

    @staticmethod
    def resolve_tasks(obj: Any) -> list[Any]:
        return list(obj.tasks.all())

    @staticmethod
    def resolve_birthrights(obj: Any) -> list[Any]:
        return list(obj.birthrights.all())


class TemplateIn(Schema):
    name: str
    employment_type: str = ""
    department: str = ""
    active: bool = True
    kind: str = "leaver"
    exit_survey: bool = False


class TemplatePatch(Schema):
    name: str | None = None
    employment_type: str | None = None
    department: str | None = None
    active: bool | None = None
    exit_survey: bool | None = None


class TaskIn(Schema):
    title: str
    responsible: str
    offset_days: int = 0
    instructions: str = ""
    application: str | None = None


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
        return selectors.cases_filter(
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
    case.visible_lines = selectors.case_lines(case, user).select_related("case__person")  # type: ignore[attr-defined]
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
    lines = lines_scope(user_of(request)).select_related(*LINE_RELATED)
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
def tasks_mine(request: HttpRequest) -> Any:
    return selectors.my_tasks(user_of(request))


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
def closing_request_approve(request: HttpRequest, request_id: int, payload: DecisionIn) -> Any:
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
def closing_request_reject(request: HttpRequest, request_id: int, payload: DecisionIn) -> Any:
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


@router.get(
    "/case-templates", response=list[TemplateOut], summary="Leaver templates", auth=Capability("templates.view")
)
def template_list(request: HttpRequest) -> Any:
    return CaseTemplate.objects.prefetch_related("tasks__application", "birthrights__application")


@router.post(
    "/case-templates",
    response={201: TemplateOut, 422: ErrorOut},
    summary="Create a leaver template",
    auth=Capability("templates.edit"),
)
def template_create(request: HttpRequest, payload: TemplateIn) -> Any:
    try:
        template = case_templates.template_save(actor=Actor.for_user(user_of(request)), **payload.dict())
    except LifecycleError as exc:
        raise Refused(exc) from exc
    return Status(201, template)


def _template(template_id: int) -> CaseTemplate:
    return access.get_in_scope(CaseTemplate.objects.all(), pk=template_id)


@router.patch(
    "/case-templates/{template_id}",
    response={200: TemplateOut, 404: ErrorOut, 422: ErrorOut},
    summary="Change a leaver template",
    auth=Capability("templates.edit"),
)
def template_patch(request: HttpRequest, template_id: int, payload: TemplatePatch) -> Any:
    template = _template(template_id)
    values = {
        "name": template.name,
        "employment_type": template.employment_type,
        "department": template.department,
        "active": template.active,
        "exit_survey": template.exit_survey,
        **payload.dict(exclude_unset=True, exclude_none=True),
    }
    try:
        return case_templates.template_save(actor=Actor.for_user(user_of(request)), template=template, **values)
    except LifecycleError as exc:
        raise Refused(exc) from exc


def _application_of(slug: str | None) -> Application | None:
    """The application a template task or birthright names by its key, if any; 422 naming the field if unknown."""
    if not slug:
        return None
    application = Application.objects.filter(slug=slug).first()
    if application is None:
        raise Refused(no_application("application", slug))
    return application


@router.post(
    "/case-templates/{template_id}/tasks",
    response={201: TaskOut, 404: ErrorOut, 422: ErrorOut},
    summary="Add a task to a template",
    auth=Capability("templates.edit"),
)
def template_task_add(request: HttpRequest, template_id: int, payload: TaskIn) -> Any:
    template = _template(template_id)
    application = _application_of(payload.application)
    try:
        task = case_templates.template_task_add(
            template=template,
            actor=Actor.for_user(user_of(request)),
            title=payload.title,
            responsible=payload.responsible,
            offset_days=payload.offset_days,
            instructions=payload.instructions,
            application=application,
        )
    except LifecycleError as exc:
        raise Refused(exc) from exc
    return Status(201, task)


@router.delete(
    "/case-templates/{template_id}/tasks/{task_id}",
    response={204: None, 404: ErrorOut},
    summary="Remove a task from a template",
    auth=Capability("templates.edit"),
)
def template_task_delete(request: HttpRequest, template_id: int, task_id: int) -> Any:
    task: TemplateTask = access.get_in_scope(TemplateTask.objects.all(), pk=task_id, template_id=template_id)
    case_templates.template_task_remove(task=task, actor=Actor.for_user(user_of(request)))
    return Status(204, None)


@router.post(
    "/case-templates/{template_id}/birthright",
    response={201: BirthrightOut, 404: ErrorOut, 422: ErrorOut},
    summary="Add an application (and licence) or a device kind to a joiner template",
    auth=Capability("templates.edit"),
)
def birthright_add(request: HttpRequest, template_id: int, payload: BirthrightIn) -> Any:
    template = _template(template_id)
    application = _application_of(payload.application)
    try:
        item = case_templates.birthright_add(
            template=template,
            actor=Actor.for_user(user_of(request)),
            application=application,
            licence=payload.licence,
            device_kind=payload.device_kind,
        )
    except LifecycleError as exc:
        raise Refused(exc) from exc
    return Status(201, item)


@router.delete(
    "/case-templates/{template_id}/birthright/{item_id}",
    response={204: None, 404: ErrorOut},
    summary="Remove an item from a joiner template's birthright",
    auth=Capability("templates.edit"),
)
def birthright_delete(request: HttpRequest, template_id: int, item_id: int) -> Any:
    item: Birthright = access.get_in_scope(Birthright.objects.all(), pk=item_id, template_id=template_id)
    case_templates.birthright_remove(item=item, actor=Actor.for_user(user_of(request)))
    return Status(204, None)


class AccessAccountOut(Schema):
    key: str
    status: str
    licences: list[str]


class AccessRowOut(Schema):
    application: str
    slug: str
    expected: bool
    expected_licences: list[str]
    accounts: list[AccessAccountOut]
    state: str


class PersonAccessOut(Schema):
    person: str
    template: str | None
    applications: list[AccessRowOut]
    expected_devices: list[str]
    held_devices: list[str]


@router.get(
    "/access/{employee_id}",
    response={200: PersonAccessOut, 404: ErrorOut},
    summary="Expected versus actual access of one person",
    auth=Capability("access.view"),
)
def person_access(request: HttpRequest, employee_id: str) -> Any:
    person = access.get_in_scope(people_scope(user_of(request)), employee_id=employee_id)
    result = selectors.person_access(person)
    return {
        "person": person.employee_id,
        "template": result.template.name if result.template else None,
        "applications": [row.__dict__ for row in result.rows],
        "expected_devices": result.expected_devices,
        "held_devices": result.held_devices,
    }


class InvitationOut(Schema):
    """Whether the leaver answered is not told: with the department report, it would say what they answered."""

    link: str
    expires_at: datetime


@router.post(
    "/cases/{case_id}/exit-survey",
    response={200: InvitationOut, 404: ErrorOut, 422: ErrorOut},
    summary="Invite the leaver to the exit survey; returns their personal link",
    auth=Capability("exitsurvey.invite"),
)
def exit_survey_invite(request: HttpRequest, case_id: int) -> Any:
    case: Case = access.get_in_scope(cases_scope(user_of(request)).select_related("person"), pk=case_id)
    try:
        invitation = exit_survey.exit_survey_invite(case=case, actor=Actor.for_user(user_of(request)))
    except exit_survey.ExitSurveyError as exc:
        raise Refused(exc) from exc
    link = request.build_absolute_uri(reverse("lifecycle:exit_survey", args=[exit_survey.token_for(invitation)]))
    return {"link": link, "expires_at": invitation.expires_at}


class ReportRowOut(Schema):
    quarter: str
    department: str
    answers: int | None
    overall: float | None
    recommend: float | None
    offboarding: float | None


@router.get(
    "/exit-survey/report",
    response=list[ReportRowOut],
    summary="Exit survey answers per department and quarter (no figures below five answers)",
    auth=Capability("exitsurvey.report"),
)
def exit_survey_report(request: HttpRequest) -> Any:
    return [{**row.__dict__, "answers": row.answers if row.shown else None} for row in exit_survey.exit_survey_report()]


class AlumnusOut(Schema):
    person: str | None
    name: str
    email: str
    given_at: datetime


@router.get(
    "/alumni",
    response=list[AlumnusOut],
    summary="Former employees who agreed to be contacted (kept apart from the survey)",
    auth=Capability("alumni.list"),
)
@paginate
def alumni_list(request: HttpRequest) -> Any:
    return [
        {
            "person": c.person.employee_id if c.person else None,
            "name": c.person.full_name if c.person else "",
            "email": c.email,
            "given_at": c.given_at,
        }
        for c in exit_survey.alumni_current()
    ]
