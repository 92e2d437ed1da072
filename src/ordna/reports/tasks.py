"""The schedule: the month-end figures written once a month is over, the monthly follow-up mailed on the
first business day of the month, and the evidence packs past their days deleted; and the job that builds an
evidence pack someone asked for."""

from __future__ import annotations

from django.utils import timezone
from huey.contrib.djhuey import db_periodic_task, db_task

from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.schedules import crontab_local
from ordna.reports import month_end
from ordna.reports.evidence_packs import evidence_pack_build, evidence_packs_expire
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


@db_task()
def evidence_pack_build_job(pack_id: int) -> str | None:
    """Builds the evidence pack asked for in the web or the API; a pack already claimed is left alone."""
    pack = evidence_pack_build(pack_id=pack_id)
    return pack.state if pack else None


@db_periodic_task(crontab_local(hour="3", minute="15"))
def evidence_packs_expire_daily() -> dict[str, int]:
    """Deletes the evidence packs (and ZIPs) older than ORDNA_EVIDENCE_PACK_DAYS, and marks failed the packs
    a stopped worker left building. Idempotent."""
    return evidence_packs_expire(now=timezone.now())
