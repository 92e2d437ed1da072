"""Reads about contracts: their dates and alerts, the export, reminder items, and which service level applies."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse

from ordna.suppliers.contract_dates import ContractDates, alert_stage
from ordna.suppliers.models import Contract, Metric, ServiceLevel

if TYPE_CHECKING:
    from ordna.applications.models import Application


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
    # The supplier whose own item this is: its contact and service desk addresses are reached too (issue 23).
    supplier_id: int | None = None


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


def user_ids_of_people(person_ids: Iterable[int | None]) -> dict[int, int]:
    """The active user of each of these people who has one: {person id: user id}."""
    from ordna.core.models import User

    ids = [p for p in person_ids if p is not None]
    return dict(User.objects.filter(person_id__in=ids, is_active=True).values_list("person_id", "id"))


def contract_reminders(today: date) -> list[ReminderItem]:
    """Reminder source: one item per contract in an alert stage without a decision, to its owner's user and the
    IT coordinators; it repeats (stage 0) once the decision date has passed, until a decision is recorded."""
    rows = contract_alerts(Contract.objects.all(), today=today)
    users = user_ids_of_people(r.contract.owner_id for r in rows)
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


# Service levels ------------------------------------------------------------------------------------------------


def applicable_level(levels: Iterable[ServiceLevel], *, metric: str, priority: str) -> ServiceLevel | None:
    """The level for `metric` at `priority` (the application's criticality), else the one for any priority."""
    matching = [lv for lv in levels if lv.metric == metric and lv.priority in (priority, "")]
    matching.sort(key=lambda lv: lv.priority == "")
    return matching[0] if matching else None


def covering_contract(*, application_id: int, supplier_id: int, on: date) -> Contract | None:
    """The supplier's contract that covers the application on `on` (the latest started, not expired): one that
    lists the application, or lists none (it covers all the supplier's applications)."""
    candidates = (
        Contract.objects.filter(supplier_id=supplier_id, start_date__lte=on)
        .filter(Q(applications__id=application_id) | Q(applications__isnull=True))
        .distinct()
        .prefetch_related("service_levels")
    )
    for contract in sorted(candidates, key=lambda c: (c.start_date, c.pk), reverse=True):
        if contract.dates(on).status != "expired":
            return contract
    return None


def question_service_level(
    *, application: Application, supplier_id: int, on: date, metric: str = Metric.RESOLUTION
) -> ServiceLevel | None:
    """THE rule for which service level applies to a question escalated on `on` (issue 23): the level for
    `metric` at the application's criticality (else for any priority) of the supplier's contract covering the
    application that day (`covering_contract`). The question's clock, its page, the contract's measured levels
    and the review agenda all use it, so a question counts against the same level everywhere."""
    contract = covering_contract(application_id=application.pk, supplier_id=supplier_id, on=on)
    if contract is None:
        return None
    return applicable_level(contract.service_levels.all(), metric=metric, priority=application.criticality)


def resolution_hours_for(*, application: Application, supplier_id: int, on: date) -> int | None:
    """The resolution target (business hours) of `question_service_level`, or None when no contract with a
    resolution level covers it (the caller falls back to the application's own setting)."""
    level = question_service_level(application=application, supplier_id=supplier_id, on=on)
    return level.target if level is not None else None


def quarter_start(today: date) -> date:
    """The first day of the quarter before `today`'s: what a quarterly review looks back on."""
    month = ((today.month - 1) // 3) * 3 + 1
    start = date(today.year, month, 1)
    previous = start - timedelta(days=1)
    return date(previous.year, ((previous.month - 1) // 3) * 3 + 1, 1)
