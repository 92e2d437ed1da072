"""Schedules: pull the connectors that are due, put leavers' accounts in the outbox, run the outbox."""

from __future__ import annotations

import logging

from django.utils import timezone
from huey.contrib.djhuey import db_periodic_task, db_task

from ordna.applications.models import Application
from ordna.connectors import deprovisioning, services
from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.schedules import crontab_local

log = logging.getLogger(__name__)


@db_periodic_task(crontab_local(minute="*/15"))
def connectors_tick() -> dict[str, int]:
    """Idempotent and safe on several workers: syncs are atomic imports, outbox actions are claimed with one
    conditional update, and one live action per account is a database constraint."""
    actor = Actor.system("schedule")
    synced = 0
    for connector in services.connectors_due_for_sync(now=timezone.now()):
        result = services.connector_sync(application=connector.application, actor=actor, today=today())
        synced += int(result.outcome == "applied")
        if result.errors:
            log.warning("sync of %s failed: %s", connector.application.slug, result.errors[0])
    enqueued = deprovisioning.leavers_enqueue(actor=actor, today=today())
    ran = deprovisioning.outbox_run(actor=actor, today=today())
    return {"synced": synced, **enqueued, **ran}


@db_task()
def connector_sync_now(application_id: int, actor_ref: str, actor_label: str) -> str:
    """The web's "sync now", in the background (a directory of a million accounts takes a while)."""
    application = Application.objects.get(pk=application_id)
    result = services.connector_sync(
        application=application, actor=Actor(ref=actor_ref, label=actor_label), today=today()
    )
    return str(result.outcome)
