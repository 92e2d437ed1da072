"""The lifecycle's jobs: apply the opening rules daily (cases come within the lead time as days pass), and send
the suppliers' service desks their mails."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from huey.contrib.djhuey import db_periodic_task

from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.schedules import crontab_local
from ordna.lifecycle.service_desk import supplier_requests_open, supplier_requests_send_due
from ordna.lifecycle.services import cases_open_due


@db_periodic_task(crontab_local(hour="5", minute="30"))
def cases_open_daily() -> dict[str, int]:
    """Idempotent: a second run on the same day (or on a second worker) opens nothing more, and the
    one-open-case-per-person constraint refuses a duplicate should two runs overlap."""
    return cases_open_due(actor=Actor.system("daily"), today=today()).counts()


@db_periodic_task(crontab_local(minute="*/5"))
def service_desk_tick() -> dict[str, int]:
    """Every five minutes, from the reminder hour on: the day's service-desk mails (each made once a day at
    most, so later ticks find nothing new), then whatever is due to be sent, retries included."""
    opened = 0
    if timezone.localtime().hour >= settings.ORDNA_REMIND_HOUR:
        opened = len(supplier_requests_open(today=today(), actor=Actor.system("service desk")))
    return {"opened": opened, **supplier_requests_send_due()}
