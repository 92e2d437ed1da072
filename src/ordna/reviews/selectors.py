"""Reads about reviews with suppliers: the service levels measured from questions and offboarding lines, the
generated agenda, the review-action reminder items and the portal's figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Avg, Count, F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ordna.applications.models import Application
from ordna.core.business_days import add_business_days
from ordna.core.formats import short_date
from ordna.core.models import Supplier, User
from ordna.lifecycle.models import Line, Responsible
from ordna.releases.models import Release
from ordna.reviews.models import ActionItem, ActionOwner, Review
from ordna.suppliers.measures import Breach, LevelReport
from ordna.suppliers.models import Contract, Metric, ServiceLevel
from ordna.suppliers.processing_gaps import processing_gaps
from ordna.suppliers.selectors import (
    ReminderItem,
    contract_rows,
    question_service_level,
    user_ids_of_people,
)
from ordna.support.clocks import business_seconds
from ordna.support.models import OPEN_STATES, Question, QuestionState, SkillRating, Wish, WishState
from ordna.support.selectors import business_calendar, question_clocks


def review_action_reminders(today: date, *, days_ahead: int | None = None) -> list[ReminderItem]:
    """Reminder source: open review actions due within `days_ahead` days (ORDNA_ACTION_REMINDER_DAYS) or overdue;
    ours go to the named person's user, the supplier's to the company's portal users and to its contact and
    service desk addresses; a supplier's action with none of these goes to the IT coordinators, who chase it
    (issue 23: the supplier's own actions were never chased)."""
    ahead = settings.ORDNA_ACTION_REMINDER_DAYS if days_ahead is None else days_ahead
    actions = list(
        ActionItem.objects.filter(closed_at__isnull=True, due__lte=today + timedelta(days=ahead)).select_related(
            "supplier"
        )
    )
    people = user_ids_of_people(a.owner_person_id for a in actions)
    supplier_users: dict[int, list[int]] = {}
    for user_id, supplier_id in User.objects.filter(
        supplier_id__in={a.supplier_id for a in actions}, is_active=True, roles__role="supplier"
    ).values_list("id", "supplier_id"):
        supplier_users.setdefault(supplier_id, []).append(user_id)
    items = []
    for action in actions:
        if action.owner_side == ActionOwner.OURS:
            owner = people.get(action.owner_person_id) if action.owner_person_id else None
            recipients: tuple[int, ...] = (owner,) if owner else ()
            role = "" if owner else "coordinator"
            theirs = None
        else:
            recipients = tuple(sorted(supplier_users.get(action.supplier_id, [])))
            supplier = action.supplier
            theirs = action.supplier_id
            role = "" if recipients or supplier.contact_email or supplier.service_desk_email else "coordinator"
        stage = 0 if action.due < today else max((action.due - today).days, 0)
        items.append(
            ReminderItem(
                key=f"action:{action.pk}:{'overdue' if stage == 0 and action.due < today else 'due'}",
                kind="review_action",
                recipient_user_ids=recipients,
                recipient_role=role,
                due=action.due,
                title=f"{action.supplier.name}: {action.title}",
                url=reverse("reviews:detail", kwargs={"pk": action.review_id}),
                stage=stage,
                supplier_id=theirs,
            )
        )
    return sorted(items, key=lambda i: (i.due, i.key))


# Service levels measured ---------------------------------------------------------------------------------------


def service_level_report(
    contract: Contract, *, since: date, until: date, now: datetime | None = None
) -> list[LevelReport]:
    """Each service level of `contract` measured over [since, until]: questions escalated to the supplier for
    the covered applications (first response and resolution, in business hours) and offboarding lines assigned
    to the supplier and due in the period (business days late). Running clocks count once they are over."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    levels = list(contract.service_levels.all())
    reports = {lv.pk: LevelReport(lv) for lv in levels}
    app_ids = list(contract.applications.values_list("id", flat=True))
    question_levels = [lv for lv in levels if lv.metric in (Metric.FIRST_RESPONSE, Metric.RESOLUTION)]
    if question_levels:
        questions = Question.objects.filter(
            supplier_id=contract.supplier_id,
            escalated_at__date__gte=since,
            escalated_at__date__lte=until,
        ).select_related("application")
        if app_ids:
            questions = questions.filter(application_id__in=app_ids)
        calendar = business_calendar(since.year, now.year + 1)
        rule: dict[tuple[int, date, str], ServiceLevel | None] = {}  # the one rule, once per application and day
        for question in questions.prefetch_related("events"):
            url = reverse("support:question_detail", kwargs={"pk": question.pk})
            escalated = question.escalated_at
            assert escalated is not None  # noqa: S101 - filtered above
            for metric in (Metric.FIRST_RESPONSE, Metric.RESOLUTION):
                # The level the question counts against is the one its own page shows (question_service_level):
                # of the contract covering its application on the day it was escalated, else of none.
                key = (question.application_id, timezone.localdate(escalated), metric)
                if key not in rule:
                    rule[key] = question_service_level(
                        application=question.application, supplier_id=contract.supplier_id, on=key[1], metric=metric
                    )
                level = rule[key]
                if level is None or level.pk not in reports:
                    continue
                if metric == Metric.FIRST_RESPONSE:
                    answered = question.supplier_answered_at or question.resolved_at
                    seconds = business_seconds(escalated, answered or now, calendar)
                    running = answered is None
                else:
                    reading = question_clocks(question, now=now).supplier
                    seconds = reading.seconds if reading else 0
                    running = bool(reading and reading.running)
                report = reports[level.pk]
                over = seconds > level.target * 3600
                if running and not over:
                    continue  # not measurable yet
                report.measured += 1
                if over:
                    report.breaches.append(
                        Breach(
                            f"Q{question.pk} {question.supplier_ticket_ref}",
                            escalated.date(),
                            round(seconds / 3600, 1),
                            level.target,
                            running,
                            url,
                        )
                    )
                else:
                    report.met += 1
    line_level = next((lv for lv in levels if lv.metric == Metric.LINE_COMPLETION), None)
    if line_level is not None:
        lines = Line.objects.filter(
            responsible=Responsible.SUPPLIER,
            responsible_supplier_id=contract.supplier_id,
            due__gte=since,
            due__lte=min(until, today),
        ).select_related("case")
        if app_ids:
            lines = lines.filter(application_id__in=app_ids)
        report = reports[line_level.pk]
        for line in lines:
            deadline = add_business_days(line.due, line_level.target, line.case.holiday_country)
            closed_on = timezone.localdate(line.closed_at) if line.closed_at else None
            finished = closed_on or today
            if closed_on is None and today <= deadline:
                continue  # still within its time
            report.measured += 1
            if finished > deadline:
                report.breaches.append(
                    Breach(
                        line.subject,
                        line.due,
                        float((finished - line.due).days),
                        line_level.target,
                        closed_on is None,
                        reverse("lifecycle:detail", kwargs={"pk": line.case_id}),
                    )
                )
            else:
                report.met += 1
    return [reports[lv.pk] for lv in levels]


# Review agendas ------------------------------------------------------------------------------------------------


def open_actions(supplier: Supplier) -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(supplier=supplier, closed_at__isnull=True).select_related(
        "owner_person", "review", "supplier"
    )


def actions_owed(actions: QuerySet[ActionItem], supplier_id: int) -> QuerySet[ActionItem]:
    """The open actions of `actions` that the supplier itself owes (its side), the soonest due first."""
    return actions.filter(supplier_id=supplier_id, owner_side=ActionOwner.THEIRS, closed_at__isnull=True).order_by(
        "due", "id"
    )


AGENDA_MIN_RATERS = 5


def review_agenda(*, supplier: Supplier, today: date) -> str:
    """The agenda of a review with `supplier`, generated from the data (docs/suppliers.md): open actions carried over,
    escalated questions against service levels, offboarding lines and their punctuality, contract deadlines in
    the next two quarters, releases, top wishes and skill gaps of its applications."""

    since = today - timedelta(days=91)
    sections: list[tuple[str, list[str]]] = []

    actions = [
        f"- {a.title} ({a.get_owner_side_display()}{', ' + a.owner_person.full_name if a.owner_person else ''}; "
        + _("due %(date)s") % {"date": short_date(a.due)}
        + (", " + _("overdue") if a.due < today else "")
        + ")"
        for a in open_actions(supplier)
    ]
    sections.append((_("Open actions carried over"), actions or [_("- none")]))

    questions = Question.objects.filter(supplier=supplier, escalated_at__date__gte=since)
    counts = questions.aggregate(
        total=Count("id"),
        still_open=Count("id", filter=Q(state__in=OPEN_STATES)),
        late=Count(
            "id", filter=Q(supplier_due_at__isnull=False, supplier_due_at__lt=timezone.now(), resolved_at__isnull=True)
        ),
    )
    lines_q = [
        "- "
        + _("%(total)d escalated since %(since)s, %(open)d still open, %(late)d past the resolution target")
        % {"total": counts["total"], "since": short_date(since), "open": counts["still_open"], "late": counts["late"]}
    ]
    for contract in supplier.contracts.prefetch_related("service_levels"):
        for report in service_level_report(contract, since=since, until=today):
            if report.measured:
                lines_q.append(
                    f"- {contract.title}: {report.level.get_metric_display()} "
                    + _("%(met)d of %(measured)d within %(target)s (%(percent)s%%, promised %(promised)d%%)")
                    % {
                        "met": report.met,
                        "measured": report.measured,
                        "target": report.level.target_text,
                        "percent": report.percent_met,
                        "promised": report.level.target_percent,
                    }
                )
    sections.append((_("Questions escalated and service levels"), lines_q))

    lines = Line.objects.filter(responsible=Responsible.SUPPLIER, responsible_supplier=supplier)
    # Open past their due date: every such line, whenever it was due (issue 23: the agenda said 0 of the quarter's
    # next to the 114 overdue the supplier's page lists); the same figure as the supplier's page.
    line_counts = lines.filter(due__gte=since).aggregate(
        total=Count("id"),
        on_time=Count("id", filter=Q(closed_at__isnull=False, closed_at__date__lte=F("due"))),
    )
    line_counts["open_late"] = supplier_lines_overdue(supplier, today=today)
    sections.append(
        (
            _("Offboarding lines assigned to the supplier"),
            [
                "- "
                + _("%(total)d due since %(since)s, %(on_time)d closed on time, %(late)d open past their due date")
                % {
                    "total": line_counts["total"],
                    "since": short_date(since),
                    "on_time": line_counts["on_time"],
                    "late": line_counts["open_late"],
                }
            ],
        )
    )

    horizon = today + timedelta(days=183)
    deadlines = [
        f"- {row.contract.title}: "
        + _("decide by %(decision)s, cancel by %(cancel)s (term ends %(end)s)")
        % {
            "decision": short_date(row.dates.decision_date) if row.dates.decision_date else "—",
            "cancel": short_date(row.dates.cancel_by) if row.dates.cancel_by else "—",
            "end": short_date(row.dates.current_term_end),
        }
        for row in contract_rows(supplier.contracts.all(), today=today)
        if row.dates.cancel_by is not None
        and row.dates.current_term_end <= horizon + timedelta(days=366)
        and (row.dates.decision_date or date.max) <= horizon
    ]
    sections.append((_("Contract deadlines in the next two quarters"), deadlines or [_("- none")]))

    processing = [
        f"- {gap.label}: {gap.subject}" + (f" ({gap.dated})" if gap.dated else "")
        for gap in processing_gaps(today=today, supplier_ids=[supplier.pk])
    ]
    sections.append((_("Personal data: agreements, oversight and sub-processors"), processing or [_("- none")]))

    apps = Application.objects.filter(supplier=supplier)
    releases = [
        f"- {r.application.name} {r.version}: {r.get_status_display()}"
        + (f", {r.went_live_on or r.planned_go_live}" if (r.went_live_on or r.planned_go_live) else "")
        for r in Release.objects.filter(application__in=apps)
        .filter(Q(went_live_on__isnull=True) | Q(went_live_on__gte=since))
        .exclude(status="cancelled")
        .select_related("application")[:20]
    ]
    sections.append((_("Releases"), releases or [_("- none")]))

    wishes = [
        f"- {w.application.name}: {w.title} ({w.votes})"
        # Only planned wishes: the supplier sees the agenda, and planned wishes are all it may see (wishes_scope).
        for w in Wish.objects.filter(application__in=apps, state=WishState.PLANNED)
        .select_related("application")
        .order_by("-votes", "-created_at")[:5]
    ]
    gaps = [
        "- "
        + _("%(app)s: %(wanting)d want training, average rating %(average)s")
        % {"app": row["application__name"], "wanting": row["wanting"], "average": round(row["average"], 1)}
        for row in SkillRating.objects.filter(application__in=apps)
        .values("application__name")
        .annotate(wanting=Count("id", filter=Q(wants_training=True)), average=Avg("rating"), raters=Count("id"))
        .order_by("-wanting")[:5]
        # Survey answers are shown to the supplier only for groups large enough to say nothing about anyone.
        if row["wanting"] and row["raters"] >= AGENDA_MIN_RATERS
    ]
    sections.append((_("Top wishes and skill gaps"), (wishes + gaps) or [_("- none")]))
    return "\n\n".join(f"{number}. {title}\n" + "\n".join(items) for number, (title, items) in enumerate(sections, 1))


def supplier_lines_overdue(supplier: Supplier, *, today: date) -> int:
    """The supplier's offboarding lines still open past their due date, whenever due: the one overdue figure of
    the supplier's page, its counts and the review agenda."""
    return Line.objects.filter(
        responsible=Responsible.SUPPLIER, responsible_supplier=supplier, state="open", due__lt=today
    ).count()


def supplier_counts(supplier: Supplier, *, today: date) -> dict[str, int]:
    """The portal's figures for one company: open lines, open escalated questions, contracts, open actions,
    upcoming reviews."""

    return {
        "lines_open": Line.objects.filter(
            responsible=Responsible.SUPPLIER, responsible_supplier=supplier, state="open"
        ).count(),
        "lines_overdue": supplier_lines_overdue(supplier, today=today),
        "questions_open": Question.objects.filter(supplier=supplier, state=QuestionState.ESCALATED).count(),
        "contracts": Contract.objects.filter(supplier=supplier).count(),
        "actions_open": ActionItem.objects.filter(supplier=supplier, closed_at__isnull=True).count(),
        "reviews_upcoming": Review.objects.filter(
            supplier=supplier, status="planned", starts_at__date__gte=today
        ).count(),
    }
