"""Suppliers, contracts and their service levels in the API; everything scoped, so a supplier user's token sees
only its own company."""

import tempfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import File, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.api import Capability, ErrorOut, Refused, RowErrorOut
from ordna.core.clock import today
from ordna.core.services import SupplierError, supplier_add
from ordna.core.web import user_of
from ordna.suppliers import selectors, services
from ordna.suppliers.measures import service_levels_measured
from ordna.suppliers.models import Contract
from ordna.suppliers.scopes import contracts_scope

router = Router(tags=["suppliers"])


class SupplierOut(Schema):
    name: str
    contact_name: str
    contact_email: str
    phone: str
    service_desk_email: str


class SupplierIn(Schema):
    name: str
    contact_name: str = ""
    contact_email: str = ""
    phone: str = ""
    service_desk_email: str = ""


@router.get("/suppliers", response=list[SupplierOut], summary="Suppliers", auth=Capability("suppliers.list"))
@paginate
def supplier_list(request: HttpRequest) -> Any:
    return access.suppliers_scope(user_of(request)).order_by("name")


@router.post(
    "/suppliers",
    response={201: SupplierOut, 422: ErrorOut},
    summary="Add a supplier",
    auth=Capability("suppliers.edit"),
)
def supplier_create(request: HttpRequest, payload: SupplierIn) -> Any:
    try:
        supplier = supplier_add(
            name=payload.name,
            actor=Actor.for_user(user_of(request)),
            contact_name=payload.contact_name,
            contact_email=payload.contact_email,
            phone=payload.phone,
            service_desk_email=payload.service_desk_email,
        )
    except SupplierError as exc:
        raise Refused(exc) from exc
    return Status(201, supplier)


# Contracts -------------------------------------------------------------------------------------------------------


class ContractOut(Schema):
    id: int
    supplier: str
    title: str
    applications: list[str]
    start_date: date
    initial_term_months: int
    renewal: str
    renewal_term_months: int | None
    notice: str
    decision_buffer_days: int | None
    annual_value: Decimal
    currency: str
    owner: str | None
    current_term_start: date
    current_term_end: date
    cancel_by: date | None
    decision_date: date | None
    status: str
    alert_stage: int | None
    decided: bool | None


def _contract_out(row: selectors.ContractRow, *, internal: bool = True) -> dict[str, Any]:
    """A contract as the API gives it; for the supplier's own users without our internal deliberation (the
    decision buffer, decide-by date, alert and whether we decided)."""
    c = row.contract
    out = {
        "id": c.pk,
        "supplier": c.supplier.name,
        "title": c.title,
        "applications": [a.slug for a in c.applications.all()],
        "start_date": c.start_date,
        "initial_term_months": c.initial_term_months,
        "renewal": c.renewal,
        "renewal_term_months": c.renewal_term_months,
        "notice": c.notice,
        "decision_buffer_days": c.decision_buffer_days,
        "annual_value": c.annual_value,
        "currency": c.currency,
        "owner": c.owner.employee_id if c.owner_id else None,  # type: ignore[union-attr]
        "current_term_start": row.dates.current_term_start,
        "current_term_end": row.dates.current_term_end,
        "cancel_by": row.dates.cancel_by,
        "decision_date": row.dates.decision_date,
        "status": row.dates.status,
        "alert_stage": row.stage if row.alert else None,
        "decided": row.decided,
    }
    if not internal:
        out.update(decision_buffer_days=None, decision_date=None, alert_stage=None, decided=None)
        out["status"] = selectors.status_for_supplier(row.dates.status)
    return out


class ContractIn(Schema):
    supplier: str
    title: str
    start_date: date
    initial_term_months: int
    renewal: str = "tacit"
    renewal_term_months: int | None = None
    notice: str = "3 months"
    decision_buffer_days: int = 0
    annual_value: Decimal = Decimal("0")
    currency: str = "SEK"
    owner: str = ""
    applications: list[str] = []
    notes: str = ""


def _contract_input(payload: ContractIn) -> services.ContractInput:
    return services.ContractInput(
        supplier=payload.supplier,
        title=payload.title,
        start_date=payload.start_date,
        initial_term_months=payload.initial_term_months,
        renewal=payload.renewal,
        renewal_term_months=payload.renewal_term_months,
        notice=payload.notice,
        decision_buffer_days=payload.decision_buffer_days,
        annual_value=payload.annual_value,
        currency=payload.currency,
        owner_employee_id=payload.owner,
        applications=tuple(payload.applications),
        notes=payload.notes,
    )


def _contracts(request: HttpRequest, q: str = "", alerts: bool = False) -> list[selectors.ContractRow]:
    contracts = contracts_scope(user_of(request)).prefetch_related("applications")
    if q:
        contracts = contracts.filter(Q(title__icontains=q) | Q(supplier__name__icontains=q))
    rows = selectors.contract_rows(contracts, today=today())
    return [r for r in rows if r.alert] if alerts else rows


@router.get(
    "/contracts",
    response=list[ContractOut],
    summary="Contracts with their current term, cancel-by and decision dates",
    auth=Capability("contracts.list"),
)
@paginate
def contract_list(request: HttpRequest, q: str = "", alerts: bool = False) -> Any:
    """`alerts=true`: only contracts in an alert stage without a decision for the current term."""
    internal = user_of(request).supplier_id is None
    return [_contract_out(r, internal=internal) for r in _contracts(request, q, alerts)]


@router.get(
    "/contracts/export",
    response=list[dict[str, Any]],
    summary="The contracts export: {supplier, title, current_term_start, current_term_end, cancel_by, "
    "decision_date, status}",
    auth=Capability("contracts.export"),
)
def contract_export(request: HttpRequest) -> Any:
    user = user_of(request)
    return list(
        selectors.contracts_export_rows(contracts_scope(user), today=today(), internal=user.supplier_id is None)
    )


@router.get(
    "/contracts/{contract_id}",
    response=ContractOut,
    summary="One contract",
    auth=Capability("contracts.list"),
)
def contract_detail(request: HttpRequest, contract_id: int) -> Any:
    user = user_of(request)
    contract = access.get_in_scope(contracts_scope(user), pk=contract_id)
    row = selectors.contract_rows(Contract.objects.filter(pk=contract.pk), today=today())[0]
    return _contract_out(row, internal=user.supplier_id is None)


@router.post(
    "/contracts",
    response={201: ContractOut, 422: ErrorOut},
    summary="Add (or update by supplier and title) a contract",
    auth=Capability("contracts.edit"),
)
def contract_create(request: HttpRequest, payload: ContractIn) -> Any:
    try:
        contract, _changed = services.contract_save(
            data=_contract_input(payload), actor=Actor.for_user(user_of(request))
        )
    except services.ContractError as exc:
        raise Refused(exc) from exc
    return Status(
        201, _contract_out(selectors.contract_rows(Contract.objects.filter(pk=contract.pk), today=today())[0])
    )


class ContractDecisionIn(Schema):
    decision: str
    reason: str


class DecisionOut(Schema):
    term_number: int
    term_end: date
    decision: str
    reason: str
    decided_by: str
    decided_at: datetime


@router.post(
    "/contracts/{contract_id}/decision",
    response={201: DecisionOut, 422: ErrorOut},
    summary="Record the decision about the current term (renew, terminate, renegotiate) with its reason",
    auth=Capability("contracts.edit"),
)
def contract_decision(request: HttpRequest, contract_id: int, payload: ContractDecisionIn) -> Any:
    contract = access.get_in_scope(contracts_scope(user_of(request)), pk=contract_id)
    try:
        decision = services.contract_decide(
            contract=contract,
            decision=payload.decision,
            reason=payload.reason,
            actor=Actor.for_user(user_of(request)),
            today=today(),
        )
    except services.ContractError as exc:
        raise Refused(exc) from exc
    return Status(201, decision)


class ServiceLevelIn(Schema):
    metric: str
    priority: str = ""
    target: int
    target_percent: int = 95


class BreachOut(Schema):
    subject: str
    started: date
    measured: float
    target: int
    running: bool


class ServiceLevelOut(Schema):
    metric: str
    priority: str
    target: int
    target_percent: int
    measured: int
    met: int
    percent_met: float | None
    breaches: list[BreachOut]


@router.get(
    "/contracts/{contract_id}/service-levels",
    response=list[ServiceLevelOut],
    summary="The contract's service levels measured over a period (default: the last quarter to today)",
    auth=Capability("contracts.list"),
)
def contract_service_levels(
    request: HttpRequest, contract_id: int, since: date | None = None, until: date | None = None
) -> Any:
    contract = access.get_in_scope(contracts_scope(user_of(request)), pk=contract_id)
    reports = service_levels_measured(contract, since=since or selectors.quarter_start(today()), until=until or today())
    return [
        {
            "metric": r.level.metric,
            "priority": r.level.priority,
            "target": r.level.target,
            "target_percent": r.level.target_percent,
            "measured": r.measured,
            "met": r.met,
            "percent_met": r.percent_met,
            "breaches": r.breaches,
        }
        for r in reports
    ]


@router.put(
    "/contracts/{contract_id}/service-levels",
    response={200: ServiceLevelIn, 422: ErrorOut},
    summary="Set a service level of the contract (metric and priority; replaces the same pair)",
    auth=Capability("contracts.edit"),
)
def contract_service_level_set(request: HttpRequest, contract_id: int, payload: ServiceLevelIn) -> Any:
    contract = access.get_in_scope(contracts_scope(user_of(request)), pk=contract_id)
    try:
        level = services.service_level_set(
            contract=contract,
            metric=payload.metric,
            priority=payload.priority,
            target=payload.target,
            target_percent=payload.target_percent,
            actor=Actor.for_user(user_of(request)),
        )
    except services.ContractError as exc:
        raise Refused(exc) from exc
    return level


class ContractImportOut(Schema):
    outcome: str
    created: int
    updated: int
    unchanged: int
    errors: list[RowErrorOut]
    notices: list[str]  # in the user's language


@router.post(
    "/imports/contracts",
    response={200: ContractImportOut, 422: ContractImportOut},
    summary="Import contracts (CSV or XLSX): all rows or none; errors name row and column",
    auth=Capability("contracts.edit"),
)
def contracts_import_endpoint(request: HttpRequest, file: File[UploadedFile]) -> Any:
    suffix = Path(file.name or "a.csv").suffix.lower() or ".csv"
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        for chunk in file.chunks():
            handle.write(chunk)
        handle.flush()
        result = services.contracts_import(path=Path(handle.name), actor=Actor.for_user(user_of(request)))
    body = {
        "outcome": result.outcome,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "errors": [e.as_dict() for e in result.errors],
        "notices": [str(notice) for notice in result.notices],
    }
    return Status(200 if result.outcome == "applied" else 422, body)
