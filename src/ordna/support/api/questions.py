"""Questions in the API (so an intranet page or chat bot can ask on an employee's behalf), effort, the knowledge
base, workload and insight."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from ordna.applications.models import Application
from ordna.applications.scopes import applications_scope, handled_applications_scope
from ordna.core import access
from ordna.core.access import in_companies
from ordna.core.actor import Actor
from ordna.core.api import Capability, ErrorOut, Refused
from ordna.core.errors import ServiceError, no_person, not_one_of
from ordna.core.web import user_of
from ordna.people.models import Person
from ordna.support import selectors, services
from ordna.support.api.common import application_of
from ordna.support.models import OPEN_STATES, Question
from ordna.support.scopes import handled_questions_scope, questions_scope

router = Router()


class QuestionFields(Schema):
    id: int
    application: str
    asked_by: str | None
    category: str
    text: str
    state: str
    waiting_on_asker: bool
    assignee: str | None
    assigned_via: str
    supplier: str | None
    supplier_ticket_ref: str
    attachment: str
    asked_at: datetime
    first_response_at: datetime | None
    escalated_at: datetime | None
    supplier_answered_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    internal_due_at: datetime
    supplier_due_at: datetime | None


class QuestionOut(QuestionFields):
    @staticmethod
    def resolve_application(obj: Any) -> str:
        return str(obj.application.slug)

    @staticmethod
    def resolve_asked_by(obj: Any, context: Any) -> str | None:
        user = context["request"].user
        # Suppliers learn nothing about the asker beyond what the question says (docs/suppliers.md).
        if user.supplier_id is not None and not user.person_id:
            return None
        return str(obj.asked_by.employee_id)

    @staticmethod
    def resolve_assignee(obj: Any, context: Any) -> str | None:
        user = context["request"].user
        if obj.assignee_id is None or (user.supplier_id is not None and not user.person_id):
            return None
        return str(obj.assignee.employee_id)

    @staticmethod
    def resolve_supplier(obj: Any) -> str | None:
        return obj.supplier.name if obj.supplier_id else None

    @staticmethod
    def resolve_attachment(obj: Any) -> str:
        return str(obj.attachment_name)


class EventOut(Schema):
    at: datetime
    kind: str
    state: str
    author: str
    text: str


class ClockOut(Schema):
    business_hours: float
    target_hours: float | None
    running: bool
    breached: bool


class QuestionDetailOut(QuestionFields):
    events: list[EventOut]
    first_response_clock: ClockOut | None
    internal_clock: ClockOut | None
    supplier_clock: ClockOut | None


class QuestionIn(Schema):
    application: str
    category: str = "how_to"
    text: str
    asked_by: str | None = None  # employee id; only for users who may ask on others' behalf


class HandleIn(Schema):
    action: str  # answer, ask_back, escalate, resolve, close, take, publish
    text: str = ""
    ticket_ref: str = ""
    due: date | None = None  # escalate: the day the supplier promised an answer by
    title: str = ""


class TextIn(Schema):
    text: str = ""  # required by the service, which names it; a default keeps scope checks first


class EffortIn(Schema):
    minutes: int
    on: date | None = None
    note: str = ""


class EffortOut(Schema):
    id: int
    question: int | None
    application: str
    person: str
    on: date
    minutes: int
    note: str

    @staticmethod
    def resolve_application(obj: Any) -> str:
        return str(obj.application.slug)

    @staticmethod
    def resolve_person(obj: Any) -> str:
        return str(obj.person.employee_id)

    @staticmethod
    def resolve_question(obj: Any) -> int | None:
        return obj.question_id


class ArticleOut(Schema):
    id: int
    application: str
    title: str
    answer: str
    question: int | None
    published_at: datetime

    @staticmethod
    def resolve_application(obj: Any) -> str:
        return str(obj.application.slug)

    @staticmethod
    def resolve_question(obj: Any) -> int | None:
        return obj.question_id


def _clock(reading: Any) -> ClockOut | None:
    if reading is None:
        return None
    return ClockOut(
        business_hours=reading.hours,
        target_hours=reading.target_seconds / 3600 if reading.target_seconds else None,
        running=reading.running,
        breached=reading.breached,
    )


def _question_detail(request: HttpRequest, question: Question) -> Any:
    user = user_of(request)
    supplier_view = user.supplier_id is not None and not user.person_id
    clocks = selectors.question_clocks(question)
    events = question.events.filter(for_supplier=True) if supplier_view else question.events.all()
    data = QuestionOut.from_orm(question, context={"request": request}).dict()
    data.update(
        events=[EventOut.from_orm(e) for e in events],
        first_response_clock=None if supplier_view else _clock(clocks.first_response),
        internal_clock=None if supplier_view else _clock(clocks.internal),
        supplier_clock=_clock(clocks.supplier),
    )
    return data


def _scoped_questions(request: HttpRequest) -> Any:
    return questions_scope(user_of(request)).select_related("application", "asked_by", "assignee", "supplier")


@router.get("/questions", response=list[QuestionOut], summary="Questions", auth=Capability("questions.list"))
@paginate
def question_list(
    request: HttpRequest,
    state: str = "",
    application: str = "",
    category: str = "",
    mine: str = "",
    overdue: bool = False,
) -> Any:
    questions = _scoped_questions(request)
    user = user_of(request)
    if state == "open":
        questions = questions.filter(state__in=OPEN_STATES)
    elif state:
        questions = questions.filter(state=state)
    if application:
        questions = questions.filter(application__slug=application)
    if category:
        questions = questions.filter(category=category)
    if mine == "asked":
        questions = questions.filter(asked_by_id=user.person_id or -1)
    elif mine == "assigned":
        questions = questions.filter(assignee_id=user.person_id or -1)
    if overdue:
        questions = selectors.questions_overdue(questions, now=timezone.now())
    return questions


@router.get(
    "/questions/{question_id}",
    response={200: QuestionDetailOut, 404: ErrorOut},
    summary="One question with its history and clocks",
    auth=Capability("questions.list"),
)
def question_detail(request: HttpRequest, question_id: int) -> Any:
    return _question_detail(request, access.get_in_scope(_scoped_questions(request), pk=question_id))


@router.post(
    "/questions",
    response={201: QuestionDetailOut, 422: ErrorOut},
    summary="Ask a question (for oneself, or on an employee's behalf)",
    auth=Capability("questions.ask"),
)
def question_ask(request: HttpRequest, payload: QuestionIn) -> Any:
    user = user_of(request)
    if payload.asked_by and (user.person is None or payload.asked_by != user.person.employee_id):
        if not access.can(user, "questions.ask_for_others"):
            raise Refused(ServiceError(_("You may ask only for yourself."), field="asked_by"))
        person = Person.objects.filter(in_companies(user, "company"), employee_id=payload.asked_by).first()
        if person is None:
            raise Refused(no_person("asked_by", payload.asked_by))
    else:
        person = user.person
        if person is None:
            raise Refused(ServiceError(_("Give the employee id of the person asking."), field="asked_by"))
    try:
        question = services.question_ask(
            application=application_of(user, payload.application),
            asked_by=person,
            category=payload.category,
            text=payload.text,
            actor=Actor.for_user(user),
        )
    except services.SupportError as exc:
        raise Refused(exc) from exc
    return Status(201, _question_detail(request, question))


@router.post(
    "/questions/{question_id}/attachment",
    response={200: QuestionDetailOut, 404: ErrorOut, 422: ErrorOut},
    summary="Attach a file to one's own open question",
    auth=Capability("questions.ask"),
)
def question_attach(request: HttpRequest, question_id: int, file: UploadedFile | None = File(None)) -> Any:  # noqa: B008
    user = user_of(request)
    # Scope first: outside it the answer is 404 whatever was sent.
    question = access.get_in_scope(questions_scope(user).filter(asked_by_id=user.person_id or -1), pk=question_id)
    if file is None:
        raise Refused(ServiceError(_("Send the attachment as the multipart field 'file'."), field="file"))
    try:
        services.question_attach(question=question, attachment=file, actor=Actor.for_user(user))
    except services.SupportError as exc:
        raise Refused(exc) from exc
    return _question_detail(request, question)


@router.post(
    "/questions/{question_id}/handle",
    response={200: QuestionDetailOut, 404: ErrorOut, 422: ErrorOut},
    summary="Answer, ask back, escalate (with the supplier's ticket reference and the due day it promised), "
    "resolve, close, take or publish",
    auth=Capability("questions.handle"),
)
def question_handle(request: HttpRequest, question_id: int, payload: HandleIn) -> Any:
    user = user_of(request)
    question = access.get_in_scope(handled_questions_scope(user).select_related("application"), pk=question_id)
    actor = Actor.for_user(user)
    try:
        if payload.action == "answer":
            services.question_answer(question=question, actor=actor, text=payload.text)
        elif payload.action == "ask_back":
            services.question_ask_back(question=question, actor=actor, text=payload.text)
        elif payload.action == "escalate":
            services.question_escalate(
                question=question, actor=actor, ticket_ref=payload.ticket_ref, text=payload.text, due=payload.due
            )
        elif payload.action == "resolve":
            services.question_resolve(question=question, actor=actor, text=payload.text)
        elif payload.action == "close":
            services.question_close(question=question, actor=actor, text=payload.text)
        elif payload.action == "take":
            services.question_take(question=question, actor=actor)
        elif payload.action == "publish":
            services.question_publish(question=question, actor=actor, title=payload.title, answer=payload.text)
        else:
            raise not_one_of(
                "action", payload.action, ("answer", "ask_back", "escalate", "resolve", "close", "take", "publish")
            )
    except ServiceError as exc:
        raise Refused(exc) from exc
    return _question_detail(request, question)


@router.post(
    "/questions/{question_id}/reply",
    response={200: QuestionDetailOut, 404: ErrorOut, 422: ErrorOut},
    summary="The asker adds to their question",
    auth=Capability("questions.ask"),
)
def question_reply(request: HttpRequest, question_id: int, payload: TextIn) -> Any:
    user = user_of(request)
    question = access.get_in_scope(questions_scope(user).filter(asked_by_id=user.person_id or -1), pk=question_id)
    try:
        services.question_reply(question=question, actor=Actor.for_user(user), text=payload.text)
    except services.SupportError as exc:
        raise Refused(exc) from exc
    return _question_detail(request, question)


@router.post(
    "/questions/{question_id}/supplier-answer",
    response={200: QuestionDetailOut, 404: ErrorOut, 422: ErrorOut},
    summary="The supplier answers a question escalated to it",
    auth=Capability("questions.supplier_answer"),
)
def question_supplier_answer(request: HttpRequest, question_id: int, payload: TextIn) -> Any:
    user = user_of(request)
    question = access.get_in_scope(questions_scope(user).filter(supplier_id=user.supplier_id or -1), pk=question_id)
    try:
        services.question_supplier_answer(question=question, actor=Actor.for_user(user), text=payload.text)
    except services.SupportError as exc:
        raise Refused(exc) from exc
    return _question_detail(request, question)


@router.post(
    "/questions/{question_id}/effort",
    response={201: EffortOut, 404: ErrorOut, 422: ErrorOut},
    summary="Log time spent on a question",
    auth=Capability("questions.handle"),
)
def question_effort(request: HttpRequest, question_id: int, payload: EffortIn) -> Any:
    user = user_of(request)
    question = access.get_in_scope(handled_questions_scope(user), pk=question_id)
    try:
        effort = services.effort_log(
            question=question, actor=Actor.for_user(user), minutes=payload.minutes, on=payload.on, note=payload.note
        )
    except services.SupportError as exc:
        raise Refused(exc) from exc
    return Status(201, effort)


@router.get(
    "/knowledge", response=list[ArticleOut], summary="Published answers, searched", auth=Capability("knowledge.list")
)
@paginate
def knowledge(request: HttpRequest, q: str = "", application: str = "") -> Any:
    app = Application.objects.filter(slug=application).first() if application else None
    if application and app is None:
        return selectors.articles_scope(user_of(request)).none()
    return selectors.articles_search(selectors.articles_scope(user_of(request)), q=q, application=app)


class WorkloadOut(Schema):
    person: str
    name: str
    applications: list[str]
    budget_hours: Decimal
    logged_hours: Decimal
    over_budget: bool


class WorkloadReportOut(Schema):
    month: str
    people: list[WorkloadOut]
    applications_without_key_user: list[str]


@router.get(
    "/workload",
    response={200: WorkloadReportOut, 422: ErrorOut},
    summary="Key-user hours logged against budget in a month (YYYY-MM)",
    auth=Capability("workload.view"),
)
def workload(request: HttpRequest, month: str = "") -> Any:
    user = user_of(request)
    try:
        first = date.fromisoformat(f"{month}-01") if month else timezone.localdate().replace(day=1)
    except ValueError as exc:
        raise Refused(
            ServiceError(
                _("Give the month as YYYY-MM, for example 2026-10, not %(value)s."), field="month", value=repr(month)
            )
        ) from exc
    if user.has_role("admin", "coordinator", "auditor"):
        report = selectors.workload_report(month=first, applications=applications_scope(user))
    else:
        report = selectors.workload_report(
            month=first, applications=handled_applications_scope(user), person_id=user.person_id or -1
        )
    ids = dict(Person.objects.filter(pk__in=[line.person_id for line in report.lines]).values_list("pk", "employee_id"))
    return {
        "month": first.strftime("%Y-%m"),
        "people": [
            {
                "person": ids.get(line.person_id, ""),
                "name": line.name,
                "applications": line.applications,
                "budget_hours": line.row.budget_hours,
                "logged_hours": line.row.logged_hours,
                "over_budget": line.row.over_budget,
            }
            for line in report.lines
        ],
        "applications_without_key_user": [a.slug for a in report.without_key_user],
    }


class ReasonOut(Schema):
    code: str
    figures: dict[str, float]


class SuggestionOut(Schema):
    application: str
    score: int
    kind: str
    reasons: list[ReasonOut]
    score_parts: dict[str, int]  # how the score adds up: part -> points (support.insight.WEIGHTS)
    questions_url: str  # the questions behind the suggestion


class InsightOut(Schema):
    since: date
    questions: int
    median_first_response_hours: float | None
    median_resolution_hours: float | None
    escalation_rate_percent: int | None
    median_effort_hours: float | None
    department: str
    by_application: dict[str, int]
    by_category: dict[str, int]
    by_department: dict[str, int]
    by_month: dict[str, int]
    suggestions: list[SuggestionOut]


@router.get(
    "/insight",
    response={200: InsightOut, 422: ErrorOut},
    summary="Questions by application, category, department and month; where training or capacity would help "
    "(optionally of one department's people)",
    auth=Capability("insight.view"),
)
def insight(request: HttpRequest, department: str = "") -> Any:
    user = user_of(request)
    apps = (
        applications_scope(user)
        if user.has_role("admin", "coordinator", "auditor")
        else handled_applications_scope(user)
    )
    if department and not Person.objects.filter(in_companies(user, "company"), department=department).exists():
        raise Refused(ServiceError(_("Nobody works in the department %(value)s."), field="department",
                                   value=repr(department)))  # fmt: skip
    data = selectors.insight(
        applications=apps, since=selectors.default_since(timezone.localdate()), department=department
    )
    return {
        "since": data.since,
        "questions": data.total,
        "median_first_response_hours": data.median_first_response_hours,
        "median_resolution_hours": data.median_resolution_hours,
        "escalation_rate_percent": data.escalation_rate,
        "median_effort_hours": data.median_effort_hours,
        "department": data.department,
        "by_application": {r["application__slug"]: r["n"] for r in data.by_application},
        "by_category": {r["category"]: r["n"] for r in data.by_category},
        "by_department": {r["asked_by__department"] or "": r["n"] for r in data.by_department},
        "by_month": {r["month"].strftime("%Y-%m"): r["n"] for r in data.by_month},
        "suggestions": [
            {
                "application": app.slug,
                "score": s.score,
                "kind": s.kind,
                "reasons": [{"code": r.code, "figures": r.figures} for r in s.reasons],
                "score_parts": dict(s.parts),
                "questions_url": reverse("support:questions") + f"?application={app.slug}",
            }
            for app, s in data.suggestions
        ],
    }
