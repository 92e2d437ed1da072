"""Writes to the processors' records (docs/processors.md): data-processing agreements, their documents,
sub-processors (added by us, or announced by the supplier and then decided), transfers, oversight, and what the
record of processing says of an application; every one audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordna.applications.models import Application
from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.core.errors import ServiceError, no_person
from ordna.core.services import SupplierError, supplier_get_or_add
from ordna.people.models import Person
from ordna.suppliers.models import (
    AgreementDocument,
    Contract,
    EndOfProcessing,
    OversightMethod,
    OversightRecord,
    ProcessingActivity,
    ProcessingAgreement,
    Safeguard,
    SubProcessor,
    SubProcessorStatus,
    Transfer,
)
from ordna.suppliers.services import DOCUMENT_SUFFIXES

# The EU and EEA member states: data kept here is not a transfer (article 44).
EEA = frozenset(
    (
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IS",
        "IT",
        "LI",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "NO",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    )
)


class ProcessorError(ServiceError):
    """A processor's record cannot be saved as asked; `field` names the input."""


def _country(value: str, field: str = "country") -> str:
    code = value.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise ProcessorError(
            _("The country is a two-letter code such as SE, NL or US, not %(value)s."), field=field, value=repr(value)
        )
    return code


def _plausible(day: date | None, field: str) -> None:
    """A date of an agreement, an oversight or a certification between 1970 and 2199: a year outside that is a
    typing error, and the dates computed from it (the next oversight) must stay representable."""
    if day is not None and not 1970 <= day.year <= 2199:
        raise ProcessorError(
            _("%(value)s is not a plausible date (years 1970 to 2199)."), field=field, value=day.isoformat()
        )


def _text(value: str, field: str, what: str | Any, *, limit: int = 200) -> str:
    text = " ".join(value.split())
    if not text:
        raise ProcessorError(_("Fill in %(what)s."), field=field, what=what)
    if len(text) > limit:
        raise ProcessorError(_("%(what)s is longer than %(limit)s characters."), field=field, what=what, limit=limit)
    return text


# Agreements ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgreementInput:
    """An agreement's fields as entered (web, API or a row of an imported file)."""

    supplier: str
    title: str
    version: str = ""
    signed_on: date | None = None
    valid_until: date | None = None
    applications: tuple[str, ...] = ()
    contracts: tuple[str, ...] = ()  # contract titles of the same supplier
    purpose: str = ""
    data_subjects: str = ""
    data_categories: str = ""
    special_categories: str = ""
    retention: str = ""
    end_of_processing: str = EndOfProcessing.DELETE
    audit_right: bool = True
    oversight_interval_months: int = 12
    objection_days: int = 30
    responsible_employee_id: str = ""


def _agreement_fields(data: AgreementInput) -> dict[str, Any]:
    """Validate `data`; a ProcessorError names the field."""
    title = _text(data.title, "title", _("the agreement's title"))
    if data.end_of_processing not in EndOfProcessing.values:
        raise ProcessorError(
            _(
                "At the end the data is deleted, returned or returned and deleted (delete, return, "
                "return_and_delete), not %(value)s."
            ),
            field="end_of_processing",
            value=repr(data.end_of_processing),
        )
    if not 1 <= data.oversight_interval_months <= 120:
        raise ProcessorError(
            _("The oversight interval is 1 to 120 months, not %(value)s."),
            field="oversight_interval_months",
            value=data.oversight_interval_months,
        )
    if not 1 <= data.objection_days <= 365:
        raise ProcessorError(
            _("The time to object to a sub-processor is 1 to 365 days, not %(value)s."),
            field="objection_days",
            value=data.objection_days,
        )
    _plausible(data.signed_on, "signed_on")
    _plausible(data.valid_until, "valid_until")
    if data.signed_on and data.valid_until and data.valid_until < data.signed_on:
        raise ProcessorError(
            _("The agreement ends (%(end)s) before it was signed (%(start)s)."),
            field="valid_until",
            end=data.valid_until.isoformat(),
            start=data.signed_on.isoformat(),
        )
    return {
        "title": title,
        "version": data.version.strip()[:40],
        "signed_on": data.signed_on,
        "valid_until": data.valid_until,
        "purpose": data.purpose.strip(),
        "data_subjects": data.data_subjects.strip(),
        "data_categories": data.data_categories.strip(),
        "special_categories": data.special_categories.strip(),
        "retention": data.retention.strip(),
        "end_of_processing": data.end_of_processing,
        "audit_right": data.audit_right,
        "oversight_interval_months": data.oversight_interval_months,
        "objection_days": data.objection_days,
    }


def _agreement_links(data: AgreementInput, supplier_name: str) -> tuple[Person | None, list[Application]]:
    responsible = None
    if data.responsible_employee_id.strip():
        responsible = Person.objects.filter(employee_id=data.responsible_employee_id.strip()).first()
        if responsible is None:
            error = no_person("responsible", data.responsible_employee_id.strip())
            raise ProcessorError(error.message, field=error.field, **error.params)
    slugs = sorted({s.strip() for s in data.applications if s.strip()})
    apps = list(Application.objects.filter(slug__in=slugs))
    missing = sorted(set(slugs) - {a.slug for a in apps})
    if missing:
        raise ProcessorError(
            _("No application has the short name %(names)s."), field="applications", names=", ".join(missing)
        )
    return responsible, apps


def _agreement_contracts(data: AgreementInput, supplier_id: int) -> list[Contract]:
    titles = sorted({" ".join(t.split()) for t in data.contracts if t.strip()})
    found = list(Contract.objects.filter(supplier_id=supplier_id, title__in=titles))
    missing = sorted(set(titles) - {c.title for c in found})
    if missing:
        raise ProcessorError(
            _("%(supplier)s has no contract called %(titles)s."),
            field="contracts",
            supplier=data.supplier,
            titles=", ".join(missing),
        )
    return found


def _agreement_state(agreement: ProcessingAgreement) -> dict[str, Any]:
    fields = (
        "title",
        "version",
        "signed_on",
        "valid_until",
        "purpose",
        "data_subjects",
        "data_categories",
        "special_categories",
        "retention",
        "end_of_processing",
        "audit_right",
        "oversight_interval_months",
        "objection_days",
        "responsible_id",
        "supplier_id",
    )
    return {name: getattr(agreement, name) for name in fields}


def agreement_save(
    *, data: AgreementInput, actor: Actor, agreement: ProcessingAgreement | None = None
) -> tuple[ProcessingAgreement, bool]:
    """Create the agreement (or update `agreement`, or the supplier's agreement with the same title), registering
    an unknown supplier; returns it and whether anything changed. A ProcessorError names the field."""
    fields = _agreement_fields(data)
    responsible, apps = _agreement_links(data, data.supplier)
    with transaction.atomic():
        try:
            supplier, _created = supplier_get_or_add(name=data.supplier, actor=actor)
        except SupplierError as exc:
            raise ProcessorError(exc.message, field="supplier", **exc.params) from exc
        contracts = _agreement_contracts(data, supplier.pk)
        same_title = ProcessingAgreement.objects.filter(supplier=supplier, title__iexact=fields["title"])
        if agreement is None:
            agreement = same_title.first()
        elif same_title.exclude(pk=agreement.pk).exists():
            raise ProcessorError(
                _("%(supplier)s has another agreement called %(title)s."),
                field="title",
                supplier=supplier.name,
                title=repr(fields["title"]),
            )
        before = _agreement_state(agreement) if agreement is not None else None
        old_links = (
            (
                sorted(agreement.applications.values_list("slug", flat=True)),
                sorted(agreement.contracts.values_list("title", flat=True)),
            )
            if agreement is not None
            else ([], [])
        )
        if agreement is None:
            agreement = ProcessingAgreement(supplier=supplier)
        agreement.supplier = supplier
        for name, value in fields.items():
            setattr(agreement, name, value)
        agreement.responsible = responsible
        after = _agreement_state(agreement)
        new_links = (sorted(a.slug for a in apps), sorted(c.title for c in contracts))
        if before is not None and before == after and old_links == new_links:
            return agreement, False
        agreement.save()
        agreement.applications.set(apps)
        agreement.contracts.set(contracts)
        audit_record(
            actor=actor,
            action="processor.agreement_created" if before is None else "processor.agreement_updated",
            target=agreement,
            before=None if before is None else {**before, "applications": old_links[0], "contracts": old_links[1]},
            after={**after, "applications": new_links[0], "contracts": new_links[1]},
        )
    return agreement, True


def agreement_document_add(
    *, agreement: ProcessingAgreement, upload: UploadedFile, version: str, actor: Actor, by_supplier: bool = False
) -> AgreementDocument:
    """Attach a signed version of the agreement; a version given becomes the agreement's current version."""
    name = (upload.name or "agreement").rsplit("/", 1)[-1]
    if upload.size is not None and upload.size > settings.ORDNA_ATTACHMENT_MAX_MB * 1024 * 1024:
        raise ProcessorError(
            _("The document is larger than %(mb)s MB."), field="document", mb=settings.ORDNA_ATTACHMENT_MAX_MB
        )
    if not name.lower().endswith(DOCUMENT_SUFFIXES):
        raise ProcessorError(
            _("The document %(name)s is not one of the accepted types (%(types)s)."),
            field="document",
            name=name,
            types=", ".join(DOCUMENT_SUFFIXES),
        )
    version = version.strip()[:40]
    with transaction.atomic():
        document = AgreementDocument.objects.create(
            agreement=agreement,
            file=upload,
            name=name,
            version=version,
            uploaded_by=actor.label,
            uploaded_at=timezone.now(),
            by_supplier=by_supplier,
        )
        if version and version != agreement.version:
            agreement.version = version
            agreement.save(update_fields=["version"])
        audit_record(
            actor=actor,
            action="processor.document_added",
            target=agreement,
            after={"document": document.pk, "version": version, "by_supplier": by_supplier},
        )
    return document


# Sub-processors and transfers ------------------------------------------------------------------------------------


def subprocessor_add(
    *,
    agreement: ProcessingAgreement,
    name: str,
    country: str,
    role: str,
    since: date | None,
    actor: Actor,
    today: date,
    announced: bool = False,
) -> SubProcessor:
    """Add a sub-processor to the agreement: accepted when we add it; `announced` (the supplier's portal or token)
    makes it a decision for the coordinator, to take within the agreement's objection days."""
    name = _text(name, "name", _("the sub-processor's name"))
    code = _country(country)
    _plausible(since, "since")
    if agreement.sub_processors.filter(name__iexact=name, country=code).exclude(status="objected").exists():
        raise ProcessorError(
            _("%(name)s in %(country)s is a sub-processor of this agreement already."),
            field="name",
            name=name,
            country=code,
        )
    with transaction.atomic():
        sub = SubProcessor.objects.create(
            agreement=agreement,
            name=name,
            country=code,
            role=" ".join(role.split())[:200],
            since=since,
            status=SubProcessorStatus.PROPOSED if announced else SubProcessorStatus.ACCEPTED,
            decide_by=today + timedelta(days=agreement.objection_days) if announced else None,
            announced_by=actor.label if announced else "",
            announced_at=timezone.now() if announced else None,
        )
        audit_record(
            actor=actor,
            action="processor.subprocessor_announced" if announced else "processor.subprocessor_added",
            target=agreement,
            after={"sub_processor": sub.pk, "name": name, "country": code, "decide_by": sub.decide_by},
        )
    return sub


def subprocessor_decide(*, sub: SubProcessor, decision: str, reason: str, actor: Actor) -> SubProcessor:
    """Accept or object to an announced sub-processor; it stops the reminders. Objecting needs a reason."""
    if sub.status != SubProcessorStatus.PROPOSED:
        raise ProcessorError(
            _("%(name)s is decided already (%(status)s)."), field="decision", name=sub.name, status=sub.status
        )
    if decision not in ("accept", "object"):
        raise ProcessorError(_("Decide accept or object, not %(value)s."), field="decision", value=repr(decision))
    reason = reason.strip()
    if decision == "object" and not reason:
        raise ProcessorError(_("Say why you object: the supplier must know."), field="reason")
    with transaction.atomic():
        sub.status = SubProcessorStatus.ACCEPTED if decision == "accept" else SubProcessorStatus.OBJECTED
        sub.decided_by = actor.label
        sub.decided_at = timezone.now()
        sub.reason = reason
        sub.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        audit_record(
            actor=actor,
            action="processor.subprocessor_decided",
            target=sub.agreement,
            after={"sub_processor": sub.pk, "decision": decision},
        )
    return sub


def transfer_add(
    *, agreement: ProcessingAgreement, country: str, recipient: str, safeguard: str, actor: Actor
) -> Transfer:
    """Record a transfer outside the EU/EEA and its safeguard; a country inside it is no transfer."""
    code = _country(country)
    if code in EEA:
        raise ProcessorError(
            _("%(country)s is in the EU/EEA: keeping data there is not a transfer."), field="country", country=code
        )
    if safeguard not in Safeguard.values:
        raise ProcessorError(
            _("The safeguard is one of %(choices)s, not %(value)s."),
            field="safeguard",
            choices=", ".join(Safeguard.values),
            value=repr(safeguard),
        )
    with transaction.atomic():
        transfer = Transfer.objects.create(
            agreement=agreement, country=code, recipient=" ".join(recipient.split())[:200], safeguard=safeguard
        )
        audit_record(
            actor=actor,
            action="processor.transfer_added",
            target=agreement,
            after={"country": code, "recipient": transfer.recipient, "safeguard": safeguard},
        )
    return transfer


# Oversight -------------------------------------------------------------------------------------------------------


def oversight_record(
    *,
    agreement: ProcessingAgreement,
    held_on: date,
    method: str,
    actor: Actor,
    today: date,
    certification: str = "",
    certification_expires: date | None = None,
    findings: str = "",
    actions: str = "",
) -> OversightRecord:
    """Record an oversight of the processor: the next one falls due an interval after `held_on`. A
    certification needs its name and expiry."""
    if method not in OversightMethod.values:
        raise ProcessorError(
            _("The oversight is one of %(choices)s, not %(value)s."),
            field="method",
            choices=", ".join(OversightMethod.values),
            value=repr(method),
        )
    if held_on > today:
        raise ProcessorError(
            _("The oversight is recorded once held: %(day)s is in the future."),
            field="held_on",
            day=held_on.isoformat(),
        )
    _plausible(held_on, "held_on")
    _plausible(certification_expires, "certification_expires")
    certification = " ".join(certification.split())[:120]
    if method == OversightMethod.CERTIFICATION and (not certification or certification_expires is None):
        raise ProcessorError(
            _("Name the certification (ISO 27001, say) and give its expiry date."), field="certification"
        )
    with transaction.atomic():
        record = OversightRecord.objects.create(
            agreement=agreement,
            held_on=held_on,
            method=method,
            certification=certification,
            certification_expires=certification_expires,
            findings=findings.strip(),
            actions=actions.strip(),
            recorded_by=actor.label,
            recorded_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="processor.oversight_recorded",
            target=agreement,
            after={
                "held_on": held_on,
                "method": method,
                "certification": certification,
                "certification_expires": certification_expires,
            },
        )
    return record


# The record of processing ----------------------------------------------------------------------------------------

ACTIVITY_FIELDS = (
    "purpose",
    "legal_basis",
    "data_subjects",
    "data_categories",
    "recipients",
    "retention",
    "security_measures",
)


def processing_activity_save(*, application: Application, values: dict[str, str], actor: Actor) -> ProcessingActivity:
    """Set what the record of processing says of `application` where the agreements do not; a blank field is
    taken from them again. Unknown fields are refused."""
    unknown = sorted(set(values) - set(ACTIVITY_FIELDS))
    if unknown:
        raise ProcessorError(_("Unknown field %(names)s."), field=unknown[0], names=", ".join(unknown))
    if len(values.get("legal_basis", "")) > 200:
        raise ProcessorError(_("The legal basis is longer than 200 characters."), field="legal_basis")
    with transaction.atomic():
        activity, _created = ProcessingActivity.objects.get_or_create(application=application)
        before = {name: getattr(activity, name) for name in ACTIVITY_FIELDS}
        for name, value in values.items():
            setattr(activity, name, value.strip())
        after = {name: getattr(activity, name) for name in ACTIVITY_FIELDS}
        if before != after:
            activity.updated_by = actor.label
            activity.updated_at = timezone.now()
            activity.save()
            audit_record(actor=actor, action="processor.record_edited", target=application, before=before, after=after)
    return activity
