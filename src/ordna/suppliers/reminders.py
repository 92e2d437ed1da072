"""The contracts' reminder source for ordna.notifications: contract decisions.

A contract in an alert stage (by default 180, 90, 30 and 7 days before its decision date) is announced on the
first business day of each stage, reminded again in the days just before the decision date, and once the
date has passed it is overdue every day, climbing the ladder (manager or role lead, then the IT
coordinators), until a decision is recorded (docs/suppliers.md). The review actions' source is the reviews app's.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ordna.core.business_days import next_business_day
from ordna.notifications.ladder import OpenItem
from ordna.notifications.sources import SourceContext, reminder_kind, reminder_source
from ordna.suppliers.processing_gaps import OVERSIGHT_NOTICE_DAYS, processor_reminders
from ordna.suppliers.selectors import ReminderItem, contract_reminders

reminder_kind("contract_decision", _("Contract decision"))


def reminder_assignees(item: ReminderItem, context: SourceContext) -> tuple[str, ...]:
    """The item's users, the holders of its role and, for a supplier's own item, the supplier's contact and service
    desk addresses, once each (their addresses)."""
    role = context.directory.role(item.recipient_role) if item.recipient_role else ()
    desk = context.directory.supplier_desk(item.supplier_id)
    return tuple(sorted({*context.directory.users(item.recipient_user_ids), *role, *desk}))


@reminder_source("suppliers.contracts")
def contract_decisions(context: SourceContext) -> Iterator[OpenItem]:
    country = settings.ORDNA_HOLIDAY_COUNTRY
    for item in contract_reminders(context.today):
        if item.stage and item.due > context.horizon:
            # Between stages: announced on the stage's first business day only.
            if context.today != next_business_day(item.due - timedelta(days=item.stage), country):
                continue
            due = context.today
        else:
            due = item.due  # close to or past the decision date: the ladder takes over
        yield OpenItem(
            key=f"contract:{item.key.split(':')[1]}",
            source="suppliers.contracts",
            kind=item.kind,
            title=item.title,
            url=item.url,
            due=due,
            assignees=reminder_assignees(item, context),
            leads=context.directory.lead_of_role("coordinator"),
        )


reminder_kind("processor_oversight", _("Oversight of a processor"))
reminder_kind("subprocessor_decision", _("Sub-processor to accept or object to"))


@reminder_source("suppliers.processors")
def processor_items(context: SourceContext) -> Iterator[OpenItem]:
    """Oversights falling due and announced sub-processors, to the agreement's responsible person and the IT
    coordinators: announced once ahead (an oversight 30 days before, a sub-processor on the day it is announced),
    then chased by the ladder from a few days before the date until it is recorded or decided."""
    country = settings.ORDNA_HOLIDAY_COUNTRY
    for item in processor_reminders(context.today):
        due = item.due
        if item.due > context.horizon:
            if item.kind == "processor_oversight":
                first = next_business_day(item.due - timedelta(days=OVERSIGHT_NOTICE_DAYS), country)
            else:
                first = next_business_day(item.announced_on or context.today, country)
            if context.today != first:
                continue
            due = context.today
        people = context.directory.person(item.responsible_id)
        yield OpenItem(
            key=item.key,
            source="suppliers.processors",
            kind=item.kind,
            title=item.title,
            url=item.url,
            due=due,
            assignees=tuple(sorted({*people, *context.directory.role("coordinator")})),
            leads=context.directory.lead_of_role("coordinator"),
        )
