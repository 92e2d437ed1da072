"""The daily job: apply the opening rules (cases come within the lead time as days pass)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.lifecycle.services import cases_open_due


@db_periodic_task(crontab(hour="5", minute="30"))
def cases_open_daily() -> dict[str, int]:
    """Idempotent: a second run on the same day (or on a second worker) opens nothing more, and the
    one-open-case-per-person constraint refuses a duplicate should two runs overlap."""
    return cases_open_due(actor=Actor.system("daily"), today=today()).counts()
