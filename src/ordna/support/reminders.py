"""Support's reminder sources: questions past (or near) their internal or supplier deadline, and survey
invitations not answered while the survey is open. Plugged into ordna.notifications; one query each."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordna.notifications.ladder import OpenItem
from ordna.notifications.sources import SourceContext, reminder_kind, reminder_source
from ordna.support.models import Question, QuestionState, SurveyInvitation

reminder_kind("question.internal", _("Question to answer"))
reminder_kind("question.supplier", _("Question escalated to the supplier"))
reminder_kind("survey", _("Skills survey to answer"))


def _end_of(context: SourceContext) -> datetime:
    return datetime.combine(context.horizon + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone())


@reminder_source("support.questions")
def overdue_questions(context: SourceContext) -> Iterator[OpenItem]:
    """With the key user (not waiting on the asker): the assignee, escalating to the application's owner; with
    the supplier: the supplier's staff, escalating to the owner and the supplier role's lead."""
    directory = context.directory
    internal = Question.objects.filter(
        state__in=(QuestionState.NEW, QuestionState.WITH_KEY_USER),
        waiting_on_asker=False,
        internal_due_at__lt=_end_of(context),
    ).values_list("id", "text", "internal_due_at", "assignee_id", "application__owner_id", "application__name")
    for pk, text, due_at, assignee_id, owner_id, app in internal.iterator(chunk_size=2000):
        yield OpenItem(
            key=f"question:{pk}",
            source="support.questions",
            kind="question.internal",
            title=f"{app}: {text[:80]}",
            url=f"/questions/{pk}/",
            due=timezone.localdate(due_at),
            assignees=directory.person(assignee_id),
            leads=directory.person(owner_id) or directory.lead_of_role("key_user"),
        )
    escalated = Question.objects.filter(
        state=QuestionState.ESCALATED, supplier_due_at__lt=_end_of(context)
    ).values_list("id", "text", "supplier_due_at", "supplier_id", "application__owner_id", "application__name")
    for pk, text, supplier_due_at, supplier_id, owner_id, app in escalated.iterator(chunk_size=2000):
        yield OpenItem(
            key=f"question:{pk}",
            source="support.questions",
            kind="question.supplier",
            title=f"{app}: {text[:80]}",
            url=f"/questions/{pk}/",
            due=timezone.localdate(supplier_due_at),
            assignees=directory.supplier(supplier_id),
            leads=tuple(sorted({*directory.person(owner_id), *directory.lead_of_role("supplier")})),
        )


@reminder_source("support.surveys")
def unanswered_invitations(context: SourceContext) -> Iterator[OpenItem]:
    """Invitations of open surveys closing by the horizon: reminded before and on the closing day, never
    after it (an answer can no longer be given) and never escalated."""
    rows = SurveyInvitation.objects.filter(
        answered_at__isnull=True,
        survey__opens_on__lte=context.today,
        survey__closes_on__gte=context.today,
        survey__closes_on__lte=context.horizon,
    ).values_list("id", "survey_id", "survey__title", "survey__closes_on", "person_id")
    for pk, survey_id, title, closes_on, person_id in rows.iterator(chunk_size=2000):
        yield OpenItem(
            key=f"survey-invitation:{pk}",
            source="support.surveys",
            kind="survey",
            title=title,
            url=f"/surveys/{survey_id}/answer/",
            due=closes_on,
            assignees=context.directory.person(person_id),
        )
