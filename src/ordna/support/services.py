"""Writes of support: questions through their states, effort and the knowledge base (surveys and wishes: surveys.py).

Every function runs in one transaction and records its audit event in it; a ValueError (SupportError)
names the field or value that is wrong and nothing is written.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ordna.applications.models import Application, KeyUserAppointment
from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.core.errors import ServiceError
from ordna.people.models import Person
from ordna.suppliers.selectors import resolution_hours_for
from ordna.support.clocks import add_business_hours
from ordna.support.models import (
    OPEN_STATES,
    Article,
    AssignedVia,
    Category,
    Effort,
    EventKind,
    Question,
    QuestionEvent,
    QuestionState,
)
from ordna.support.routing import Appointee, route_question
from ordna.support.selectors import business_calendar

ATTACHMENT_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".pdf", ".txt", ".log", ".csv", ".xlsx", ".docx", ".eml")


class SupportError(ServiceError):
    """A request about questions, surveys or wishes that the rules refuse; `field` names the input."""


# The inputs of the support services, named in words for their messages (their `field` stays the name).
TEXT, TICKET_REF, TITLE, ANSWER, REASON = (
    _("the text"),
    _("the supplier's ticket reference"),
    _("the title"),
    _("the answer"),
    _("the reason"),
)


def text_required(value: str, field: str, label: str | Promise, *, limit: int = 10_000) -> str:
    value = (value or "").strip()
    if not value:
        raise SupportError(_("Fill in %(label)s."), field=field, label=label)
    if len(value) > limit:
        raise SupportError(
            _("Shorten %(label)s to at most %(limit)s characters (it has %(length)s)."),
            field=field,
            label=label,
            limit=limit,
            length=len(value),
        )
    return value


def _person_of(actor: Actor) -> Person | None:
    user = actor.user
    return user.person if user is not None and user.person_id else None


def _event(
    question: Question, kind: str, actor: Actor, *, at: datetime, text: str = "", for_supplier: bool = False
) -> QuestionEvent:
    return QuestionEvent.objects.create(
        question=question,
        at=at,
        kind=kind,
        state=question.state,
        author=actor.label,
        text=text,
        for_supplier=for_supplier,
    )


def _audit(question: Question, action: str, actor: Actor, **after: Any) -> None:
    audit_record(actor=actor, action=f"question.{action}", target=question, after={"state": question.state, **after})


def _check_attachment(upload: UploadedFile) -> str:
    name = Path(upload.name or "attachment").name
    if Path(name).suffix.lower() not in ATTACHMENT_SUFFIXES:
        raise SupportError(
            _("The attachment %(name)s is not one of the accepted types (%(types)s)."),
            field="attachment",
            name=name,
            types=", ".join(ATTACHMENT_SUFFIXES),
        )
    if upload.size is not None and upload.size > settings.ORDNA_ATTACHMENT_MAX_MB * 1024 * 1024:
        raise SupportError(
            _("The attachment %(name)s is larger than %(mb)s MB."),
            field="attachment",
            name=name,
            mb=settings.ORDNA_ATTACHMENT_MAX_MB,
        )
    return name


def appointees(application: Application) -> list[Appointee]:
    return [
        Appointee(a.person_id, a.role, a.primary, a.starts_on, a.ends_on, a.away_from, a.away_until)
        for a in KeyUserAppointment.objects.filter(application=application)
    ]


def question_ask(
    *,
    application: Application,
    asked_by: Person,
    category: str,
    text: str,
    actor: Actor,
    attachment: UploadedFile | None = None,
) -> Question:
    """Register a question and route it: the primary key user, else round robin among the key users and
    deputies present (support.routing); with nobody present it stays new for the IT coordinator."""
    text = text_required(text, "text", TEXT)
    if category not in Category.values:
        raise SupportError(
            _("Choose a category: %(category)s is not one of %(categories)s."),
            field="category",
            category=repr(category),
            categories=", ".join(Category.values),
        )
    attachment_name = _check_attachment(attachment) if attachment is not None else ""
    now = timezone.now()
    today = timezone.localdate(now)
    target = settings.ORDNA_KEY_USER_RESPONSE_HOURS
    with transaction.atomic():
        last = (
            Question.objects.filter(application=application, assigned_via=AssignedVia.ROUND_ROBIN)
            .order_by("-asked_at", "-id")
            .values_list("assignee_id", flat=True)
            .first()
        )
        route = route_question(appointees(application), today=today, last_round_robin=last)
        question = Question(
            application=application,
            asked_by=asked_by,
            entered_by=actor.label,
            category=category,
            text=text,
            attachment_name=attachment_name,
            state=QuestionState.NEW,
            assigned_via=route.via,
            internal_target_hours=target,
            asked_at=now,
            internal_due_at=add_business_hours(now, target, business_calendar(now.year, now.year + 1)),
        )
        if attachment is not None:
            question.attachment.save(attachment_name, attachment, save=False)
        question.save()
        _event(question, EventKind.ASKED, actor, at=now, text=text)
        if route.person_id is not None:
            question.assignee_id = route.person_id
            question.assigned_at = now
            question.state = QuestionState.WITH_KEY_USER
            question.save(update_fields=["assignee", "assigned_at", "state"])
            _event(question, EventKind.ASSIGNED, actor, at=now)
        _audit(
            question,
            "asked",
            actor,
            application=application.slug,
            category=category,
            assignee_id=question.assignee_id,
            assigned_via=route.via,
        )
    return question


def question_attach(*, question: Question, attachment: UploadedFile, actor: Actor) -> Question:
    """Attach a file to an open question (the API's second step after asking in JSON); replaces an earlier one."""
    _require_open(question)
    name = _check_attachment(attachment)
    with transaction.atomic():
        question.attachment.save(name, attachment, save=False)
        question.attachment_name = name
        question.save(update_fields=["attachment", "attachment_name"])
        _audit(question, "attached", actor, attachment=name)
    return question


def _require_open(question: Question) -> None:
    if question.state not in OPEN_STATES:
        raise SupportError(
            _("The question is not open any more (%(state)s)."),
            field="state",
            state=QuestionState(question.state).label,
        )


def _responded(question: Question, now: datetime) -> None:
    if question.first_response_at is None:
        question.first_response_at = now


def question_take(*, question: Question, actor: Actor) -> Question:
    """The acting key user takes a question nobody could be routed to (or takes it over)."""
    person = _person_of(actor)
    if person is None:
        raise SupportError(_("Only a user linked to a person can take a question."), field="assignee")
    _require_open(question)
    now = timezone.now()
    with transaction.atomic():
        question.assignee = person
        question.assigned_at = now
        if question.state == QuestionState.NEW:
            question.state = QuestionState.WITH_KEY_USER
        question.save()
        _event(question, EventKind.ASSIGNED, actor, at=now)
        _audit(question, "taken", actor, assignee_id=person.pk)
    return question


def question_answer(*, question: Question, actor: Actor, text: str) -> Question:
    """The key user answers: the question is resolved (the first response if it was the first)."""
    text = text_required(text, "text", TEXT)
    _require_open(question)
    if question.state == QuestionState.ESCALATED:
        raise SupportError(
            _("The question waits on the supplier: resolve it when the supplier has answered."), field="state"
        )
    now = timezone.now()
    with transaction.atomic():
        _responded(question, now)
        question.state = QuestionState.RESOLVED
        question.resolved_at = now
        question.waiting_on_asker = False
        question.save()
        _event(question, EventKind.ANSWERED, actor, at=now, text=text, for_supplier=question.supplier_id is not None)
        _audit(question, "answered", actor)
    return question


def question_resolve(*, question: Question, actor: Actor, text: str = "") -> Question:
    """Mark a question resolved, typically after the supplier's answer was passed on."""
    _require_open(question)
    if question.state == QuestionState.ESCALATED:
        raise SupportError(_("The supplier has not answered yet."), field="state")
    now = timezone.now()
    with transaction.atomic():
        _responded(question, now)
        question.state = QuestionState.RESOLVED
        question.resolved_at = now
        question.waiting_on_asker = False
        question.save()
        _event(
            question,
            EventKind.RESOLVED,
            actor,
            at=now,
            text=text.strip(),
            for_supplier=question.supplier_id is not None,
        )
        _audit(question, "resolved", actor)
    return question


def question_ask_back(*, question: Question, actor: Actor, text: str) -> Question:
    """The key user needs more from the asker; this counts as the first response."""
    text = text_required(text, "text", TEXT)
    _require_open(question)
    now = timezone.now()
    with transaction.atomic():
        _responded(question, now)
        if question.state == QuestionState.NEW:
            question.state = QuestionState.WITH_KEY_USER
        question.waiting_on_asker = True
        question.save()
        _event(question, EventKind.ASKED_BACK, actor, at=now, text=text)
        _audit(question, "asked_back", actor)
    return question


def question_reply(*, question: Question, actor: Actor, text: str) -> Question:
    """The asker adds to their question (typically after being asked back)."""
    text = text_required(text, "text", TEXT)
    _require_open(question)
    now = timezone.now()
    with transaction.atomic():
        question.waiting_on_asker = False
        question.save(update_fields=["waiting_on_asker"])
        _event(question, EventKind.REPLIED, actor, at=now, text=text)
        _audit(question, "replied", actor)
    return question


def question_escalate(
    *, question: Question, actor: Actor, ticket_ref: str, text: str = "", due: date | None = None
) -> Question:
    """Hand the question to the application's supplier under the supplier's ticket reference; the internal
    clock pauses and the supplier clock runs against the service level, when one exists. `due` is the day the
    supplier promised an answer by (the end of its business hours): it is chased from then, instead of from the
    service level's target; without either, it is not chased."""
    ticket_ref = text_required(ticket_ref, "ticket_ref", TICKET_REF, limit=100)
    _require_open(question)
    if question.state == QuestionState.ESCALATED:
        raise SupportError(
            _("The question was escalated already, under the ticket %(ticket)s."),
            field="state",
            ticket=question.supplier_ticket_ref,
        )
    application = question.application
    if application.supplier_id is None:
        raise SupportError(
            _("%(application)s has no supplier to escalate to."), field="supplier", application=application.name
        )
    now = timezone.now()
    if due is not None and due < timezone.localdate(now):
        raise SupportError(_("The due date %(due)s has passed: give a day from today on."), field="due", due=due)
    with transaction.atomic():
        _responded(question, now)
        question.state = QuestionState.ESCALATED
        question.supplier_id = application.supplier_id
        question.supplier_ticket_ref = ticket_ref
        question.escalated_at = now
        question.supplier_answered_at = None
        # The contract covering the application sets the target when it has a resolution level; else the
        # application's own setting applies.
        target = resolution_hours_for(
            application=application, supplier_id=application.supplier_id, on=timezone.localdate(now)
        )
        target = target if target is not None else application.supplier_resolution_hours
        question.supplier_target_hours = target
        calendar = business_calendar(now.year, now.year + 2)
        if due is not None:
            question.supplier_due_at = datetime.combine(due, calendar.day_end, tzinfo=calendar.zone)
        else:
            question.supplier_due_at = add_business_hours(now, target, calendar) if target else None
        question.save()
        _event(question, EventKind.ESCALATED, actor, at=now, text=text.strip(), for_supplier=True)
        _audit(
            question,
            "escalated",
            actor,
            supplier_id=application.supplier_id,
            ticket_ref=ticket_ref,
            **({"due": due.isoformat()} if due else {}),
        )
    return question


def question_supplier_answer(*, question: Question, actor: Actor, text: str) -> Question:
    """The supplier answers an escalated question from its portal; it goes back to the key user, whose clock
    runs again, to pass the answer on and resolve it."""
    text = text_required(text, "text", TEXT)
    user = actor.user
    if user is None or user.supplier_id is None or user.supplier_id != question.supplier_id:
        raise SupportError(_("Only the supplier the question was escalated to can answer it."), field="supplier")
    if question.state != QuestionState.ESCALATED:
        raise SupportError(
            _("The question is not waiting on the supplier (%(state)s)."),
            field="state",
            state=QuestionState(question.state).label,
        )
    now = timezone.now()
    with transaction.atomic():
        question.state = QuestionState.WITH_KEY_USER
        question.supplier_answered_at = now
        question.save()
        _event(question, EventKind.SUPPLIER_ANSWERED, actor, at=now, text=text, for_supplier=True)
        _audit(question, "supplier_answered", actor, supplier_id=question.supplier_id)
    return question


def question_close(*, question: Question, actor: Actor, text: str = "") -> Question:
    """Close a question for good (a resolved one, or an open one that needs nothing more)."""
    if question.state == QuestionState.CLOSED:
        raise SupportError(_("The question is closed already."), field="state")
    now = timezone.now()
    with transaction.atomic():
        question.state = QuestionState.CLOSED
        question.closed_at = now
        question.waiting_on_asker = False
        question.save()
        _event(
            question, EventKind.CLOSED, actor, at=now, text=text.strip(), for_supplier=question.supplier_id is not None
        )
        _audit(question, "closed", actor)
    return question


def question_publish(*, question: Question, actor: Actor, title: str, answer: str) -> Article:
    """Publish a resolved question's answer in its application's knowledge base (or update it)."""
    title = text_required(title, "title", TITLE, limit=200)
    answer = text_required(answer, "answer", ANSWER)
    if question.state not in (QuestionState.RESOLVED, QuestionState.CLOSED):
        raise SupportError(
            _("Only resolved questions are published (this one: %(state)s)."),
            field="state",
            state=QuestionState(question.state).label,
        )
    now = timezone.now()
    with transaction.atomic():
        article, created = Article.objects.update_or_create(
            question=question,
            defaults={
                "application": question.application,
                "title": title,
                "answer": answer,
                "published_by": actor.label,
                "published_at": now,
            },
        )
        _event(question, EventKind.PUBLISHED, actor, at=now, text=title)
        audit_record(
            actor=actor,
            action="article.published" if created else "article.updated",
            target=article,
            after={"question_id": question.pk, "title": title},
        )
    return article


def effort_log(
    *,
    question: Question,
    actor: Actor,
    minutes: int,
    on: date | None = None,
    note: str = "",
    person: Person | None = None,
) -> Effort:
    """Log time spent on a question by `person` (default: the acting user's person)."""
    person = person or _person_of(actor)
    if person is None:
        raise SupportError(_("Effort is logged by someone linked to a person."), field="person")
    if not isinstance(minutes, int) or minutes <= 0 or minutes > 24 * 60:
        raise SupportError(_("Give the minutes as a whole number from 1 to 1440."), field="minutes")
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise SupportError(_("The day %(day)s is in the future."), field="on", day=on)
    with transaction.atomic():
        effort = Effort.objects.create(
            question=question,
            application_id=question.application_id,
            person=person,
            on=on,
            minutes=minutes,
            note=note.strip()[:300],
        )
        audit_record(
            actor=actor,
            action="effort.logged",
            target=effort,
            after={"question_id": question.pk, "person_id": person.pk, "minutes": minutes, "on": on},
        )
    return effort
