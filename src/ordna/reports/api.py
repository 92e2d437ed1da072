"""Reports in the API: the monthly follow-up and the licence report as JSON or as files, and the auditor's
evidence packs, asked for here, built by the worker and downloaded as a ZIP when ready."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from ordna.core.actor import Actor
from ordna.core.api import Capability, ErrorOut, Refused
from ordna.core.clock import today
from ordna.core.companies import report_company
from ordna.core.data_version import cached
from ordna.core.errors import ServiceError, not_one_of
from ordna.core.web import user_of
from ordna.lifecycle.selectors import ClosingShares
from ordna.reports import documents, figures, render, selectors
from ordna.reports.by_company import CompanyRow, group_report
from ordna.reports.evidence_packs import (
    PacksWaiting,
    company_names,
    evidence_pack_request,
    evidence_pack_visible,
    evidence_packs_visible,
    pack_not_ready,
)
from ordna.reports.group import group_file
from ordna.reports.models import EvidencePackRequest, EvidencePackState
from ordna.reports.services import ReportError
from ordna.reports.tasks import evidence_pack_build_job
from ordna.reports.value import Value, ValueFigures

router = Router(tags=["reports"])


class MedianOut(Schema):
    name: str
    median_business_days: float
    lines: int


class ClosingOut(Schema):
    """How the lines of leaver cases that closed in a month closed."""

    verified: int
    attested: int
    waived: int
    overrides: int


class TrendOut(Schema):
    month: str
    leavers: int
    on_time: int
    share_on_time: float | None
    waste_per_month: dict[str, Decimal]
    leavers_active: int
    overdue_lines: int
    devices_not_returned: int
    closed: ClosingOut
    no_data_before: date | None = Field(None, description="set when the month ended before the data starts")


class OverrideOut(Schema):
    person: str
    kind: str
    subject: str
    closed_as: str
    closed_by: str
    closed_at: datetime | None
    reason: str
    approved_by: str


class FiguresOut(Schema):
    """The four figures every surface shows, as the state at the end of `on`."""

    on: date
    leaver_accounts_active: int
    license_waste_per_month: dict[str, Decimal]
    overdue_lines: int
    devices_not_returned: int


class OverdueOut(Schema):
    person: str
    kind: str
    subject: str
    application: str
    responsible: str
    due: date
    business_days_overdue: int


class ValueOut(Schema):
    """What the routine achieved in a period (issue 23): money per currency, never summed across currencies."""

    start: date
    end: date
    saved_per_month: dict[str, Decimal] = Field(description="licence money no longer paid, per month, per currency")
    saved_per_year: dict[str, Decimal]
    waste_findings_resolved: int
    leaver_accounts_due: int
    leaver_accounts_on_time: int
    devices_collected: int
    key_user_hours: Decimal
    key_user_budget_hours: Decimal


class ValueReportOut(Schema):
    month: ValueOut
    since_start: ValueOut
    by_month: list[ValueOut]


class MonthlyOut(Schema):
    month: str
    as_of: date
    data_since: date | None = Field(None, description="the day of the first HR import: no figures before it")
    leavers: int
    on_time: int
    share_on_time: float | None
    cases_still_open: int
    leaver_active_accounts: int
    license_waste_per_month: dict[str, Decimal]
    license_waste_per_year: dict[str, Decimal]
    overdue_lines: int
    devices_not_returned: int
    closed: ClosingOut
    overrides: list[OverrideOut]
    orphans: int
    dormant: int
    findings_opened: dict[str, int]
    findings_closed: dict[str, int]
    by_application: list[MedianOut]
    by_party: list[MedianOut]
    trend: list[TrendOut]
    worst_overdue: list[OverdueOut]
    stale_sources: list[dict[str, Any]]  # sources past their age at as_of, with the open lines they block
    value: ValueReportOut | None = None


class LicenceOut(Schema):
    application: str
    license: str
    seats: int | None
    assigned: int
    unused_seats: int | None
    to_leavers: int
    to_disabled: int
    to_orphans: int
    monthly_cost: Decimal
    currency: str
    cost_per_month: Decimal
    waste_per_month: Decimal


class EvidenceIn(Schema):
    start: date
    end: date
    sample: int
    seed: int | None = None
    company: str = ""  # a company's code: its leavers only (docs/companies.md)


class EvidencePackOut(Schema):
    """An evidence pack asked for in the web or the API, and where its building stands."""

    id: int
    state: str = Field(description="queued, building, ready or failed")
    reason: str = Field(description="why it failed, a sentence; empty otherwise")
    start: date
    end: date
    sample: int
    seed: int
    companies: str = Field(description="the names of the companies it is of; empty for the whole group")
    requested_by: str
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    leavers: int | None = Field(description="leavers in the period, once built")
    size: int | None = Field(description="the ZIP's size in bytes, once built")
    file: str | None = Field(description="where to download the ZIP, once ready")


class CompanyFiguresOut(Schema):
    company: str  # the company's code; "" for the rest (unlinked accounts of shared applications) and the group
    name: str
    leavers: int
    on_time: int
    share_on_time: float | None
    leaver_accounts_active: int
    license_waste_per_month: dict[str, Decimal]
    overdue_lines: int
    devices_not_returned: int


class GroupOut(Schema):
    month: str
    as_of: date
    companies: list[CompanyFiguresOut]
    group: CompanyFiguresOut


def _company(request: HttpRequest, code: str) -> Any:
    try:
        return report_company(user_of(request), code)
    except ServiceError as exc:
        raise Refused(exc, 422) from exc


def _company_figures(row: CompanyRow) -> dict[str, Any]:
    return {
        "company": row.code,
        "name": row.name,
        "leavers": row.figures.leavers,
        "on_time": row.figures.on_time,
        "share_on_time": row.figures.share_on_time,
        "leaver_accounts_active": row.at.leaver_accounts_active,
        "license_waste_per_month": row.at.licence_waste,
        "overdue_lines": row.at.overdue_lines,
        "devices_not_returned": row.at.devices_not_returned,
    }


def _file(content: bytes, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=render.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _overdue(rows: list[selectors.OverdueRow]) -> list[dict[str, Any]]:
    return [
        {
            "person": r.employee_id,
            "kind": r.kind,
            "subject": r.subject,
            "application": r.application,
            "responsible": r.party,
            "due": r.due,
            "business_days_overdue": r.days_overdue,
        }
        for r in rows
    ]


def _closing(closing: ClosingShares) -> dict[str, int]:
    return {
        "verified": closing.verified,
        "attested": closing.attested,
        "waived": closing.waived,
        "overrides": closing.overrides,
    }


@router.get(
    "/reports/figures",
    response={200: FiguresOut},
    summary="The four figures every surface shows, as the state at the end of a day (default today)",
    auth=Capability("reports.view"),
)
def report_figures(request: HttpRequest, on: date | None = None, company: str = "") -> Any:
    day = min(on or today(), today())
    scope = _company(request, company)

    def figures_on() -> dict[str, Any]:
        at = selectors.figures_at([day], company=scope)[day]
        return {
            "on": day,
            "leaver_accounts_active": at.leaver_accounts_active,
            "license_waste_per_month": at.licence_waste,
            "overdue_lines": at.overdue_lines,
            "devices_not_returned": at.devices_not_returned,
        }

    # Once per data version (ordna.core.data_version), as the reports they summarise.
    return cached(("report_figures", day, sorted(scope) if isinstance(scope, frozenset) else scope), figures_on)


@router.get(
    "/reports/monthly",
    response={200: MonthlyOut, 400: ErrorOut},
    summary="The monthly follow-up (JSON, or format=html|pdf|xlsx for the file)",
    auth=Capability("reports.view"),
)
def monthly(request: HttpRequest, month: str = "", format: str = "json", company: str = "") -> Any:
    try:
        first = figures.parse_month(month) if month else figures.previous_month(today())
    except ServiceError as exc:
        raise Refused(exc, 400) from exc
    if format not in ("json", *render.FORMATS):
        raise Refused(not_one_of("format", format, ("json", *render.FORMATS)), 400)
    report = selectors.monthly_report(month=first, today=today(), company=_company(request, company))
    if format != "json":
        return _file(documents.monthly_file(report, format), format, f"ordna-monthly-{report.label}")
    fig = report.figures
    return {
        "month": report.label,
        "as_of": report.as_of,
        "data_since": report.data_since,
        "leavers": fig.leavers,
        "on_time": fig.on_time,
        "share_on_time": fig.share_on_time,
        "cases_still_open": fig.still_open,
        "leaver_active_accounts": report.at.leaver_accounts_active,
        "license_waste_per_month": report.waste_month,
        "license_waste_per_year": report.waste_year,
        "overdue_lines": report.at.overdue_lines,
        "devices_not_returned": report.at.devices_not_returned,
        "closed": _closing(report.closing),
        "overrides": [
            {
                "person": r.employee_id,
                "kind": r.kind,
                "subject": r.subject,
                "closed_as": r.state,
                "closed_by": r.closed_by,
                "closed_at": r.closed_at,
                "reason": r.reason,
                "approved_by": r.approved_by,
            }
            for r in report.overrides
        ],
        "orphans": report.remaining.get("orphan", 0),
        "dormant": report.remaining.get("dormant", 0),
        "findings_opened": report.findings_opened,
        "findings_closed": report.findings_closed,
        "by_application": [{"name": n, "median_business_days": m, "lines": c} for n, m, c in report.by_application],
        "by_party": [{"name": n, "median_business_days": m, "lines": c} for n, m, c in report.by_party],
        "trend": [
            {
                "month": figures.month_label(t.month),
                "leavers": t.leavers,
                "on_time": t.on_time,
                "share_on_time": t.share_on_time,
                "waste_per_month": t.waste,
                "leavers_active": t.leaver_active,
                "overdue_lines": t.overdue,
                "devices_not_returned": t.devices_not_returned,
                "closed": _closing(t.closing),
                "no_data_before": t.no_data_before,
            }
            for t in report.trend
        ],
        "worst_overdue": _overdue(report.worst_overdue),
        "stale_sources": [s.as_dict() for s in report.stale_sources],
        "value": _value(report.value),
    }


def _value_figures(x: ValueFigures) -> dict[str, Any]:
    return {
        "start": x.start,
        "end": x.end,
        "saved_per_month": x.saved_per_month,
        "saved_per_year": x.saved_per_year,
        "waste_findings_resolved": x.waste_resolved,
        "leaver_accounts_due": x.leaver_accounts_due,
        "leaver_accounts_on_time": x.leaver_accounts_on_time,
        "devices_collected": x.devices_collected,
        "key_user_hours": x.key_user_hours,
        "key_user_budget_hours": x.key_user_budget,
    }


def _value(value: Value | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {
        "month": _value_figures(value.month),
        "since_start": _value_figures(value.since_start),
        "by_month": [_value_figures(x) for x in value.by_month],
    }


@router.get(
    "/reports/licenses",
    response={200: list[LicenceOut], 400: ErrorOut},
    summary="Seats bought, assigned and wasted per application and licence (JSON, or format=html|pdf|xlsx)",
    auth=Capability("reports.view"),
)
def licenses(request: HttpRequest, format: str = "json", company: str = "") -> Any:
    if format not in ("json", *render.FORMATS):
        raise Refused(not_one_of("format", format, ("json", *render.FORMATS)), 400)
    lines = selectors.licence_report(today=today(), company=_company(request, company))
    if format != "json":
        return _file(
            documents.licences_file(lines, format, today=today()), format, f"ordna-licenses-{today().isoformat()}"
        )
    return [dict(zip(render.LICENCE_HEADINGS, row, strict=True)) for row in render.licence_rows(lines)]


def _pack_out(pack: EvidencePackRequest, names: dict[int, str]) -> dict[str, Any]:
    ready = pack.state == EvidencePackState.READY
    return {
        "id": pack.pk,
        "state": pack.state,
        "reason": pack.reason,
        "start": pack.start,
        "end": pack.end,
        "sample": pack.sample,
        "seed": pack.seed,
        "companies": names.get(pack.pk, ""),
        "requested_by": pack.actor_label,
        "requested_at": pack.requested_at,
        "started_at": pack.started_at,
        "finished_at": pack.finished_at,
        "leavers": pack.leavers,
        "size": pack.size,
        "file": f"/api/v1/reports/evidence/{pack.pk}/file" if ready else None,
    }


def _visible(request: HttpRequest, pack_id: int) -> EvidencePackRequest:
    pack = evidence_pack_visible(user_of(request), pack_id)
    if pack is None:
        raise Http404
    return pack


@router.post(
    "/reports/evidence",
    response={202: EvidencePackOut, 400: ErrorOut, 429: ErrorOut},
    summary="Ask for the auditor's evidence pack (a ZIP of the leaver list and a seeded sample's certificates): "
    "the worker builds it; follow its state and download it when ready",
    description="Answers 202 with the pack's id, seed and state at once (`queued`; with jobs run immediately, "
    "`ready` or `failed`). 400: input no pack can be made from (`field` names it). 429: three of your packs are "
    "still waiting to be built.",
    auth=Capability("reports.evidence"),
)
def evidence(request: HttpRequest, payload: EvidenceIn) -> Any:
    company = _company(request, payload.company)
    try:
        pack = evidence_pack_request(
            start=payload.start,
            end=payload.end,
            sample=payload.sample,
            seed=payload.seed,
            company=company,
            actor=Actor.for_user(user_of(request)),
            today=today(),
            enqueue=evidence_pack_build_job,
        )
    except PacksWaiting as exc:
        raise Refused(exc, 429) from exc
    except ReportError as exc:
        raise Refused(exc, 400) from exc
    pack.refresh_from_db()  # with jobs run immediately, it is built already
    return Status(202, _pack_out(pack, company_names([pack])))


@router.get(
    "/reports/evidence",
    response=list[EvidencePackOut],
    summary="The evidence packs you may see (of your companies), newest first, with their state",
    auth=Capability("reports.evidence"),
)
@paginate
def evidence_list(request: HttpRequest) -> Any:
    packs = evidence_packs_visible(user_of(request))
    names = company_names(packs)
    return [_pack_out(pack, names) for pack in packs]


@router.get(
    "/reports/evidence/{pack_id}",
    response=EvidencePackOut,
    summary="One evidence pack's state: queued, building, ready (with the file's address) or failed (with the reason)",
    auth=Capability("reports.evidence"),
)
def evidence_detail(request: HttpRequest, pack_id: int) -> Any:
    pack = _visible(request, pack_id)
    return _pack_out(pack, company_names([pack]))


@router.get(
    "/reports/evidence/{pack_id}/file",
    response={200: None, 409: ErrorOut},
    summary="An evidence pack's ZIP, once ready",
    description="409: the pack is not ready (queued, building or failed: `detail` says which and why).",
    auth=Capability("reports.evidence"),
    openapi_extra={"responses": {200: {"description": "The ZIP", "content": {"application/zip": {}}}}},
)
def evidence_file(request: HttpRequest, pack_id: int) -> Any:
    pack = _visible(request, pack_id)
    if pack.state != EvidencePackState.READY:
        raise Refused(pack_not_ready(pack), 409)
    try:
        stored = pack.file.open("rb")
    except OSError:  # its file is gone from the files folder (restored without it, removed by hand)
        raise Http404 from None
    response = FileResponse(stored, content_type="application/zip", as_attachment=True)
    response["Content-Disposition"] = f'attachment; filename="{pack.file_name}"'
    response["X-Ordna-Seed"] = str(pack.seed)
    return response


@router.get(
    "/reports/group",
    response={200: GroupOut, 400: ErrorOut},
    summary="The group report: every company of the group side by side, with the group (JSON, or format=html|pdf|xlsx)",
    auth=Capability("reports.group"),
)
def group(request: HttpRequest, month: str = "", format: str = "json") -> Any:
    try:
        first = figures.parse_month(month) if month else figures.previous_month(today())
    except ServiceError as exc:
        raise Refused(exc, 400) from exc
    if format not in ("json", *render.FORMATS):
        raise Refused(not_one_of("format", format, ("json", *render.FORMATS)), 400)
    report = group_report(month=first, today=today())
    if format != "json":
        return _file(group_file(report, format), format, f"ordna-group-{report.label}")
    return {
        "month": report.label,
        "as_of": report.as_of,
        "companies": [_company_figures(row) for row in report.companies],
        "group": _company_figures(report.group),
    }
