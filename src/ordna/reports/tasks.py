"""The schedule: the monthly follow-up mailed on the first business day of the month."""

from __future__ import annotations

from huey.contrib.djhuey import db_periodic_task

from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.schedules import crontab_local
from ordna.reports.services import monthly_mail_send


@db_periodic_task(crontab_local(hour="7", minute="0"))
def monthly_report_mail() -> str | None:
    """Runs every morning and mails only on the first business day; idempotent (the month is claimed once)."""
    mailing = monthly_mail_send(today=today(), actor=Actor.system("monthly report"))
    return mailing.month.isoformat() if mailing else None
