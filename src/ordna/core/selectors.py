"""Reads for the audit log, the import history and the API tokens."""

from __future__ import annotations

from django.db.models import QuerySet

from ordna.core.models import ApiToken, AuditEvent, ImportRun, User


def audit_events() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.order_by("-seq")


def import_runs() -> QuerySet[ImportRun]:
    return ImportRun.objects.select_related("application").order_by("-started_at", "-id")


def api_tokens(*, user: User | None = None) -> QuerySet[ApiToken]:
    """API tokens, newest first; of one user when given."""
    tokens = ApiToken.objects.select_related("user").order_by("-created_at", "-id")
    return tokens.filter(user=user) if user is not None else tokens
