"""Reads of connectors and the outbox."""

from __future__ import annotations

from django.db.models import QuerySet

from ordna.connectors.models import Action


def actions_filter(actions: QuerySet[Action], *, state: str = "", application: str = "") -> QuerySet[Action]:
    """The outbox, newest first, with what a list shows in one query."""
    if state:
        actions = actions.filter(state=state)
    if application:
        actions = actions.filter(application__slug=application)
    return actions.select_related("application", "account", "account__person").order_by("-created_at", "-id")
