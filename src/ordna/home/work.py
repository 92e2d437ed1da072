"""Each role's own work for its start page (issue 23): what the signed-in user has to do, soonest due first, each
kind with its count linking to the list filtered to it. Every part reads through its own app's scopes and
selectors; the supplier's start page keeps its own shape (home.selectors.supplier_work).

Kinds, by role: lines to close (every role with lines: the coordinator's own, HR's, a manager's devices and
handover tasks, an employee's devices to return); the coordinator's accounts of leavers still active and the
questions nobody could be routed to; the key user's questions waiting with their clocks, tests to run,
appointments ending and absences without a deputy; the employee's surveys to answer and questions asked back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ordna.accounts.models import FindingKind, FindingState
from ordna.accounts.scopes import findings_scope
from ordna.applications.models import KeyUserAppointment, active_on
from ordna.applications.scopes import handled_applications_scope
from ordna.core import access
from ordna.core.data_version import cached_count
from ordna.core.formats import number, short_date
from ordna.core.models import Role, User
from ordna.lifecycle.selectors import my_tasks
from ordna.releases.models import ReleaseStatus, ReleaseTest, TestResult
from ordna.support.models import OPEN_STATES, QuestionState, SurveyInvitation
from ordna.support.scopes import handled_questions_scope, questions_scope
from ordna.support.selectors import question_clocks

SHOWN = 10  # items of each kind on the start page; the count links to all of them
HORIZON_DAYS = 30  # appointments ending and absences this far ahead are worth a key user's attention


@dataclass(frozen=True)
class WorkItem:
    """One thing to do: due when (a day or a moment), what, where to do it, and a note (a clock, a name)."""

    due: date | datetime | None
    text: str
    url: str
    note: str = ""

    def due_day(self) -> date | None:
        if isinstance(self.due, datetime):
            return timezone.localdate(self.due)
        return self.due


@dataclass(frozen=True)
class WorkKind:
    """One kind of work: its count (all of it, not only the items shown), the filtered list it links to, how
    many of it are overdue, and its first items, soonest due first."""

    key: str
    title: str | Promise
    explained: str | Promise  # what is counted, in one sentence under the count
    total: int
    url: str
    items: list[WorkItem]
    overdue: int = 0

    @property
    def first_due(self) -> date:
        days = [d for d in (item.due_day() for item in self.items) if d is not None]
        return min(days) if days else date.max


def _at_end(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max))


def _lines(user: User, today: date) -> WorkKind | None:
    lines = my_tasks(user)
    total = cached_count(lines)
    if not total:
        return None
    return WorkKind(
        key="lines",
        title=_("Lines to close"),
        explained=_("Open lines of leavers' cases that you close: accounts, devices, tasks."),
        total=total,
        url=reverse("lifecycle:my_tasks"),
        overdue=cached_count(lines.filter(due__lt=today)),
        items=[
            WorkItem(
                line.due,
                f"{line.get_kind_display()}: {line.subject}",
                reverse("lifecycle:detail", args=[line.case_id]),
                line.case.person.full_name,
            )
            for line in lines[:SHOWN]
        ],
    )


def _leaver_accounts(user: User, today: date) -> WorkKind | None:
    found = findings_scope(user).filter(kind=FindingKind.LEAVER_ACTIVE, state=FindingState.OPEN)
    total = cached_count(found)
    if not total:
        return None
    rows = found.select_related("application", "person").order_by("since", "id")[:SHOWN]
    return WorkKind(
        key="leaver_accounts",
        title=_("Accounts of leavers still active"),
        explained=_("Accounts still active in an application's last export although their person has left."),
        total=total,
        url=reverse("accounts:findings") + "?kind=leaver_active",
        items=[
            WorkItem(
                f.since,
                f"{f.application.name}: {f.person.full_name if f.person else '—'}",
                reverse("accounts:findings") + f"?kind=leaver_active&application={f.application.slug}",
            )
            for f in rows
        ],
    )


def _unrouted_questions(user: User, now: datetime) -> WorkKind | None:
    found = questions_scope(user).filter(state=QuestionState.NEW)
    total = cached_count(found)
    if not total:
        return None
    return WorkKind(
        key="unrouted",
        title=_("Questions nobody could be routed to"),
        explained=_("New questions of applications without a key user present: take them or appoint one."),
        total=total,
        url=reverse("support:questions") + "?state=new",
        overdue=found.filter(internal_due_at__lt=now).count(),  # `now` differs per request: not cached
        items=[
            WorkItem(q.internal_due_at, f"{q.application.name}: {q.text[:80]}", _question_url(q.pk))
            for q in found.select_related("application").order_by("internal_due_at", "id")[:SHOWN]
        ],
    )


def _question_url(pk: int) -> str:
    return reverse("support:question_detail", args=[pk])


def _questions_waiting(user: User, now: datetime) -> WorkKind | None:
    found = handled_questions_scope(user).filter(
        assignee_id=user.person_id or -1, state__in=[QuestionState.NEW, QuestionState.WITH_KEY_USER]
    )
    total = cached_count(found)
    if not total:
        return None
    items = []
    for question in found.select_related("application").prefetch_related("events").order_by("internal_due_at")[:SHOWN]:
        clock = question_clocks(question, now=now).first_response
        hours = round(clock.seconds / 3600, 1)
        note = str(_("first response clock %(hours)s of %(target)s business hours")) % {
            "hours": number(hours, 1),
            "target": question.internal_target_hours,
        }
        items.append(WorkItem(question.internal_due_at, f"{question.application.name}: {question.text[:80]}",
                              _question_url(question.pk), note))  # fmt: skip
    return WorkKind(
        key="questions",
        title=_("Questions waiting for you"),
        explained=_("Open questions assigned to you, with the clock of the first response."),
        total=total,
        url=reverse("support:questions") + "?mine=assigned&state=open",
        overdue=found.filter(internal_due_at__lt=now).count(),  # `now` differs per request: not cached
        items=items,
    )


def _tests_to_run(user: User, today: date) -> WorkKind | None:
    found = ReleaseTest.objects.filter(
        assignee_id=user.person_id or -1,
        result=TestResult.PENDING,
        release__status__in=[ReleaseStatus.PLANNED, ReleaseStatus.TESTING],
    ).select_related("release__application")
    total = cached_count(found)
    if not total:
        return None
    tests = sorted(found[:100], key=lambda t: (t.release.planned_go_live or date.max, t.pk))[:SHOWN]
    return WorkKind(
        key="tests",
        title=_("Release tests to run"),
        explained=_("Test cases of releases assigned to you and not run yet, by planned go-live."),
        total=total,
        url=reverse("releases:list") + "?tests=mine",
        overdue=sum(1 for t in found if t.release.planned_go_live and t.release.planned_go_live < today),
        items=[
            WorkItem(
                t.release.planned_go_live,
                f"{t.release.application.name} {t.release.version}: {t.title}",
                reverse("releases:detail", args=[t.release_id]),
            )
            for t in tests
        ],
    )


def _appointments(user: User, today: date) -> tuple[list[KeyUserAppointment], list[KeyUserAppointment]]:
    """The appointments to the applications the user handles that end within the horizon, and the absences
    (current or ahead) during which nobody else of the application is present."""
    horizon = today + timedelta(days=HORIZON_DAYS)
    apps = handled_applications_scope(user)
    appointments = list(
        KeyUserAppointment.objects.filter(active_on(today), application__in=apps).select_related(
            "application", "person"
        )
    )
    ending = sorted(
        (a for a in appointments if a.ends_on is not None and a.ends_on <= horizon),
        key=lambda a: (a.ends_on, a.pk),
    )
    uncovered = []
    for absent in appointments:
        if absent.away_from is None or absent.away_until is None:
            continue
        if absent.away_until < today or absent.away_from > horizon:
            continue
        others = [a for a in appointments if a.application_id == absent.application_id and a.pk != absent.pk]
        first, last = max(absent.away_from, today), min(absent.away_until, horizon)
        days = (first + timedelta(days=n) for n in range((last - first).days + 1))
        # Uncovered when on some day of the absence nobody else of the application is appointed and present.
        if any(not any(a.active_on(day) and not a.away_on(day) for a in others) for day in days):
            uncovered.append(absent)
    uncovered.sort(key=lambda a: (a.away_from, a.pk))
    return ending, uncovered


def _appointment_kinds(user: User, today: date) -> list[WorkKind]:
    ending, uncovered = _appointments(user, today)
    kinds = []
    url = reverse("applications:list")
    if ending:
        kinds.append(
            WorkKind(
                key="appointments_ending",
                title=_("Appointments ending"),
                explained=_("Key users and deputies of your applications whose appointment ends within 30 days."),
                total=len(ending),
                url=url,
                items=[
                    WorkItem(
                        a.ends_on,
                        f"{a.application.name}: {a.person.full_name} ({a.get_role_display()})",
                        reverse("applications:detail", args=[a.application.slug]),
                    )
                    for a in ending[:SHOWN]
                ],
            )
        )
    if uncovered:
        kinds.append(
            WorkKind(
                key="absences",
                title=_("Absences without a deputy"),
                explained=_("Someone of your applications is away and nobody else of the application is present."),
                total=len(uncovered),
                url=url,
                overdue=sum(1 for a in uncovered if a.away_from is not None and a.away_from <= today),
                items=[
                    WorkItem(
                        a.away_from,
                        f"{a.application.name}: {a.person.full_name}",
                        reverse("applications:detail", args=[a.application.slug]),
                        str(_("away until %(day)s")) % {"day": short_date(a.away_until)} if a.away_until else "",
                    )
                    for a in uncovered[:SHOWN]
                ],
            )
        )
    return kinds


def _surveys(user: User, today: date) -> WorkKind | None:
    found = SurveyInvitation.objects.filter(
        person_id=user.person_id or -1,
        answered_at__isnull=True,
        survey__opens_on__lte=today,
        survey__closes_on__gte=today,
    ).select_related("survey")
    total = cached_count(found)
    if not total:
        return None
    return WorkKind(
        key="surveys",
        title=_("Surveys to answer"),
        explained=_("Skills surveys you are invited to, open and not answered yet."),
        total=total,
        url=reverse("support:surveys"),
        items=[
            WorkItem(i.survey.closes_on, i.survey.title, reverse("support:survey_answer", args=[i.survey_id]))
            for i in found.order_by("survey__closes_on", "id")[:SHOWN]
        ],
    )


def _asked_back(user: User) -> WorkKind | None:
    found = questions_scope(user).filter(asked_by_id=user.person_id or -1, waiting_on_asker=True, state__in=OPEN_STATES)
    total = cached_count(found)
    if not total:
        return None
    return WorkKind(
        key="asked_back",
        title=_("Your questions waiting on you"),
        explained=_("Your questions where the key user asked you something back."),
        total=total,
        url=reverse("support:questions") + "?mine=asked",
        items=[
            WorkItem(q.asked_at, f"{q.application.name}: {q.text[:80]}", _question_url(q.pk))
            for q in found.select_related("application").order_by("asked_at")[:SHOWN]
        ],
    )


def role_work(user: User, *, today: date, now: datetime | None = None) -> list[WorkKind]:
    """The user's own work, the kind with the soonest due item first; nothing for a supplier's user (their start
    page has its own section) and no kind with nothing in it."""
    if user.supplier_id is not None:
        return []
    now = now or timezone.now()
    kinds: list[WorkKind | None] = []
    if access.can(user, "cases.view"):
        kinds.append(_lines(user, today))
    if user.has_role(Role.ADMIN, Role.COORDINATOR):
        kinds.append(_leaver_accounts(user, today))
        kinds.append(_unrouted_questions(user, now))
    if user.person_id is not None:
        if access.can(user, "questions.handle"):
            kinds.append(_questions_waiting(user, now))
        if access.can(user, "releases.test"):
            kinds.append(_tests_to_run(user, today))
        kinds.append(_surveys(user, today))
        kinds.append(_asked_back(user))
    if user.has_role(Role.KEY_USER):
        kinds.extend(_appointment_kinds(user, today))
    found = [k for k in kinds if k is not None]
    return sorted(found, key=lambda k: (k.first_due, k.key))
