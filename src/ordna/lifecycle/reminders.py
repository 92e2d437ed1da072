"""Offboarding's reminder source: every open line of an open case, for whoever is responsible for it.

Plugged into the reminder engine (ordna.notifications.sources); one query for all lines.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext_lazy as _

from ordna.lifecycle.models import Responsible
from ordna.lifecycle.selectors import open_lines_by_party
from ordna.notifications.ladder import OpenItem
from ordna.notifications.sources import SourceContext, reminder_kind, reminder_source

reminder_kind("line.account", _("Account to disable"))
reminder_kind("line.licence", _("Licence to remove"))
reminder_kind("line.device", _("Device to collect"))
reminder_kind("line.task", _("Leaver task"))

_PERSONAL = (Responsible.MANAGER, Responsible.OWNER, Responsible.EMPLOYEE)


@reminder_source("lifecycle.lines")
def open_lines(context: SourceContext) -> Iterator[OpenItem]:
    """Assignees: the responsible person's user (manager, owner, employee), the HR or IT coordinator role, or
    the supplier's staff. Leads: the responsible person's manager, else the role's lead (ORDNA_ROLE_LEADS)."""
    directory = context.directory
    rows = open_lines_by_party(due_on_or_before=context.horizon).values_list(
        "id",
        "case_id",
        "kind",
        "subject",
        "due",
        "responsible",
        "responsible_person_id",
        "responsible_supplier_id",
        "responsible_person__manager_id",
        "case__person__first_name",
        "case__person__last_name",
    )
    role_users = {role: directory.role(role) for role in (Responsible.HR, Responsible.COORDINATOR)}
    for line_id, case_id, kind, subject, due, role, person_id, supplier_id, manager_id, first, last in rows.iterator(
        chunk_size=5000
    ):
        if role in _PERSONAL:
            assignees = directory.person(person_id)
            leads = directory.person(manager_id) or directory.lead_of_role(role)
        elif role == Responsible.SUPPLIER:
            assignees = directory.supplier(supplier_id)
            leads = directory.lead_of_role(role)
        else:
            assignees = role_users.get(role, ())
            leads = directory.lead_of_role(role)
        yield OpenItem(
            key=f"line:{line_id}",
            source="lifecycle.lines",
            kind=f"line.{kind}",
            title=f"{subject} ({first} {last})",
            url=f"/cases/{case_id}/",
            due=due,
            assignees=assignees,
            leads=leads,
        )
