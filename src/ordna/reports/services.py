"""The writes of reports: the auditor's evidence pack (which writes nothing but its audit event) and the
monthly mailing (claimed once per month, sent after commit)."""

from __future__ import annotations

import csv
import io
import json
import logging
import secrets
import zipfile
from dataclasses import dataclass, replace
from datetime import date, datetime, time

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ordna.applications.models import Application
from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.core.business_days import next_business_day
from ordna.core.companies import CompanyFilter, company_name
from ordna.core.errors import ServiceError
from ordna.core.tabular import escape_cell
from ordna.feeds.selectors import sources_freshness, stale_sources
from ordna.lifecycle.certificate import certificate_data, certificate_pdf
from ordna.lifecycle.models import Case
from ordna.reports import documents, render, selectors
from ordna.reports import figures as f
from ordna.reports.evidence import evidence_leavers
from ordna.reports.models import MonthlyMailing
from ordna.reports.processing import record_pdf, record_xlsx
from ordna.suppliers.processing_gaps import applications_of, processing_gaps
from ordna.suppliers.processing_record import record_rows

log = logging.getLogger(__name__)

MAX_SAMPLE = 1000
MAX_SEED = 2**63 - 1
SOURCE_COLUMNS = ("source", "label", "delivered_at", "age_days", "max_age_days", "stale", "blocked_lines")
EVIDENCE_COLUMNS = (
    "employee_id",
    "name",
    "department",
    "last_day",
    "status",
    "completed_on",
    "lines",
    "lines_open",
    "lines_verified",
    "lines_attested",
    "lines_waived",
    "overrides",
    "lines_reopened",
    "latest_due",
    "last_closed",
    "on_time",
    "deviation_business_days",
    "sampled",
)


class ReportError(ServiceError):
    """Input a report cannot be made from; the message names the value, `field` the input."""


@dataclass(frozen=True)
class EvidencePack:
    content: bytes
    seed: int
    leavers: int
    sampled: list[str]  # employee ids, in the order of the sample

    @property
    def file_name(self) -> str:
        return f"evidence-seed-{self.seed}.zip"


def _csv(rows: list[dict[str, object]], columns: tuple[str, ...]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else escape_cell(str(row.get(c))) for c in columns])
    return out.getvalue().encode("utf-8")


def evidence_input_check(*, start: date, end: date, sample: int, seed: int | None) -> int:
    """The seed of a pack of [start, end] with `sample` leavers (a new random one when `seed` is None), or a
    ReportError naming the input that no pack can be made from."""
    if end < start:
        raise ReportError(
            _("The period ends (%(end)s) before it starts (%(start)s)."), field="end", end=end, start=start
        )
    if not 1 <= sample <= MAX_SAMPLE:
        raise ReportError(_("Sample size %(n)s: choose 1 to %(max)s."), field="sample", n=sample, max=MAX_SAMPLE)
    if seed is None:
        seed = secrets.randbelow(10**9)
    if not 0 <= seed <= MAX_SEED:
        raise ReportError(_("Seed %(seed)s: choose a whole number from 0."), field="seed", seed=seed)
    return seed


def evidence_pack_make(
    *,
    start: date,
    end: date,
    sample: int,
    seed: int | None,
    actor: Actor,
    today: date,
    company: CompanyFilter = None,
) -> EvidencePack:
    """A ZIP of the full leaver list of [start, end] (CSV: per leaver how many lines closed by proof, by
    attestation, by waiver, and by override, and how many a later export reopened), the four figures at the
    period's end (manifest), and a reproducible random sample of `sample` leavers, each with its certificate
    (PDF). The same seed and data give the same sample and, on the same day, the same bytes: every date stamped
    inside the pack is the day it was made.

    Of some companies of the group only, when `company` says so (docs/companies.md). Reads only; records one
    audit event (who drew which sample with which seed).
    """
    seed = evidence_input_check(start=start, end=end, sample=sample, seed=seed)
    leavers = evidence_leavers(start=start, end=end, today=today, company=company)
    picked = set(f.evidence_sample([r["case_id"] for r in leavers], size=sample, seed=seed)) if leavers else set()
    for row in leavers:
        row["sampled"] = row["case_id"] in picked
    stamp = timezone.make_aware(datetime.combine(today, time.min))
    entry_time = (today.year, today.month, today.day, 0, 0, 0)
    # The figures at the period's end (or today), from the same selectors as every other surface.
    day = min(end, today)
    at = selectors.figures_at([day], company=company)[day]
    # The record of processing (article 30) and the processors' gaps on the day, of the same companies.
    only = applications_of(company)
    record = record_rows(Application.objects.filter(only) if only is not None else Application.objects.all(), today=day)
    gaps = processing_gaps(today=day, application_filter=only)
    manifest = {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "companies": company_name(company) or None,
        "figures": {
            "on": day.isoformat(),
            "leaver_accounts_active": at.leaver_accounts_active,
            "license_waste_per_month": {currency: str(amount) for currency, amount in at.licence_waste.items()},
            "overdue_lines": at.overdue_lines,
            "devices_not_returned": at.devices_not_returned,
        },
        # Whether verification rested on fresh data: the sources past their age at the period's end.
        "stale_sources": [s.as_dict() for s in stale_sources(day=day)],
        # The record of processing is in processing/ (XLSX and PDF); its gaps, by kind, on the same day.
        "processor_gaps": {kind: sum(1 for g in gaps if g.kind == kind) for kind in sorted({g.kind for g in gaps})},
        "sample_size": sample,
        "seed": seed,
        "leavers": len(leavers),
        "sampled": [r["employee_id"] for r in leavers if r["sampled"]],
        "made_on": today.isoformat(),
        "made_by": actor.label,
        "method": "Python random.Random(seed).sample(case ids in ascending order, sample_size)",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as pack:

        def add(name: str, content: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=entry_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            pack.writestr(info, content)

        add("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False).encode())
        add("leavers.csv", _csv(leavers, EVIDENCE_COLUMNS))
        add("sources.csv", _csv([s.as_dict() for s in sources_freshness(day=day)], SOURCE_COLUMNS))
        add("sample.csv", _csv([r for r in leavers if r["sampled"]], EVIDENCE_COLUMNS))
        add("processing/record-of-processing.xlsx", record_xlsx(record, gaps, created=stamp))
        add("processing/record-of-processing.pdf", record_pdf(record, gaps, day=day, created=stamp))
        cases = Case.objects.select_related("person").in_bulk(sorted(picked))
        for case_id in sorted(picked):
            case = cases[case_id]
            data = replace(certificate_data(case), issued_at=stamp)
            add(f"certificates/{case.person.employee_id}-{case.effective_date.isoformat()}.pdf", certificate_pdf(data))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="report.evidence",
            target_type="reports.evidence",
            target_id=f"{start.isoformat()}..{end.isoformat()}",
            after={
                "seed": seed,
                "sample": sample,
                "leavers": len(leavers),
                "sampled_cases": sorted(picked),
                "companies": company_name(company) or None,
            },
        )
    return EvidencePack(out.getvalue(), seed, len(leavers), manifest["sampled"])  # type: ignore[arg-type]


# The monthly mailing -------------------------------------------------------------------------------------


def is_first_business_day(today: date, country: str) -> bool:
    return next_business_day(today.replace(day=1), country) == today


def monthly_mail_send(*, today: date, actor: Actor) -> MonthlyMailing | None:
    """On the first business day of a month, mail last month's follow-up (HTML in the body, PDF and XLSX
    attached) to ORDNA_REPORT_RECIPIENTS, once: the mailing row claims the month before anything is sent,
    so a second run or a second worker sends nothing. A failed send gives the claim back for the next run."""
    recipients = list(settings.ORDNA_REPORT_RECIPIENTS)
    if not recipients or not is_first_business_day(today, settings.ORDNA_HOLIDAY_COUNTRY):
        return None
    month = f.previous_month(today)
    if MonthlyMailing.objects.filter(month=month).exists():
        return None
    report = selectors.monthly_report(month=month, today=today)
    subject = _("Ordna: monthly follow-up %(month)s") % {"month": report.label}
    text = "\n".join(f"{label}: {value}" for label, value in render.summary_rows(report))
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, recipients)
    message.attach_alternative(render.monthly_html(report), "text/html")
    message.attach(f"ordna-monthly-{report.label}.pdf", documents.monthly_pdf(report), "application/pdf")
    message.attach(f"ordna-monthly-{report.label}.xlsx", documents.monthly_xlsx(report), render.CONTENT_TYPES["xlsx"])
    try:
        with transaction.atomic():
            mailing = MonthlyMailing.objects.create(month=month, recipients=recipients, claimed_at=timezone.now())
            audit_record(actor=actor, action="report.monthly_mailed", target=mailing, after={"month": report.label})
            transaction.on_commit(lambda: _send(mailing.pk, message))
    except IntegrityError:  # another worker claimed the month first
        return None
    mailing.refresh_from_db()
    return mailing


def _send(mailing_id: int, message: EmailMultiAlternatives) -> None:
    try:
        message.send()
    except Exception:
        MonthlyMailing.objects.filter(pk=mailing_id, sent_at__isnull=True).delete()
        log.exception("the monthly report could not be mailed; the next run tries again")
        raise
    MonthlyMailing.objects.filter(pk=mailing_id).update(sent_at=timezone.now())
