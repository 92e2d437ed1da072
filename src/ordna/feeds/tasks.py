"""The worker runs the due feeds every minute; several workers claim each feed once (ordna.feeds.services)."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.feeds.services import feeds_run_due


@db_periodic_task(crontab(minute="*"))
def feeds_tick() -> dict[str, int]:
    """Idempotent: a feed not due, or held by another worker, is left alone."""
    return feeds_run_due(actor=Actor.system("feeds"), today=today(), now=timezone.now())
