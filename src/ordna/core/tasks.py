"""The schedules of core: checkpoints of the audit chain's head (daily and after imports, mailed if asked), and the
worker's heartbeat that `/readyz` reads."""

from __future__ import annotations

from django.utils import timezone
from huey.contrib.djhuey import db_periodic_task

from ordna.core.audit_checkpoints import checkpoint_if_due, checkpoints_mail_pending
from ordna.core.heartbeat import heartbeat_beat
from ordna.core.schedules import crontab_local


@db_periodic_task(crontab_local(minute="*/15"))
def audit_checkpoint_tick() -> int | None:
    """Every quarter hour: a checkpoint when one is due, then mail what was not mailed yet. Safe on several
    workers: the checkpoint file is locked while one decides and writes, and a second finds nothing due."""
    checkpoint = checkpoint_if_due(now=timezone.now())
    checkpoints_mail_pending()
    return checkpoint.seq if checkpoint else None


@db_periodic_task(crontab_local(minute="*"))
def worker_heartbeat() -> None:
    """Every minute: the time, for `/readyz` to see that a worker runs the schedule (ordna.core.heartbeat)."""
    heartbeat_beat(now=timezone.now())
