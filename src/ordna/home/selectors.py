"""Reads for the pages that compose several apps: the dashboard's figures and the list of users."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import QuerySet, Sum

from ordna.accounts.scopes import accounts_scope
from ordna.applications.models import Application
from ordna.applications.scopes import applications_scope
from ordna.core import access
from ordna.core.data_version import cached, cached_count, cached_over
from ordna.core.models import Role, User
from ordna.devices.scopes import devices_scope
from ordna.feeds.selectors import stale_sources
from ordna.lifecycle.models import Line
from ordna.lifecycle.selectors import my_tasks
from ordna.people.scopes import people_scope
from ordna.people.selectors import status_counts
from ordna.reports.selectors import figures_at
from ordna.reviews.models import ActionItem
from ordna.reviews.scopes import actions_scope
from ordna.reviews.selectors import actions_owed
from ordna.suppliers.scopes import contracts_scope
from ordna.suppliers.selectors import ContractRow, contract_rows
from ordna.support.clocks import ClockReading
from ordna.support.models import Question
from ordna.support.scopes import questions_scope
from ordna.support.selectors import question_clocks, questions_escalated_to


def dashboard_figures(user: User, *, today: date) -> dict[str, Any]:
    """What the dashboard shows, each figure within the user's scope."""
    figures: dict[str, Any] = {}
    if access.can(user, "people.list"):
        people = people_scope(user)
        # Counted once per data version (ordna.core.data_version), as every figure over a whole table here.
        figures["status_counts"] = cached_over(
            people, f"status_counts:{today}", lambda: status_counts(people, today=today)
        )
        figures["leavers_soon"] = list(
            people.filter(end_date__gte=today, end_date__lte=today + timedelta(days=30))
            .order_by("end_date", "last_name")
            .select_related("manager")[:25]
        )
        figures["leavers_soon_total"] = cached_count(
            people.filter(end_date__gte=today, end_date__lte=today + timedelta(days=30))
        )
    if access.can(user, "accounts.list"):
        # Everything for the whole group: the kept per-application counts.
        if user.has_role(Role.ADMIN, Role.COORDINATOR, Role.AUDITOR) and user.company_ids is None:
            sums = Application.objects.aggregate(
                active=Sum("accounts_active"), disabled=Sum("accounts_disabled"), gone=Sum("accounts_gone")
            )
            figures["accounts_active"] = sums["active"] or 0
            figures["accounts_total"] = sum(v or 0 for v in sums.values())
        else:
            accounts = accounts_scope(user)
            figures["accounts_total"] = cached_count(accounts)
            figures["accounts_active"] = cached_count(accounts.filter(status="active"))
    if access.can(user, "devices.list"):
        devices = devices_scope(user)
        figures["devices_total"] = cached_count(devices)
        figures["devices_issued"] = cached_count(devices.filter(status="issued"))
    if access.can(user, "reports.view"):
        # The four figures every surface shows, from the selectors of the apps that own their data.
        companies = user.company_ids
        figures["now"] = cached(
            ("figures_at", today, None if companies is None else sorted(companies)),
            lambda: figures_at([today], company=companies)[today],
        )
    if access.can(user, "feeds.view"):
        figures["stale_sources"] = stale_sources(day=today)
    if access.can(user, "applications.list"):
        figures["applications_total"] = applications_scope(user).count()
    if user.person_id is not None and people_scope(user).filter(pk=user.person_id).exists():
        figures["my_page"] = user.person.employee_id  # type: ignore[union-attr]
    if user.person_id is not None:
        figures["my_devices"] = list(devices_scope(user).filter(holder_id=user.person_id))
    return figures


SHOWN = 10  # rows of each kind of work on the start page; the count links to the whole list
CONTRACT_HORIZON_DAYS = 183  # contract dates this far ahead are worth a supplier's attention


@dataclass(frozen=True)
class SupplierWork:
    """What a supplier's company has open in Ordna, for its users' start page: lines to close (accounts to
    disable), questions escalated to it with their clocks, review actions it owes, and contract dates ahead."""

    lines: list[Line]
    lines_total: int
    lines_overdue: int
    questions: list[tuple[Question, ClockReading | None]]
    questions_total: int
    questions_overdue: int
    actions: list[ActionItem]
    actions_total: int
    actions_overdue: int
    contracts: list[ContractRow]


def supplier_work(user: User, *, today: date, now: datetime) -> SupplierWork | None:
    """The open work of the supplier `user` works for, each part from its own app's selectors and scopes; None
    for a user of the organisation."""
    if user.supplier_id is None:
        return None
    lines = my_tasks(user)
    questions = questions_escalated_to(questions_scope(user), user.supplier_id)
    actions = actions_owed(actions_scope(user), user.supplier_id)
    horizon = today + timedelta(days=CONTRACT_HORIZON_DAYS)
    contracts = [
        row
        for row in contract_rows(contracts_scope(user), today=today)
        if today <= row.dates.current_term_end <= horizon
        or (row.dates.cancel_by is not None and today <= row.dates.cancel_by <= horizon)
    ]
    contracts.sort(key=lambda row: (row.dates.current_term_end, row.contract.title))
    return SupplierWork(
        lines=list(lines[:SHOWN]),
        lines_total=cached_count(lines),
        lines_overdue=cached_count(lines.filter(due__lt=today)),
        questions=[(q, question_clocks(q, now=now).supplier) for q in questions.prefetch_related("events")[:SHOWN]],
        questions_total=cached_count(questions),
        questions_overdue=questions.filter(supplier_due_at__lt=now).count(),  # `now` differs per request: not cached
        actions=list(actions[:SHOWN]),
        actions_total=cached_count(actions),
        actions_overdue=cached_count(actions.filter(due__lt=today)),
        contracts=contracts,
    )


def users_list() -> QuerySet[User]:
    return User.objects.select_related("person", "supplier").prefetch_related("roles", "companies").order_by("username")
