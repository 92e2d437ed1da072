"""Schedules of the reminder engine: the daily run at ORDNA_REMIND_HOUR (organisation's time zone) and the
sending of due digests, retries included. Both are idempotent and safe on several workers."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from huey.contrib.djhuey import db_periodic_task, db_task

from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.schedules import crontab_local
from ordna.notifications.models import ReminderRun
from ordna.notifications.services import digests_send_due, reminders_run


def reminders_if_due() -> dict[str, int]:
    """Run the day's reminders once the reminder hour has come (in TIME_ZONE, whatever the worker's clock
    zone), then send what is due. The scheduled run claims its day, so only one worker plans it."""
    claimed = 0
    if timezone.localtime().hour >= settings.ORDNA_REMIND_HOUR:
        result = reminders_run(actor=Actor.system("reminders"), today=today(), trigger=ReminderRun.Trigger.SCHEDULE)
        claimed = result.created
    return {"claimed": claimed, **digests_send_due()}


@db_periodic_task(crontab_local(minute="*/5"))
def reminders_tick() -> dict[str, int]:
    """Every five minutes: the daily run when its hour has come, and due digests (new ones and retries)."""
    return reminders_if_due()


@db_task()
def reminders_run_now(*, actor_ref: str, actor_label: str) -> dict[str, int]:
    """Run the reminders now for someone who asked in the web or the API, then send."""
    result = reminders_run(
        actor=Actor(ref=actor_ref, label=actor_label), today=today(), trigger=ReminderRun.Trigger.WEB
    )
    return {"claimed": result.created, **digests_send_due()}
