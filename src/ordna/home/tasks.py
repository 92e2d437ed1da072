"""The daily retention job (docs/privacy.md): it spans every app, so it lives in the composition on top."""

from __future__ import annotations

from huey.contrib.djhuey import db_periodic_task

from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.schedules import crontab_local
from ordna.home.retention import retention_run


@db_periodic_task(crontab_local(hour="2", minute="30"))
def retention_daily() -> list[str]:
    """At 02:30 (ORDNA_TIME_ZONE): erase the leavers past ORDNA_RETENTION_MONTHS, one person per transaction.
    Idempotent: a second run finds them erased already; an interrupted one is finished by the next."""
    return retention_run(today=today(), actor=Actor.system("retention")).erased
