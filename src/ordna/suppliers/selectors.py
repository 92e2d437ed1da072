"""Reads about suppliers: contract dates and alerts, reminder items, measured service levels, review agendas."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ordna.suppliers.contract_dates import ContractDates, alert_stage
from ordna.suppliers.models import ActionItem, ActionOwner, Contract, Metric, Review, ServiceLevel, Supplier


@dataclass(frozen=True)
class ReminderItem:
    """One thing the reminder engine should chase: plain data, so the engine (ordna.notifications) can register
    these selectors as sources without knowing suppliers.

    `key` is stable per item and stage, so the engine sends it once per stage and, at stage 0 (overdue), once a
    day until it disappears (a decision recorded, the action closed). Recipients are user ids, a role, or both.
    """

    key: str
    kind: str
    recipient_user_ids: tuple[int, ...]
    recipient_role: str
    due: date
    title: str
    url: str
    stage: int | None = None


@dataclass(frozen=True)
class ContractRow:
    """A contract with its dates today, its alert stage (None: no alert) and whether its term is decided."""

    contract: Contract
    dates: ContractDates
    stage: int | None
    decided: bool

    @property
    def alert(self) -> bool:
        return self.stage is not None and not self.decided


def _decided_terms(contract_ids: Iterable[int]) -> set[tuple[int, int]]:
    from ordna.suppliers.models import ContractDecision

    return set(
        ContractDecision.objects.filter(contract_id__in=list(contract_ids)).values_list("contract_id", "term_number")
    )


def contract_rows(
    contracts: QuerySet[Contract], *, today: date, stages: tuple[int, ...] | None = None
) -> list[ContractRow]:
    """Every contract of `contracts` with its dates on `today` (two queries, whatever the number)."""
    stages = stages or settings.ORDNA_CONTRACT_ALERT_STAGES
    items = list(contracts.select_related("supplier", "owner"))
    decided = _decided_terms(c.pk for c in items)
    rows = []
    for contract in items:
        dates = contract.dates(today)
        stage = alert_stage(dates.decision_date, today=today, stages=stages) if dates.decision_date else None
        rows.append(ContractRow(contract, dates, stage, (contract.pk, dates.current_term.number) in decided))
    return rows


def contract_alerts(contracts: QuerySet[Contract], *, today: date) -> list[ContractRow]:
    """The contracts whose decision date is within an alert stage (or past) with no decision recorded for the
    current term, soonest decision date first."""
    rows = [r for r in contract_rows(contracts, today=today) if r.alert]
    return sorted(rows, key=lambda r: (r.dates.decision_date or date.max, r.contract.pk))


CONTRACT_EXPORT_COLUMNS = (
    "supplier",
    "title",
    "current_term_start",
    "current_term_end",
    "cancel_by",
    "decision_date",
    "status",
)


def status_for_supplier(status: str) -> str:
    """A supplier's own users see the contract's state, not that we are deliberating: "decision_due" is ours."""
    return "active" if status == "decision_due" else status


def contracts_export_rows(
    contracts: QuerySet[Contract], *, today: date, internal: bool = True
) -> Iterator[dict[str, Any]]:
    """The rows of `ordna export contracts`: `{supplier, title, current_term_start, current_term_end, cancel_by,
    decision_date, status}`."""
    for row in contract_rows(contracts.order_by("supplier__name", "title"), today=today):
        yield {
            "supplier": row.contract.supplier.name,
            "title": row.contract.title,
            "current_term_start": row.dates.current_term_start,
            "current_term_end": row.dates.current_term_end,
            "cancel_by": row.dates.cancel_by,
            "decision_date": row.dates.decision_date if internal else None,
            "status": row.dates.status if internal else status_for_supplier(row.dates.status),
        }


def _user_ids_of_people(person_ids: Iterable[int | None]) -> dict[int, int]:
    from ordna.core.models import User

    ids = [p for p in person_ids if p is not None]
    return dict(User.objects.filter(person_id__in=ids, is_active=True).values_list("person_id", "id"))


def contract_reminders(today: date) -> list[ReminderItem]:
    """Reminder source: one item per contract in an alert stage without a decision, to its owner's user and the
    IT coordinators; it repeats (stage 0) once the decision date has passed, until a decision is recorded."""
    rows = contract_alerts(Contract.objects.all(), today=today)
    users = _user_ids_of_people(r.contract.owner_id for r in rows)
    items = []
    for row in rows:
        contract, dates = row.contract, row.dates
        owner_user = users.get(contract.owner_id) if contract.owner_id else None
        items.append(
            ReminderItem(
                key=f"contract:{contract.pk}:term:{dates.current_term.number}:stage:{row.stage}",
                kind="contract_decision",
                recipient_user_ids=(owner_user,) if owner_user else (),
                recipient_role="coordinator",
                due=dates.decision_date or today,
                title=f"{contract.supplier.name}: {contract.title}",
                url=reverse("suppliers:contract_detail", kwargs={"pk": contract.pk}),
                stage=row.stage,
            )
        )
    return items


def review_action_reminders(today: date, *, days_ahead: int | None = None) -> list[ReminderItem]:
    """Reminder source: open review actions due within `days_ahead` days (ORDNA_ACTION_REMINDER_DAYS) or overdue;
    ours go to the named person's user, the supplier's to the company's portal users."""
    from ordna.core.models import User

    ahead = settings.ORDNA_ACTION_REMINDER_DAYS if days_ahead is None else days_ahead
    actions = list(
        ActionItem.objects.filter(closed_at__isnull=True, due__lte=today + timedelta(days=ahead)).select_related(
            "supplier"
        )
    )
    people = _user_ids_of_people(a.owner_person_id for a in actions)
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
        else:
            recipients, role = tuple(sorted(supplier_users.get(action.supplier_id, []))), ""
        stage = 0 if action.due < today else max((action.due - today).days, 0)
        items.append(
            ReminderItem(
                key=f"action:{action.pk}:{'overdue' if stage == 0 and action.due < today else 'due'}",
                kind="review_action",
                recipient_user_ids=recipients,
                recipient_role=role,
                due=action.due,
                title=f"{action.supplier.name}: {action.title}",
                url=reverse("suppliers:review_detail", kwargs={"pk": action.review_id}),
                stage=stage,
            )
        )
    return sorted(items, key=lambda i: (i.due, i.key))


# Service levels ------------------------------------------------------------------------------------------------


def applicable_level(levels: Iterable[ServiceLevel], *, metric: str, priority: str) -> ServiceLevel | None:
    """The level for `metric` at `priority` (the application's criticality), else the one for any priority."""
    matching = [lv for lv in levels if lv.metric == metric and lv.priority in (priority, "")]
    matching.sort(key=lambda lv: lv.priority == "")
    return matching[0] if matching else None


def covering_contract(*, application_id: int, supplier_id: int, on: date) -> Contract | None:
    """The supplier's contract that covers the application on `on` (the latest started, not expired)."""
    candidates = Contract.objects.filter(
        supplier_id=supplier_id, applications__id=application_id, start_date__lte=on
    ).prefetch_related("service_levels")
    for contract in sorted(candidates, key=lambda c: (c.start_date, c.pk), reverse=True):
        if contract.dates(on).status != "expired":
            return contract
    return None


def resolution_hours_for(*, application: Any, supplier_id: int, on: date) -> int | None:
    """The resolution target (business hours) of the contract covering `application`, or None when no contract
    with a resolution level covers it (the caller falls back to the application's own setting)."""
    contract = covering_contract(application_id=application.pk, supplier_id=supplier_id, on=on)
    if contract is None:
        return None
    level = applicable_level(contract.service_levels.all(), metric=Metric.RESOLUTION, priority=application.criticality)
    return level.target if level is not None else None


@dataclass
class Breach:
    """One measurement that missed its target: what, when, how long (hours or days) against the target."""

    subject: str
    started: date
    measured: float
    target: int
    running: bool
    url: str


@dataclass
class LevelReport:
    level: ServiceLevel
    measured: int = 0
    met: int = 0
    breaches: list[Breach] = field(default_factory=list)

    @property
    def percent_met(self) -> float | None:
        return round(100 * self.met / self.measured, 1) if self.measured else None

    @property
    def achieved(self) -> bool | None:
        return None if self.percent_met is None else self.percent_met >= self.level.target_percent


def service_level_report(
    contract: Contract, *, since: date, until: date, now: datetime | None = None
) -> list[LevelReport]:
    """Each service level of `contract` measured over [since, until]: questions escalated to the supplier for
    the covered applications (first response and resolution, in business hours) and offboarding lines assigned
    to the supplier and due in the period (business days late). Running clocks count once they are over."""
    from ordna.core.business_days import add_business_days
    from ordna.lifecycle.models import Line, Responsible
    from ordna.support.clocks import business_seconds
    from ordna.support.selectors import business_calendar, question_clocks

    now = now or timezone.now()
    today = timezone.localdate(now)
    levels = list(contract.service_levels.all())
    reports = {lv.pk: LevelReport(lv) for lv in levels}
    app_ids = list(contract.applications.values_list("id", flat=True))
    question_levels = [lv for lv in levels if lv.metric in (Metric.FIRST_RESPONSE, Metric.RESOLUTION)]
    if question_levels:
        from ordna.support.models import Question

        questions = Question.objects.filter(
            supplier_id=contract.supplier_id,
            escalated_at__date__gte=since,
            escalated_at__date__lte=until,
        ).select_related("application")
        if app_ids:
            questions = questions.filter(application_id__in=app_ids)
        calendar = business_calendar(since.year, now.year + 1)
        for question in questions.prefetch_related("events"):
            url = reverse("support:question_detail", kwargs={"pk": question.pk})
            escalated = question.escalated_at
            assert escalated is not None  # noqa: S101 - filtered above
            for metric in (Metric.FIRST_RESPONSE, Metric.RESOLUTION):
                level = applicable_level(question_levels, metric=metric, priority=question.application.criticality)
                if level is None:
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


def quarter_start(today: date) -> date:
    """The first day of the quarter before `today`'s: what a quarterly review looks back on."""
    month = ((today.month - 1) // 3) * 3 + 1
    start = date(today.year, month, 1)
    previous = start - timedelta(days=1)
    return date(previous.year, ((previous.month - 1) // 3) * 3 + 1, 1)


# Review agendas ------------------------------------------------------------------------------------------------


def open_actions(supplier: Supplier) -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(supplier=supplier, closed_at__isnull=True).select_related("owner_person", "review")


AGENDA_MIN_RATERS = 5


def review_agenda(*, supplier: Supplier, today: date) -> str:
    """The agenda of a review with `supplier`, generated from the data (DESIGN.md 3.5): open actions carried over,
    escalated questions against service levels, offboarding lines and their punctuality, contract deadlines in
    the next two quarters, releases, top wishes and skill gaps of its applications."""
    from ordna.applications.models import Application
    from ordna.lifecycle.models import Line, Responsible
    from ordna.support.models import OPEN_STATES, Question, SkillRating, Wish, WishState

    since = today - timedelta(days=91)
    sections: list[tuple[str, list[str]]] = []

    actions = [
        f"- {a.title} ({a.get_owner_side_display()}{', ' + a.owner_person.full_name if a.owner_person else ''}; "
        + _("due %(date)s") % {"date": a.due.isoformat()}
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
        % {"total": counts["total"], "since": since.isoformat(), "open": counts["still_open"], "late": counts["late"]}
    ]
    for contract in supplier.contracts.prefetch_related("service_levels"):
        for report in service_level_report(contract, since=since, until=today):
            if report.measured:
                lines_q.append(
                    f"- {contract.title}: {report.level.get_metric_display()} "
                    + _("%(met)d of %(measured)d within %(target)d (%(percent)s%%, promised %(promised)d%%)")
                    % {
                        "met": report.met,
                        "measured": report.measured,
                        "target": report.level.target,
                        "percent": report.percent_met,
                        "promised": report.level.target_percent,
                    }
                )
    sections.append((_("Questions escalated and service levels"), lines_q))

    lines = Line.objects.filter(responsible=Responsible.SUPPLIER, responsible_supplier=supplier, due__gte=since)
    line_counts = lines.aggregate(
        total=Count("id"),
        on_time=Count("id", filter=Q(closed_at__isnull=False, closed_at__date__lte=F("due"))),
        open_late=Count("id", filter=Q(state="open", due__lt=today)),
    )
    sections.append(
        (
            _("Offboarding lines assigned to the supplier"),
            [
                "- "
                + _("%(total)d due since %(since)s, %(on_time)d closed on time, %(late)d open past their due date")
                % {
                    "total": line_counts["total"],
                    "since": since.isoformat(),
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
            "decision": row.dates.decision_date.isoformat() if row.dates.decision_date else "—",
            "cancel": row.dates.cancel_by.isoformat() if row.dates.cancel_by else "—",
            "end": row.dates.current_term_end.isoformat(),
        }
        for row in contract_rows(supplier.contracts.all(), today=today)
        if row.dates.cancel_by is not None
        and row.dates.current_term_end <= horizon + timedelta(days=366)
        and (row.dates.decision_date or date.max) <= horizon
    ]
    sections.append((_("Contract deadlines in the next two quarters"), deadlines or [_("- none")]))

    apps = Application.objects.filter(supplier=supplier)
    from ordna.releases.models import Release

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


def supplier_counts(supplier: Supplier, *, today: date) -> dict[str, int]:
    """The portal's figures for one company: open lines, open escalated questions, contracts, open actions,
    upcoming reviews."""
    from ordna.lifecycle.models import Line, Responsible
    from ordna.support.models import Question, QuestionState

    return {
        "lines_open": Line.objects.filter(
            responsible=Responsible.SUPPLIER, responsible_supplier=supplier, state="open"
        ).count(),
        "questions_open": Question.objects.filter(supplier=supplier, state=QuestionState.ESCALATED).count(),
        "contracts": Contract.objects.filter(supplier=supplier).count(),
        "actions_open": ActionItem.objects.filter(supplier=supplier, closed_at__isnull=True).count(),
        "reviews_upcoming": Review.objects.filter(
            supplier=supplier, status="planned", starts_at__date__gte=today
        ).count(),
    }
