"""Processors in the API (docs/processors.md): data-processing agreements with their sub-processors, transfers and
oversight, the gaps, the processors file and the record of processing. Scoped like the contracts: a supplier
user's token sees only its own company's agreements, and what it adds as sub-processor is an announcement."""

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import File, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from ordna.applications.models import Application
from ordna.applications.scopes import applications_scope
from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.api import Capability, ErrorOut, Refused, RowErrorOut
from ordna.core.clock import today
from ordna.core.errors import ServiceError
from ordna.core.web import user_of
from ordna.suppliers import processors as services
from ordna.suppliers.models import ProcessingAgreement, SubProcessor
from ordna.suppliers.processing_gaps import processing_gaps
from ordna.suppliers.processing_record import record_rows
from ordna.suppliers.processors_import import processors_import
from ordna.suppliers.scopes import agreements_scope

router = Router(tags=["processors"])


class SubProcessorOut(Schema):
    id: int
    name: str
    country: str
    role: str
    since: date | None
    status: str
    decide_by: date | None
    announced_by: str
    decided_by: str
    reason: str


class TransferOut(Schema):
    country: str
    recipient: str
    safeguard: str


class OversightOut(Schema):
    held_on: date
    method: str
    certification: str
    certification_expires: date | None
    findings: str
    actions: str
    recorded_by: str


class AgreementOut(Schema):
    id: int
    supplier: str
    title: str
    version: str
    signed_on: date | None
    valid_until: date | None
    applications: list[str]
    contracts: list[str]
    purpose: str
    data_subjects: str
    data_categories: str
    special_categories: str
    retention: str
    end_of_processing: str
    audit_right: bool
    oversight_interval_months: int
    objection_days: int
    responsible: str | None
    sub_processors: list[SubProcessorOut]
    transfers: list[TransferOut]
    oversights: list[OversightOut] | None  # our own records: not for the supplier's users


def _agreement_out(agreement: ProcessingAgreement, *, internal: bool) -> dict[str, Any]:
    return {
        "id": agreement.pk,
        "supplier": agreement.supplier.name,
        "title": agreement.title,
        "version": agreement.version,
        "signed_on": agreement.signed_on,
        "valid_until": agreement.valid_until,
        "applications": [a.slug for a in agreement.applications.all()],
        "contracts": [c.title for c in agreement.contracts.all()],
        "purpose": agreement.purpose,
        "data_subjects": agreement.data_subjects,
        "data_categories": agreement.data_categories,
        "special_categories": agreement.special_categories,
        "retention": agreement.retention,
        "end_of_processing": agreement.end_of_processing,
        "audit_right": agreement.audit_right,
        "oversight_interval_months": agreement.oversight_interval_months,
        "objection_days": agreement.objection_days,
        "responsible": agreement.responsible.employee_id if agreement.responsible_id and internal else None,  # type: ignore[union-attr]
        "sub_processors": list(agreement.sub_processors.all()),
        "transfers": list(agreement.transfers.all()),
        "oversights": list(agreement.oversights.all()) if internal else None,
    }


def _scoped(request: HttpRequest) -> Any:
    return (
        agreements_scope(user_of(request))
        .select_related("supplier", "responsible")
        .prefetch_related("applications", "contracts", "sub_processors", "transfers", "oversights")
    )


@router.get(
    "/processors",
    response=list[AgreementOut],
    summary="Data-processing agreements with their sub-processors, transfers and oversight",
    auth=Capability("processors.list"),
)
@paginate
def processor_agreements(request: HttpRequest) -> Any:
    internal = user_of(request).supplier_id is None
    return [_agreement_out(a, internal=internal) for a in _scoped(request).order_by("supplier__name", "title")]


class GapOut(Schema):
    kind: str
    label: str
    supplier: str
    subject: str
    since: date | None
    overdue: bool
    agreement_id: int | None
    application: str


@router.get(
    "/processors/gaps",
    response=list[GapOut],
    summary="What is missing, expired or overdue: agreements, certifications, oversight, sub-processor decisions",
    auth=Capability("processors.list"),
)
def processor_gaps(request: HttpRequest) -> Any:
    user = user_of(request)
    gaps = processing_gaps(
        today=today(),
        supplier_ids=access.suppliers_scope(user).values_list("id", flat=True),
        application_filter=access.in_companies(user, "company") if user.company_ids is not None else None,
    )
    return [
        {
            "kind": g.kind,
            "label": g.label,
            "supplier": g.supplier,
            "subject": g.subject,
            "since": g.since,
            "overdue": g.overdue,
            "agreement_id": g.agreement_id,
            "application": g.application_slug,
        }
        for g in gaps
    ]


@router.get(
    "/processors/{agreement_id}",
    response={200: AgreementOut, 404: ErrorOut},
    summary="One data-processing agreement",
    auth=Capability("processors.list"),
)
def processor_agreement(request: HttpRequest, agreement_id: int) -> Any:
    agreement = access.get_in_scope(_scoped(request), pk=agreement_id)
    return _agreement_out(agreement, internal=user_of(request).supplier_id is None)


class AgreementIn(Schema):
    supplier: str
    title: str
    version: str = ""
    signed_on: date | None = None
    valid_until: date | None = None
    applications: list[str] = []
    contracts: list[str] = []
    purpose: str = ""
    data_subjects: str = ""
    data_categories: str = ""
    special_categories: str = ""
    retention: str = ""
    end_of_processing: str = "delete"
    audit_right: bool = True
    oversight_interval_months: int = 12
    objection_days: int = 30
    responsible: str = ""


@router.post(
    "/processors",
    response={201: AgreementOut, 422: ErrorOut},
    summary="Add (or update by supplier and title) a data-processing agreement",
    auth=Capability("processors.edit"),
)
def processor_agreement_save(request: HttpRequest, payload: AgreementIn) -> Any:
    data = services.AgreementInput(
        **{k: v for k, v in payload.dict().items() if k not in ("applications", "contracts", "responsible")},
        applications=tuple(payload.applications),
        contracts=tuple(payload.contracts),
        responsible_employee_id=payload.responsible,
    )
    try:
        agreement, _changed = services.agreement_save(data=data, actor=Actor.for_user(user_of(request)))
    except services.ProcessorError as exc:
        raise Refused(exc) from exc
    return Status(201, _agreement_out(_scoped(request).get(pk=agreement.pk), internal=True))


class SubProcessorIn(Schema):
    name: str
    country: str
    role: str = ""
    since: date | None = None


@router.post(
    "/processors/{agreement_id}/sub-processors",
    response={201: SubProcessorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Add a sub-processor; from a supplier's token it is an announcement for the customer to decide",
    auth=Capability("processors.supplier"),
)
def processor_subprocessor_add(request: HttpRequest, agreement_id: int, payload: SubProcessorIn) -> Any:
    user = user_of(request)
    agreement = access.get_in_scope(agreements_scope(user), pk=agreement_id)
    announced = user.supplier_id is not None
    if not announced:
        access.require(user, "processors.edit")
    try:
        sub = services.subprocessor_add(
            agreement=agreement,
            name=payload.name,
            country=payload.country,
            role=payload.role,
            since=payload.since,
            actor=Actor.for_user(user),
            today=today(),
            announced=announced,
        )
    except services.ProcessorError as exc:
        raise Refused(exc) from exc
    return Status(201, sub)


class SubProcessorDecisionIn(Schema):
    decision: str  # accept or object
    reason: str = ""


@router.post(
    "/sub-processors/{subprocessor_id}/decision",
    response={200: SubProcessorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Accept or object to an announced sub-processor (objecting needs a reason)",
    auth=Capability("processors.edit"),
)
def processor_subprocessor_decide(request: HttpRequest, subprocessor_id: int, payload: SubProcessorDecisionIn) -> Any:
    user = user_of(request)
    sub = access.get_in_scope(SubProcessor.objects.filter(agreement__in=agreements_scope(user)), pk=subprocessor_id)
    try:
        return services.subprocessor_decide(
            sub=sub, decision=payload.decision, reason=payload.reason, actor=Actor.for_user(user)
        )
    except services.ProcessorError as exc:
        raise Refused(exc) from exc


class TransferIn(Schema):
    country: str
    safeguard: str
    recipient: str = ""


@router.post(
    "/processors/{agreement_id}/transfers",
    response={201: TransferOut, 404: ErrorOut, 422: ErrorOut},
    summary="Record a transfer outside the EU/EEA with its safeguard",
    auth=Capability("processors.edit"),
)
def processor_transfer_add(request: HttpRequest, agreement_id: int, payload: TransferIn) -> Any:
    user = user_of(request)
    agreement = access.get_in_scope(agreements_scope(user), pk=agreement_id)
    try:
        transfer = services.transfer_add(
            agreement=agreement,
            country=payload.country,
            recipient=payload.recipient,
            safeguard=payload.safeguard,
            actor=Actor.for_user(user),
        )
    except services.ProcessorError as exc:
        raise Refused(exc) from exc
    return Status(201, transfer)


class OversightIn(Schema):
    held_on: date
    method: str
    certification: str = ""
    certification_expires: date | None = None
    findings: str = ""
    actions: str = ""


@router.post(
    "/processors/{agreement_id}/oversight",
    response={201: OversightOut, 404: ErrorOut, 422: ErrorOut},
    summary="Record an oversight (questionnaire, audit report, certification with its expiry, audit)",
    auth=Capability("processors.edit"),
)
def processor_oversight_add(request: HttpRequest, agreement_id: int, payload: OversightIn) -> Any:
    user = user_of(request)
    agreement = access.get_in_scope(agreements_scope(user), pk=agreement_id)
    try:
        record = services.oversight_record(
            agreement=agreement, actor=Actor.for_user(user), today=today(), **payload.dict()
        )
    except services.ProcessorError as exc:
        raise Refused(exc) from exc
    return Status(201, record)


class ProcessorImportOut(Schema):
    outcome: str
    created: int
    updated: int
    unchanged: int
    errors: list[RowErrorOut]
    notices: list[str]


@router.post(
    "/imports/processors",
    response={200: ProcessorImportOut, 422: ProcessorImportOut},
    summary="Import data-processing agreements (CSV or XLSX): all rows or none; errors name row and column",
    auth=Capability("processors.edit"),
)
def processors_import_endpoint(request: HttpRequest, file: File[UploadedFile]) -> Any:
    suffix = Path(file.name or "a.csv").suffix.lower() or ".csv"
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        for chunk in file.chunks():
            handle.write(chunk)
        handle.flush()
        result = processors_import(path=Path(handle.name), actor=Actor.for_user(user_of(request)), today=today())
    body = {
        "outcome": result.outcome,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "errors": [e.as_dict() for e in result.errors],
        "notices": [str(notice) for notice in result.notices],
    }
    return Status(200 if result.outcome == "applied" else 422, body)


class RecordRowOut(Schema):
    application: str
    slug: str
    company: str
    owner: str
    purpose: str
    legal_basis: str
    data_subjects: str
    data_categories: str
    special_categories: str
    processor: str
    agreement: str
    agreement_signed: date | None
    agreement_in_force: bool
    sub_processors: str
    transfers: str
    recipients: str
    retention: str
    security_measures: str
    edited: bool


@router.get(
    "/processing-record",
    response=list[RecordRowOut],
    summary="The record of processing (GDPR article 30): one row per application that holds personal data",
    auth=Capability("processing.record"),
)
def processing_record(request: HttpRequest) -> Any:
    return record_rows(applications_scope(user_of(request)), today=today())


class ActivityIn(Schema):
    purpose: str | None = None
    legal_basis: str | None = None
    data_subjects: str | None = None
    data_categories: str | None = None
    recipients: str | None = None
    retention: str | None = None
    security_measures: str | None = None


@router.put(
    "/processing-record/{slug}",
    response={200: RecordRowOut, 404: ErrorOut, 422: ErrorOut},
    summary="Set what the record says of an application where its agreements do not (empty: from the agreements)",
    auth=Capability("processing.edit"),
)
def processing_record_set(request: HttpRequest, slug: str, payload: ActivityIn) -> Any:
    user = user_of(request)
    application: Application = access.get_in_scope(applications_scope(user), slug=slug)
    if not application.holds_personal_data:
        raise Refused(
            ServiceError(
                _("%(slug)s is not marked as holding personal data: set holds_personal_data first."),
                field="slug",
                slug=slug,
            )
        )
    values = {k: v for k, v in payload.dict().items() if v is not None}
    try:
        services.processing_activity_save(application=application, values=values, actor=Actor.for_user(user))
    except services.ProcessorError as exc:
        raise Refused(exc) from exc
    return record_rows(applications_scope(user).filter(pk=application.pk), today=today())[0]
