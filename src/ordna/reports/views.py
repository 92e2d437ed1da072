"""Report pages: the follow-up dashboard, the monthly follow-up (printable, with downloads), the licence
report, the auditor's evidence pack and the group report. Each view checks its capability, then calls a selector
or service. A report is of the companies the user sees, or of the one `?company=` names (docs/companies.md)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from ordna.applications.scopes import applications_scope
from ordna.core.access import can, in_companies
from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.companies import CompanyFilter, company_name, report_company
from ordna.core.errors import ServiceError
from ordna.core.models import Company
from ordna.core.web import capability, user_of
from ordna.reports import documents, figures, selectors
from ordna.reports import render as pages
from ordna.reports.by_company import group_report
from ordna.reports.evidence_packs import (
    company_names,
    evidence_pack_request,
    evidence_pack_visible,
    evidence_packs_visible,
)
from ordna.reports.group import group_context, group_file
from ordna.reports.models import EvidencePackState
from ordna.reports.processing import record_pdf, record_xlsx
from ordna.reports.services import ReportError
from ordna.reports.tasks import evidence_pack_build_job
from ordna.suppliers.processing_gaps import processing_gaps
from ordna.suppliers.processing_record import record_rows


def _download(content: bytes, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=pages.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _company(request: HttpRequest) -> tuple[CompanyFilter, dict[str, object]]:
    """The companies the report is about, and the page's company choice (with several companies to choose from):
    an unknown code, or one outside the user's companies, answers 404."""
    user = user_of(request)
    code = request.GET.get("company", request.POST.get("company", ""))
    try:
        company = report_company(user, code)
    except ServiceError:
        raise Http404 from None
    listed: list[tuple[str, str]] = []
    several = user.group_size > 1 if user.company_ids is None else len(user.company_ids) > 1
    if several:  # a choice of company (an organisation of one company has none, and no query for it)
        choices = Company.objects.all() if user.company_ids is None else Company.objects.filter(pk__in=user.company_ids)
        listed = list(choices.order_by("name").values_list("code", "name"))
    return company, {
        "companies": listed,
        "company_value": code.strip().lower(),
        "company_query": f"&company={code.strip().lower()}" if code.strip() else "",
        "company_name": company_name(company),
    }


@capability("reports.view")
def dashboard(request: HttpRequest) -> HttpResponse:
    company, choice = _company(request)
    data = selectors.dashboard(today=today(), company=company)
    return render(
        request,
        "reports/dashboard.html",
        {
            **pages.dashboard_context(data),
            "today": today(),
            **choice,
            "can_group": can(user_of(request), "reports.group"),
        },
    )


@capability("reports.view")
def monthly(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("month", "")
    fmt = request.GET.get("format", "")
    error = ""
    try:
        month = figures.parse_month(raw) if raw else figures.previous_month(today())
    except ValueError as exc:
        error, month = str(exc), figures.previous_month(today())
    if fmt and fmt not in pages.FORMATS:
        return HttpResponse(_("Format %(format)s: use html, pdf or xlsx.") % {"format": fmt}, status=400)
    if error and fmt:
        return HttpResponse(error, status=400, content_type="text/plain")
    company, choice = _company(request)
    report = selectors.monthly_report(month=month, today=today(), company=company)
    if fmt:
        return _download(documents.monthly_file(report, fmt), fmt, f"ordna-monthly-{report.label}")
    context = pages.monthly_context(report)
    return render(request, "reports/monthly.html", {**context, "error": error, "month_value": report.label, **choice})


@capability("reports.view")
def licenses(request: HttpRequest) -> HttpResponse:
    fmt = request.GET.get("format", "")
    if fmt and fmt not in pages.FORMATS:
        return HttpResponse(_("Format %(format)s: use html, pdf or xlsx.") % {"format": fmt}, status=400)
    company, choice = _company(request)
    lines = selectors.licence_report(today=today(), company=company)
    if fmt:
        return _download(
            documents.licences_file(lines, fmt, today=today()), fmt, f"ordna-licenses-{today().isoformat()}"
        )
    return render(request, "reports/licenses.html", {**pages.licences_context(lines, today=today()), **choice})


def _date(value: str, label: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ReportError(
            _("%(field)s: %(value)s is not a date (YYYY-MM-DD).") % {"field": label, "value": value}
        ) from None


def _int(value: str, label: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise ReportError(_("%(field)s: %(value)s is not a whole number.") % {"field": label, "value": value}) from None


@capability("reports.evidence")
def evidence(request: HttpRequest) -> HttpResponse:
    """GET shows the form and the packs the user may see; POST asks the worker for a pack (it only reads, and
    records who drew which sample) and comes back here, where the pack's state shows until it is ready."""
    values = {"start": "", "end": "", "sample": "25", "seed": ""}
    company, choice = _company(request)
    if request.method == "POST":
        values = {key: request.POST.get(key, "").strip() for key in values}
        try:
            pack = evidence_pack_request(
                start=_date(values["start"], _("From")),
                end=_date(values["end"], _("To")),
                sample=_int(values["sample"], _("Sample size")),
                seed=_int(values["seed"], _("Seed")) if values["seed"] else None,
                company=company,
                actor=Actor.for_user(user_of(request)),
                today=today(),
                enqueue=evidence_pack_build_job,
            )
        except ReportError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _(
                    "Evidence pack %(id)s (seed %(seed)s) is queued: it is built in the background, and appears below "
                    "with a download link when it is ready."
                )
                % {"id": pack.pk, "seed": pack.seed},
            )
            return redirect("reports:evidence")
    packs = evidence_packs_visible(user_of(request))
    names = company_names(packs)
    rows = [(pack, names[pack.pk]) for pack in packs]
    waiting = any(pack.state in (EvidencePackState.QUEUED, EvidencePackState.BUILDING) for pack in packs)
    context = {"values": values, "rows": rows, "waiting": waiting, "days": settings.ORDNA_EVIDENCE_PACK_DAYS}
    return render(request, "reports/evidence.html", {**context, **choice})


@capability("reports.evidence")
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A ready pack's ZIP, for a user who may see its companies; anything else answers 404."""
    pack = evidence_pack_visible(user_of(request), pk)
    if pack is None or pack.state != EvidencePackState.READY:
        raise Http404
    try:
        stored = pack.file.open("rb")
    except OSError:  # its file is gone from the files folder (restored without it, removed by hand)
        raise Http404 from None
    response = FileResponse(stored, content_type="application/zip", as_attachment=True)
    response["Content-Disposition"] = f'attachment; filename="{pack.file_name}"'
    response["X-Ordna-Seed"] = str(pack.seed)
    return response  # type: ignore[return-value]  # a streamed file, as every download of a stored file


@capability("reports.group")
def group(request: HttpRequest) -> HttpResponse:
    """The group report: every company of the group side by side, as a page, HTML, PDF or XLSX."""
    raw = request.GET.get("month", "")
    fmt = request.GET.get("format", "")
    error = ""
    try:
        month = figures.parse_month(raw) if raw else figures.previous_month(today())
    except ValueError as exc:
        error, month = str(exc), figures.previous_month(today())
    if fmt and fmt not in pages.FORMATS:
        return HttpResponse(_("Format %(format)s: use html, pdf or xlsx.") % {"format": fmt}, status=400)
    if error and fmt:
        return HttpResponse(error, status=400, content_type="text/plain")
    report = group_report(month=month, today=today())
    if fmt:
        return _download(group_file(report, fmt), fmt, f"ordna-group-{report.label}")
    context = {**group_context(report), "base": "", "error": error, "month_value": report.label}
    return render(request, "reports/group.html", context)


@capability("processing.record")
def processing_record(request: HttpRequest) -> HttpResponse:
    """The record of processing (article 30): the page, or its XLSX or PDF (`?format=`)."""
    user = user_of(request)
    day = today()
    rows = record_rows(applications_scope(user), today=day)
    gaps = processing_gaps(
        today=day,
        application_filter=in_companies(user, "company") if user.company_ids is not None else None,
    )
    fmt = request.GET.get("format", "html")
    if fmt in ("xlsx", "pdf"):
        created = timezone.now()
        content = (
            record_xlsx(rows, gaps, created=created)
            if fmt == "xlsx"
            else record_pdf(rows, gaps, day=day, created=created)
        )
        return _download(content, fmt, f"record-of-processing-{day.isoformat()}")
    if fmt != "html":
        return HttpResponse(_("Ask for html, xlsx or pdf."), status=400, content_type="text/plain")
    return render(
        request,
        "reports/processing_record.html",
        {"rows": rows, "gaps": gaps, "today": day, "can_edit": can(user, "processing.edit")},
    )
