"""Reads of support: clocks, searches, workload, survey results and the insight, over scoped querysets."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, F, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from ordna.applications.models import Application, AppointmentRole, KeyUserAppointment, active_on
from ordna.applications.scopes import applications_scope
from ordna.support.clocks import BusinessCalendar, ClockReading, Transition, clocks, median
from ordna.support.insight import Signals, Suggestion, rank, repeated_questions
from ordna.support.models import Article, Effort, Question, QuestionState, SkillRating, SkillSurvey, Wish, WishState
from ordna.support.workload import Budget, WorkloadRow, month_bounds, workload


@lru_cache(maxsize=16)
def business_calendar(first_year: int, last_year: int) -> BusinessCalendar:
    """The organisation's business calendar (ORDNA_BUSINESS_HOURS, ORDNA_HOLIDAY_COUNTRY, ORDNA_TIME_ZONE)."""
    return BusinessCalendar.for_country(
        country=settings.ORDNA_HOLIDAY_COUNTRY,
        zone=settings.TIME_ZONE,
        hours=settings.ORDNA_BUSINESS_HOURS,
        years=range(first_year, last_year + 1),
    )


@dataclass(frozen=True)
class QuestionClocks:
    first_response: ClockReading
    internal: ClockReading
    supplier: ClockReading | None


def question_clocks(question: Question, *, now: datetime | None = None) -> QuestionClocks:
    """The key user's first response and internal handling time, and the supplier's resolution time."""
    now = now or timezone.now()
    calendar = business_calendar(question.asked_at.year, now.year + 1)
    transitions = [Transition(e.at, e.state) for e in question.events.all()]
    # A question's state after its last event holds until now (or until it stopped, for the stop states).
    totals = clocks(transitions, now=now, calendar=calendar)
    until = question.first_response_at or now
    first = clocks(
        [t for t in transitions if t.at < until] or [Transition(question.asked_at, QuestionState.NEW)],
        now=until,
        calendar=calendar,
    )
    target = question.internal_target_hours * 3600
    supplier = None
    if question.escalated_at is not None:
        supplier_target = question.supplier_target_hours * 3600 if question.supplier_target_hours else None
        supplier = ClockReading(totals.supplier_seconds, supplier_target, question.state == QuestionState.ESCALATED)
    return QuestionClocks(
        first_response=ClockReading(first.internal_seconds, target, question.first_response_at is None),
        internal=ClockReading(
            totals.internal_seconds, None, question.state in (QuestionState.NEW, QuestionState.WITH_KEY_USER)
        ),
        supplier=supplier,
    )


def questions_escalated_to(questions: QuerySet[Question], supplier_id: int) -> QuerySet[Question]:
    """The questions of `questions` waiting on the supplier, the soonest due first (no due last)."""
    return (
        questions.filter(supplier_id=supplier_id, state=QuestionState.ESCALATED)
        .select_related("application")
        .order_by(F("supplier_due_at").asc(nulls_last=True), "id")
    )


def questions_overdue(questions: QuerySet[Question], *, now: datetime) -> QuerySet[Question]:
    """Open questions past a due moment: no first response by the internal target, or the supplier late
    (for the reminder engine, docs/notifications.md)."""
    return questions.filter(
        Q(
            first_response_at__isnull=True,
            state__in=[QuestionState.NEW, QuestionState.WITH_KEY_USER],
            internal_due_at__lt=now,
        )
        | Q(state=QuestionState.ESCALATED, supplier_due_at__lt=now)
    )


def articles_search(
    articles: QuerySet[Article], *, q: str, application: Application | None = None
) -> QuerySet[Article]:
    """Articles whose title, answer or the question they answer holds every word of `q` (case-insensitive), for
    the ask form: the same question asked again finds the answer published for it."""
    if application is not None:
        articles = articles.filter(application=application)
    for word in q.split()[:8]:
        if len(word) > 2:
            articles = articles.filter(
                Q(title__icontains=word) | Q(answer__icontains=word) | Q(question__text__icontains=word)
            )
    return articles.select_related("application")


def articles_scope(user: Any) -> QuerySet[Article]:
    """Suppliers see the articles of their own applications; everyone else all published answers."""
    articles = Article.objects.all()
    if user.has_role("admin", "coordinator", "hr", "manager", "key_user", "employee", "auditor"):
        return articles
    return articles.filter(application__in=applications_scope(user))


# --- workload --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkloadLine:
    person_id: int
    name: str
    applications: list[str]
    row: WorkloadRow


@dataclass(frozen=True)
class WorkloadReport:
    month: date
    lines: list[WorkloadLine]
    without_key_user: list[Application]


def workload_report(
    *, month: date, applications: QuerySet[Application], person_id: int | None = None
) -> WorkloadReport:
    """Hours logged against budgets in `month` per person, over the given applications; and which of those
    applications have no active key user or deputy today."""
    first, last = month_bounds(month)
    appointments = (
        KeyUserAppointment.objects.filter(application__in=applications, starts_on__lte=last)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=first))
        .select_related("person", "application")
    )
    if person_id is not None:
        appointments = appointments.filter(person_id=person_id)
    budgets = [Budget(a.person_id, a.application_id, a.hours_per_month, a.starts_on, a.ends_on) for a in appointments]
    efforts = Effort.objects.filter(on__gte=first, on__lte=last, application__in=applications)
    if person_id is not None:
        efforts = efforts.filter(person_id=person_id)
    minutes = {row["person_id"]: row["total"] for row in efforts.values("person_id").annotate(total=Sum("minutes"))}
    rows = workload(budgets, minutes, month=first)
    names: dict[int, str] = {}
    apps: dict[int, set[str]] = defaultdict(set)
    for a in appointments:
        names[a.person_id] = a.person.full_name
        apps[a.person_id].add(a.application.name)
    missing = set(rows) - set(names)
    if missing:
        from ordna.people.models import Person

        names.update({p.pk: p.full_name for p in Person.objects.filter(pk__in=missing)})
    lines = sorted(
        (WorkloadLine(pid, names.get(pid, "?"), sorted(apps[pid]), row) for pid, row in rows.items()),
        key=lambda line: (not line.row.over_budget, line.name),
    )
    today = timezone.localdate()
    staffed = KeyUserAppointment.objects.filter(
        active_on(today), role__in=[AppointmentRole.KEY_USER, AppointmentRole.DEPUTY]
    ).values("application_id")
    without = list(applications.exclude(pk__in=staffed).order_by("name")) if person_id is None else []
    return WorkloadReport(first, lines, without)


# --- surveys ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingRow:
    label: str
    answers: int
    mean: float | None
    want_training: int


def survey_results(survey: SkillSurvey) -> dict[str, Any]:
    """Invited and answered counts, and ratings by application and by department."""
    ratings = SkillRating.objects.filter(invitation__survey=survey)
    by_app = [
        RatingRow(r["application__name"], r["n"], r["mean"], r["training"])
        for r in ratings.values("application__name")
        .annotate(n=Count("id"), mean=Avg("rating"), training=Count("id", filter=Q(wants_training=True)))
        .order_by("mean", "application__name")
    ]
    by_department = [
        RatingRow(r["invitation__person__department"] or "—", r["n"], r["mean"], r["training"])
        for r in ratings.values("invitation__person__department")
        .annotate(n=Count("id"), mean=Avg("rating"), training=Count("id", filter=Q(wants_training=True)))
        .order_by("mean", "invitation__person__department")
    ]
    invited = survey.invitations.count()
    answered = survey.invitations.filter(answered_at__isnull=False).count()
    return {"invited": invited, "answered": answered, "by_application": by_app, "by_department": by_department}


# --- insight ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Insight:
    since: date
    total: int
    by_application: list[dict[str, Any]]
    by_category: list[dict[str, Any]]
    by_department: list[dict[str, Any]]
    by_month: list[dict[str, Any]]
    median_first_response_hours: float | None
    median_resolution_hours: float | None
    escalation_rate: int | None
    suggestions: list[tuple[Application, Suggestion]]
    median_effort_hours: float | None = None  # the time key users logged per question that has effort
    department: str = ""  # the department the figures are cut to ("" : everyone)


def insight(
    *, applications: QuerySet[Application], since: date, now: datetime | None = None, department: str = ""
) -> Insight:
    """Questions per application, category, department and month since `since`; median times and the median
    effort logged per question; escalation rate; and the ranking of where training or capacity would help most
    (support.insight). With `department`, only the questions and survey answers of that department's people."""
    now = now or timezone.now()
    questions = Question.objects.filter(application__in=applications, asked_at__date__gte=since)
    rated = SkillRating.objects.filter(application__in=applications)
    if department:
        questions = questions.filter(asked_by__department=department)
        rated = rated.filter(invitation__person__department=department)
    total = questions.count()
    effort = [
        minutes / 60
        for minutes in Effort.objects.filter(question__in=questions)
        .values("question_id")
        .annotate(m=Sum("minutes"))
        .values_list("m", flat=True)
    ]
    by_application = list(
        questions.values("application_id", "application__name", "application__slug")
        .annotate(n=Count("id"), escalated=Count("id", filter=Q(escalated_at__isnull=False)))
        .order_by("-n", "application__name")
    )
    by_category = list(questions.values("category").annotate(n=Count("id")).order_by("-n", "category"))
    by_department = list(questions.values("asked_by__department").annotate(n=Count("id")).order_by("-n")[:20])
    by_month = list(
        questions.annotate(month=TruncMonth("asked_at")).values("month").annotate(n=Count("id")).order_by("month")
    )
    calendar = business_calendar(since.year, now.year + 1)
    from ordna.support.clocks import business_seconds

    firsts: list[float] = []
    resolutions: list[float] = []
    texts: dict[int, list[str]] = defaultdict(list)
    for row in questions.order_by("asked_at", "id").values(
        "application_id", "text", "asked_at", "first_response_at", "resolved_at"
    ):
        texts[row["application_id"]].append(row["text"])
        if row["first_response_at"]:
            firsts.append(business_seconds(row["asked_at"], row["first_response_at"], calendar) / 3600)
        if row["resolved_at"]:
            resolutions.append(business_seconds(row["asked_at"], row["resolved_at"], calendar) / 3600)
    escalated = sum(r["escalated"] for r in by_application)
    ratings = {
        r["application_id"]: r
        for r in rated.values("application_id").annotate(
            n=Count("id"), mean=Avg("rating"), training=Count("id", filter=Q(wants_training=True))
        )
    }
    votes = dict(
        Wish.objects.filter(
            application__in=applications, state__in=[WishState.NEW, WishState.UNDER_REVIEW, WishState.PLANNED]
        )
        .values("application_id")
        .annotate(v=Sum("votes"))
        .values_list("application_id", "v")
    )
    today = timezone.localdate(now)
    staffed = Counter(
        KeyUserAppointment.objects.filter(
            active_on(today), application__in=applications, role__in=[AppointmentRole.KEY_USER, AppointmentRole.DEPUTY]
        ).values_list("application_id", flat=True)
    )
    report = workload_report(month=today, applications=applications)
    over = {line.person_id for line in report.lines if line.row.over_budget}
    over_by_app = Counter(
        KeyUserAppointment.objects.filter(
            active_on(today), application__in=applications, person_id__in=over
        ).values_list("application_id", flat=True)
    )
    counts = {r["application_id"]: r for r in by_application}
    apps = {a.pk: a for a in applications}
    signals = [
        Signals(
            application_id=pk,
            questions=counts.get(pk, {}).get("n", 0),
            escalated=counts.get(pk, {}).get("escalated", 0),
            repeated=repeated_questions(texts.get(pk, [])),
            ratings=ratings.get(pk, {}).get("n", 0),
            mean_rating=ratings[pk]["mean"] if pk in ratings else None,
            want_training=ratings.get(pk, {}).get("training", 0),
            open_wish_votes=votes.get(pk) or 0,
            active_key_users=staffed.get(pk, 0),
            key_users_over_budget=over_by_app.get(pk, 0),
        )
        for pk in apps
    ]
    return Insight(
        since=since,
        total=total,
        by_application=by_application,
        by_category=by_category,
        by_department=by_department,
        by_month=by_month,
        median_first_response_hours=_round(median(firsts)),
        median_resolution_hours=_round(median(resolutions)),
        escalation_rate=round(escalated * 100 / total) if total else None,
        suggestions=[(apps[s.application_id], s) for s in rank(signals)],
        median_effort_hours=_round(median(effort)),
        department=department,
    )


def latest_survey_per_application(applications: QuerySet[Application]) -> dict[int, int]:
    """Application id -> the latest survey with answers about it: where the insight's ratings come from."""
    return dict(
        SkillRating.objects.filter(application__in=applications)
        .values("application_id")
        .annotate(survey=Max("invitation__survey_id"))
        .values_list("application_id", "survey")
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def default_since(today: date) -> date:
    return today - timedelta(days=365)


def minutes_to_hours(minutes: Iterable[int]) -> Decimal:
    return (Decimal(sum(minutes)) / 60).quantize(Decimal("0.1"))
