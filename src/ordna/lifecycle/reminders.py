"""Offboarding's reminder source (every open line of an open case, for whoever is responsible for it) and its
calendar source (the last days of the leavers whose cases a user may see).

Plugged into the reminder engine (ordna.notifications.sources); one query for all lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ordna.lifecycle.by_link import LINE_LINK, doable_by_link
from ordna.lifecycle.models import CaseStatus, Responsible
from ordna.lifecycle.scopes import cases_scope
from ordna.lifecycle.selectors import open_lines_by_party
from ordna.notifications.calendar import CalendarEntry
from ordna.notifications.ladder import OpenItem
from ordna.notifications.sources import SourceContext, calendar_source, reminder_kind, reminder_source

if TYPE_CHECKING:
    from ordna.core.models import User

reminder_kind("line.account", _("Account to disable"))
reminder_kind("line.licence", _("Licence to remove"))
reminder_kind("line.device", _("Device to collect"))
reminder_kind("line.task", _("Leaver task"))

_PERSONAL = frozenset({Responsible.MANAGER.value, Responsible.OWNER.value, Responsible.EMPLOYEE.value})
_ROLES = frozenset({Responsible.HR.value, Responsible.COORDINATOR.value})  # reminded as a role


@reminder_source("lifecycle.lines")
def open_lines(context: SourceContext) -> Iterator[OpenItem]:
    """Assignees: the responsible person's address (manager, owner, employee: the user's or the HR file's), the
    HR or IT coordinator role (users and mailbox), or the supplier's staff. Leads: the responsible person's
    manager, else the role's lead (ORDNA_ROLE_LEADS). Tasks and devices to collect carry a signed link
    (by_link.py); account and licence lines close by proof, never by a link."""
    directory = context.directory
    rows = open_lines_by_party(due_on_or_before=context.horizon).values_list(
        "id",
        "case_id",
        "kind",
        "grant",
        "subject",
        "due",
        "responsible",
        "responsible_person_id",
        "responsible_supplier_id",
        "responsible_person__manager_id",
        "case__person__first_name",
        "case__person__last_name",
        "case__person__company_id",
    )
    # The HR and IT coordinator roles: the group's, and those limited to the leaver's company (docs/companies.md).
    role_users: dict[tuple[str, int], tuple[str, ...]] = {}
    by_link: dict[tuple[str, str, bool], str] = {}  # (kind, responsible, grant) -> the link's purpose or ""
    # The compiled query through a plain cursor: Django's per-row converters (SQLite returns dates as text)
    # cost more than the rest of the run; a few hundred distinct due dates are parsed once each.
    sql, params = rows.query.sql_with_params()
    dates: dict[Any, date] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(5000):
            for (
                line_id,
                case_id,
                kind,
                grant,
                subject,
                raw_due,
                role,
                person_id,
                supplier_id,
                manager_id,
                first,
                last,
                company_id,
            ) in chunk:
                due = dates.get(raw_due)
                if due is None:
                    due = dates[raw_due] = raw_due if isinstance(raw_due, date) else date.fromisoformat(raw_due)
                if role in _PERSONAL:
                    assignees = directory.person(person_id)
                    leads = directory.person(manager_id) or directory.lead_of_role(role)
                elif role == Responsible.SUPPLIER.value:
                    assignees = directory.supplier(supplier_id)
                    leads = directory.lead_of_role(role)
                else:
                    assignees = role_users.get((role, company_id), ())
                    if (role, company_id) not in role_users and role in _ROLES:
                        assignees = role_users[(role, company_id)] = directory.role_in(role, company_id)
                    leads = directory.lead_of_role(role)
                action = by_link.get((kind, role, grant))
                if action is None:
                    doable = doable_by_link(kind=kind, responsible=role, grant=bool(grant))
                    action = by_link[(kind, role, grant)] = LINE_LINK if doable else ""
                yield OpenItem(
                    key=f"line:{line_id}",
                    source="lifecycle.lines",
                    kind=f"line.{kind}",
                    title=f"{subject} ({first} {last})",
                    url=f"/cases/{case_id}/",
                    due=due,
                    assignees=assignees,
                    leads=leads,
                    action=action,
                    target=line_id,
                )


@calendar_source("lifecycle.last_days")
def last_days(user: User, today: date) -> Iterator[CalendarEntry]:
    """The effective date of every open case the user may see, one query."""
    cases = (
        cases_scope(user)
        .filter(status=CaseStatus.OPEN)
        .values_list("id", "effective_date", "person__first_name", "person__last_name")
    )
    for pk, last_day, first, last in cases:
        yield CalendarEntry(
            f"case:{pk}",
            last_day,
            str(gettext("Last day: %(name)s") % {"name": f"{first} {last}"}),
            f"{settings.BASE_URL}/cases/{pk}/",
        )
