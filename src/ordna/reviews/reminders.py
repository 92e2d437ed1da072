"""The review actions' reminder source for ordna.notifications: open actions agreed at a review, as items due on
their due date; ours to the named person, the supplier's to its portal users (docs/suppliers.md).

The source keeps the name it had when reviews were part of the suppliers app ("suppliers.actions"): it is shown in
`ordna remind` and in the API's counts by source.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext_lazy as _

from ordna.notifications.ladder import OpenItem
from ordna.notifications.sources import SourceContext, reminder_kind, reminder_source
from ordna.reviews.selectors import review_action_reminders
from ordna.suppliers.reminders import reminder_assignees

reminder_kind("review_action", _("Review action"))


@reminder_source("suppliers.actions")
def review_actions(context: SourceContext) -> Iterator[OpenItem]:
    for item in review_action_reminders(context.today):
        if item.due > context.horizon:
            continue
        yield OpenItem(
            key=f"action:{item.key.split(':')[1]}",
            source="suppliers.actions",
            kind=item.kind,
            title=item.title,
            url=item.url,
            due=item.due,
            assignees=reminder_assignees(item, context),
            leads=context.directory.lead_of_role("coordinator"),
        )
