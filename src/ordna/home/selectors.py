"""Reads for the pages that compose several apps: the dashboard's figures and the list of users."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet, Sum

from ordna.accounts.scopes import accounts_scope
from ordna.applications.models import Application
from ordna.applications.scopes import applications_scope
from ordna.core import access
from ordna.core.models import Role, User
from ordna.devices.scopes import devices_scope
from ordna.people.scopes import people_scope
from ordna.people.selectors import status_counts
from ordna.reports.selectors import figures_at


def dashboard_figures(user: User, *, today: date) -> dict[str, Any]:
    """What the dashboard shows, each figure within the user's scope."""
    figures: dict[str, Any] = {}
    if access.can(user, "people.list"):
        people = people_scope(user)
        figures["status_counts"] = status_counts(people, today=today)
        figures["leavers_soon"] = list(
            people.filter(end_date__gte=today, end_date__lte=today + timedelta(days=30))
            .order_by("end_date", "last_name")
            .select_related("manager")[:25]
        )
        figures["leavers_soon_total"] = people.filter(
            end_date__gte=today, end_date__lte=today + timedelta(days=30)
        ).count()
    if access.can(user, "accounts.list"):
        if user.has_role(Role.ADMIN, Role.COORDINATOR, Role.AUDITOR):  # everything: the kept per-application counts
            sums = Application.objects.aggregate(
                active=Sum("accounts_active"), disabled=Sum("accounts_disabled"), gone=Sum("accounts_gone")
            )
            figures["accounts_active"] = sums["active"] or 0
            figures["accounts_total"] = sum(v or 0 for v in sums.values())
        else:
            accounts = accounts_scope(user)
            figures["accounts_total"] = accounts.count()
            figures["accounts_active"] = accounts.filter(status="active").count()
    if access.can(user, "devices.list"):
        devices = devices_scope(user)
        figures["devices_total"] = devices.count()
        figures["devices_issued"] = devices.filter(status="issued").count()
    if access.can(user, "reports.view"):
        # The four figures every surface shows, from the selectors of the apps that own their data.
        figures["now"] = figures_at([today])[today]
    if access.can(user, "applications.list"):
        figures["applications_total"] = applications_scope(user).count()
    if user.person_id is not None and people_scope(user).filter(pk=user.person_id).exists():
        figures["my_page"] = user.person.employee_id  # type: ignore[union-attr]
    if user.person_id is not None:
        figures["my_devices"] = list(devices_scope(user).filter(holder_id=user.person_id))
    return figures


def users_list() -> QuerySet[User]:
    return User.objects.select_related("person", "supplier").prefetch_related("roles").order_by("username")
