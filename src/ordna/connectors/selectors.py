"""Reads of connectors and the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from ordna.connectors.models import Action, Connector
from ordna.core import access
from ordna.lifecycle.models import Line, LineKind, LineState

if TYPE_CHECKING:
    from ordna.core.models import User


def actions_filter(actions: QuerySet[Action], *, state: str = "", application: str = "") -> QuerySet[Action]:
    """The outbox, newest first, with what a list shows in one query."""
    if state:
        actions = actions.filter(state=state)
    if application:
        actions = actions.filter(application__slug=application)
    return actions.select_related("application", "account", "account__person").order_by("-created_at", "-id")


def lines_disable_offered(user: User, lines: Sequence[Line]) -> set[int]:
    """The case page's open account lines whose account the user may disable through its application's
    connector (a line action of ordna.lifecycle.line_actions): one query, none without the capability."""
    if not access.can(user, "connectors.manage"):
        return set()
    wanted = [line for line in lines if line.kind == LineKind.ACCOUNT and line.state == LineState.OPEN]
    connected = set(
        Connector.objects.filter(application_id__in={line.application_id for line in wanted}).values_list(
            "application_id", flat=True
        )
    )
    return {line.pk for line in wanted if line.application_id in connected}
