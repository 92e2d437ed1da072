"""Reads for the audit log and the import history."""

from __future__ import annotations

from django.db.models import QuerySet

from ordna.core.models import AuditEvent, ImportRun


def audit_events() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.order_by("-seq")


def import_runs() -> QuerySet[ImportRun]:
    return ImportRun.objects.select_related("application").order_by("-started_at", "-id")
