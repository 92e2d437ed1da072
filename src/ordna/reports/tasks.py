"""The schedule: the month-end figures written once a month is over, and the monthly follow-up mailed on the
first business day of the month."""

from __future__ import annotations

from huey.contrib.djhuey import db_periodic_task

from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.schedules import crontab_local
from ordna.reports import month_end
from ordna.reports.services import monthly_mail_send


@db_periodic_task(crontab_local(hour="7", minute="0"))
def monthly_report_mail() -> str | None:
    """Runs every morning and mails only on the first business day; idempotent (the month is claimed once)."""
    mailing = monthly_mail_send(today=today(), actor=Actor.system("monthly report"))
    return mailing.month.isoformat() if mailing else None


@db_periodic_task(crontab_local(hour="2", minute="30"))
def month_end_figures_daily() -> int:
    """Writes the figures of the last 12 months that are over and not written yet (the day after a month ends,
    that month); a month already written is left alone (`ordna report rebuild` writes one again)."""
    return month_end.write_missing(today=today())
