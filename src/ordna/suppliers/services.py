"""Writes to contracts: terms, decisions, documents, service levels and the contracts file; every one audited."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordna.applications.models import Application
from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.core.errors import ServiceError, lazy_text, no_person
from ordna.core.services import SupplierError, supplier_get_or_add
from ordna.core.tabular import RowError, TableError, header_index, open_table
from ordna.core.text import Text
from ordna.people.models import Person
from ordna.suppliers.contract_dates import ContractDateError, ContractTerms, Notice
from ordna.suppliers.models import (
    Contract,
    ContractDecision,
    ContractDocument,
    DecisionKind,
    Metric,
    Priority,
    ServiceLevel,
)

DOCUMENT_SUFFIXES = (".pdf", ".docx", ".xlsx", ".odt", ".txt", ".png", ".jpg")


# Contracts ---------------------------------------------------------------------------------------------------


class ContractError(ServiceError):
    """A contract cannot be saved or decided as asked; the message starts with the field."""


@dataclass(frozen=True)
class ContractInput:
    """A contract's fields as entered (web, API or a row of an imported file)."""

    supplier: str
    title: str
    start_date: date
    initial_term_months: int
    renewal: str
    renewal_term_months: int | None
    notice: str
    decision_buffer_days: int = 0
    annual_value: Decimal = Decimal("0")
    currency: str = "SEK"
    owner_employee_id: str = ""
    applications: tuple[str, ...] = ()
    notes: str = ""


def _contract_fields(data: ContractInput) -> dict[str, Any]:
    """Validate `data` with the date rules; a ContractError names the field."""
    title = " ".join(data.title.split())
    if not title:
        raise ContractError(_("Fill in the contract's title."), field="title")
    try:
        notice = Notice.parse(data.notice)
        renewal_months = None if data.renewal == "none" else data.renewal_term_months
        ContractTerms(
            data.start_date, data.initial_term_months, data.renewal, renewal_months, notice, data.decision_buffer_days
        )
    except ContractDateError as exc:
        raise ContractError(exc.message, field=exc.field, **exc.params) from exc
    currency = data.currency.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ContractError(
            _("The currency is a three-letter code such as SEK or EUR, not %(currency)s."),
            field="currency",
            currency=repr(data.currency),
        )
    if data.annual_value < 0:
        raise ContractError(_("The annual value cannot be negative."), field="annual_value")
    return {
        "title": title,
        "start_date": data.start_date,
        "initial_term_months": data.initial_term_months,
        "renewal": data.renewal,
        "renewal_term_months": renewal_months,
        "notice_amount": notice.amount,
        "notice_unit": notice.unit,
        "decision_buffer_days": data.decision_buffer_days,
        "annual_value": data.annual_value,
        "currency": currency,
        "notes": data.notes,
    }


def _contract_links(data: ContractInput) -> tuple[Person | None, list[Application]]:
    owner = None
    if data.owner_employee_id.strip():
        owner = Person.objects.filter(employee_id=data.owner_employee_id.strip()).first()
        if owner is None:
            error = no_person("owner", data.owner_employee_id.strip())
            raise ContractError(error.message, field=error.field, **error.params)
    slugs = [s.strip() for s in data.applications if s.strip()]
    apps = list(Application.objects.filter(slug__in=slugs))
    missing = sorted(set(slugs) - {a.slug for a in apps})
    if missing:
        raise ContractError(
            _("No application has the short name %(names)s."), field="applications", names=", ".join(missing)
        )
    return owner, apps


def _contract_state(contract: Contract) -> dict[str, Any]:
    return {
        "supplier_id": contract.supplier_id,
        "title": contract.title,
        "start_date": contract.start_date,
        "initial_term_months": contract.initial_term_months,
        "renewal": contract.renewal,
        "renewal_term_months": contract.renewal_term_months,
        "notice": contract.notice,
        "decision_buffer_days": contract.decision_buffer_days,
        "annual_value": contract.annual_value,
        "currency": contract.currency,
        "owner_id": contract.owner_id,
    }


def contract_save(*, data: ContractInput, actor: Actor, contract: Contract | None = None) -> tuple[Contract, bool]:
    """Create the contract (or update `contract`, or the supplier's contract with the same title), registering
    an unknown supplier; returns the contract and whether anything changed. A ContractError names the field."""
    fields = _contract_fields(data)
    owner, apps = _contract_links(data)
    with transaction.atomic():
        try:
            supplier, _created = supplier_get_or_add(name=data.supplier, actor=actor)
        except SupplierError as exc:
            raise ContractError(exc.message, field="supplier", **exc.params) from exc
        if contract is None:
            contract = Contract.objects.filter(supplier=supplier, title__iexact=fields["title"]).first()
        elif Contract.objects.filter(supplier=supplier, title__iexact=fields["title"]).exclude(pk=contract.pk).exists():
            raise ContractError(
                _("%(supplier)s has another contract called %(title)s."),
                field="title",
                supplier=supplier.name,
                title=repr(fields["title"]),
            )
        before = _contract_state(contract) if contract is not None else None
        old_apps = sorted(contract.applications.values_list("slug", flat=True)) if contract is not None else []
        if contract is None:
            contract = Contract(supplier=supplier)
        contract.supplier = supplier
        for name, value in fields.items():
            setattr(contract, name, value)
        contract.owner = owner
        after = _contract_state(contract)
        new_apps = sorted(a.slug for a in apps)
        changed = before != after or old_apps != new_apps
        if before is not None and not changed:
            return contract, False
        contract.save()
        contract.applications.set(apps)
        audit_record(
            actor=actor,
            action="contract.created" if before is None else "contract.updated",
            target=contract,
            before=None if before is None else {**before, "applications": old_apps},
            after={**after, "applications": new_apps},
        )
    return contract, True


def contract_decide(*, contract: Contract, decision: str, reason: str, actor: Actor, today: date) -> ContractDecision:
    """Record the decision about the current term, with its reason: it stops that term's alerts. Renewing an
    express contract adds its renewal term; terminating a tacit one stops it rolling over past this term."""
    reason = reason.strip()
    if decision not in DecisionKind.values:
        raise ContractError(
            _("The decision is renew, terminate or renegotiate, not %(decision)s."),
            field="decision",
            decision=repr(decision),
        )
    if not reason:
        raise ContractError(_("Say why: it is what the next person will want to know."), field="reason")
    dates = contract.dates(today)
    if dates.status == "expired":
        raise ContractError(_("The contract has expired: there is no term left to decide about."), field="decision")
    term = dates.current_term
    with transaction.atomic():
        record = ContractDecision.objects.create(
            contract=contract,
            term_number=term.number,
            term_end=term.end,
            decision=decision,
            reason=reason,
            decided_by=actor.label,
            decided_at=timezone.now(),
        )
        if decision == DecisionKind.RENEW and contract.renewal == "express":
            contract.express_renewals = term.number + 1
        elif decision == DecisionKind.RENEW and contract.terminated_at_term == term.number:
            contract.terminated_at_term = None
        elif decision == DecisionKind.TERMINATE and contract.renewal == "tacit":
            contract.terminated_at_term = term.number
        elif decision == DecisionKind.TERMINATE and contract.renewal == "express":
            contract.express_renewals = term.number
        contract.save(update_fields=["express_renewals", "terminated_at_term"])
        audit_record(
            actor=actor,
            action="contract.decided",
            target=contract,
            after={"term": term.number, "term_end": term.end, "decision": decision},
        )
    return record


def contract_document_add(*, contract: Contract, upload: UploadedFile, actor: Actor) -> ContractDocument:
    """Attach a document (PDF, office file or image) to the contract."""
    name = (upload.name or "document").rsplit("/", 1)[-1]
    if upload.size is not None and upload.size > settings.ORDNA_ATTACHMENT_MAX_MB * 1024 * 1024:
        raise ContractError(
            _("The document is larger than %(mb)s MB."), field="document", mb=settings.ORDNA_ATTACHMENT_MAX_MB
        )
    if not name.lower().endswith(DOCUMENT_SUFFIXES):
        raise ContractError(
            _("The document %(name)s is not one of the accepted types (%(types)s)."),
            field="document",
            name=name,
            types=", ".join(DOCUMENT_SUFFIXES),
        )
    with transaction.atomic():
        document = ContractDocument.objects.create(
            contract=contract, file=upload, name=name, uploaded_by=actor.label, uploaded_at=timezone.now()
        )
        audit_record(actor=actor, action="contract.document_added", target=contract, after={"document": document.pk})
    return document


def service_level_set(
    *, contract: Contract, metric: str, priority: str, target: int, target_percent: int, actor: Actor
) -> ServiceLevel:
    """Set (or replace) the contract's promise for a metric and priority; escalations after this use it."""
    if metric not in Metric.values:
        raise ContractError(
            _("The metric is one of %(metrics)s, not %(metric)s."),
            field="metric",
            metrics=", ".join(Metric.values),
            metric=repr(metric),
        )
    if priority not in Priority.values:
        raise ContractError(
            _("The priority is low, medium, high, critical or empty, not %(priority)s."),
            field="priority",
            priority=repr(priority),
        )
    if target < 0 or not 1 <= target_percent <= 100:
        raise ContractError(_("Give a target of 0 or more and a percentage from 1 to 100."), field="target")
    with transaction.atomic():
        level, _created = ServiceLevel.objects.update_or_create(
            contract=contract,
            metric=metric,
            priority=priority,
            defaults={"target": target, "target_percent": target_percent},
        )
        audit_record(
            actor=actor,
            action="contract.service_level_set",
            target=contract,
            after={"metric": metric, "priority": priority, "target": target, "target_percent": target_percent},
        )
    return level


def service_level_delete(*, level: ServiceLevel, actor: Actor) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="contract.service_level_deleted",
            target=level.contract,
            before={"metric": level.metric, "priority": level.priority, "target": level.target},
        )
        level.delete()


# The contracts file --------------------------------------------------------------------------------------------

CONTRACT_COLUMNS = (
    "supplier",
    "title",
    "start_date",
    "initial_term_months",
    "renewal",
    "renewal_term_months",
    "notice",
    "decision_buffer_days",
    "annual_value",
    "currency",
)
OPTIONAL_CONTRACT_COLUMNS = ("owner", "applications", "notes")


@dataclass
class ContractImportResult:
    """What an import of contracts did, or the errors for which it did nothing."""

    errors: list[RowError] = field(default_factory=list)
    notices: list[str | Text] = field(default_factory=list)  # a Text reads in the active language
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def outcome(self) -> str:
        return "rejected" if self.errors else "applied"


def _int_cell(value: str, column: str, *, optional: bool = False) -> int | None:
    value = value.strip()
    if not value and optional:
        return None
    try:
        number = int(value)
    except ValueError:
        raise ContractError(_("%(value)s is not a whole number."), field=column, value=repr(value)) from None
    if number < 0:
        raise ContractError(_("%(value)s is negative."), field=column, value=repr(value))
    return number


def contract_input_from_cells(cells: dict[str, str]) -> ContractInput:
    """One file row as a ContractInput; a ContractError's `field` is the column at fault."""
    try:
        start = date.fromisoformat(cells["start_date"].strip())
    except ValueError:
        raise ContractError(
            _("%(value)s is not a date (YYYY-MM-DD)."), field="start_date", value=repr(cells["start_date"])
        ) from None
    renewal = cells["renewal"].strip().lower()
    if renewal not in ("none", "tacit", "express"):
        raise ContractError(
            _("The renewal is none, tacit or express, not %(renewal)s."),
            field="renewal",
            renewal=repr(cells["renewal"]),
        )
    value_text = cells["annual_value"].strip().replace(" ", "").replace(",", ".") or "0"
    try:
        value = Decimal(value_text)
    except InvalidOperation:
        raise ContractError(
            _("%(value)s is not an amount."), field="annual_value", value=repr(cells["annual_value"])
        ) from None
    if not value.is_finite():
        raise ContractError(_("%(value)s is not an amount."), field="annual_value", value=repr(cells["annual_value"]))
    if not cells["supplier"].strip():
        raise ContractError(_("Fill in the supplier."), field="supplier")
    return ContractInput(
        supplier=cells["supplier"],
        title=cells["title"],
        start_date=start,
        initial_term_months=_int_cell(cells["initial_term_months"], "initial_term_months") or 0,
        renewal=renewal,
        renewal_term_months=_int_cell(cells["renewal_term_months"], "renewal_term_months", optional=True),
        notice=cells["notice"],
        decision_buffer_days=_int_cell(cells["decision_buffer_days"], "decision_buffer_days", optional=True) or 0,
        annual_value=value,
        currency=cells["currency"] or "SEK",
        owner_employee_id=cells.get("owner", ""),
        applications=tuple(cells.get("applications", "").replace(";", "+").split("+")),
        notes=cells.get("notes", ""),
    )


def _row_error(row: int, exc: ContractError) -> RowError:
    column = "owner" if exc.field == "owner_employee_id" else exc.field
    known = (*CONTRACT_COLUMNS, *OPTIONAL_CONTRACT_COLUMNS)
    return RowError(row, column if column in known else "", lazy_text(exc.message, **exc.params))


def contracts_import(*, path: Path, actor: Actor) -> ContractImportResult:
    """Import contracts from CSV or XLSX (`ordna import contracts`, docs/suppliers.md): all rows or none. A row
    updates the supplier's contract of the same title; unknown suppliers are registered. Every error names its row
    and column."""
    result = ContractImportResult()
    try:
        table = open_table(path, max_bytes=settings.UPLOAD_MAX_BYTES)
    except TableError as exc:
        result.errors.append(RowError(0, "", str(exc)))
        return result
    result.notices.extend(table.notices)
    index = header_index(table.header)
    missing = [c for c in CONTRACT_COLUMNS if c not in index]
    if missing:
        result.errors.append(
            RowError(1, "", lazy_text(_("the header lacks the column(s) %(missing)s"), missing=", ".join(missing)))
        )
        return result
    columns = [c for c in (*CONTRACT_COLUMNS, *OPTIONAL_CONTRACT_COLUMNS) if c in index]
    rows: list[tuple[int, ContractInput]] = []
    seen: dict[tuple[str, str], int] = {}
    try:  # a price list or contract list is short: read it whole, so a row the reader cannot take ends here
        table_rows = list(table.rows)
    except TableError as exc:
        result.errors.append(RowError(0, "", str(exc)))
        return result
    for number, cells in table_rows:
        values = {c: (cells[index[c]] if index[c] < len(cells) else "") for c in columns}
        try:
            data = contract_input_from_cells(values)
            _contract_fields(data)
        except ContractError as exc:
            result.errors.append(_row_error(number, exc))
            continue
        key = (" ".join(data.supplier.split()).lower(), " ".join(data.title.split()).lower())
        if key in seen:
            result.errors.append(
                RowError(number, "title", lazy_text(_("the same contract is on row %(row)s already"), row=seen[key]))
            )
            continue
        seen[key] = number
        rows.append((number, data))
    if result.errors:
        return result
    try:
        with transaction.atomic():
            for number, data in rows:
                try:
                    existed = Contract.objects.filter(
                        supplier__name__iexact=" ".join(data.supplier.split()),
                        title__iexact=" ".join(data.title.split()),
                    ).exists()
                    _contract, changed = contract_save(data=data, actor=actor)
                except ContractError as exc:
                    result.errors.append(_row_error(number, exc))
                    continue
                if not changed:
                    result.unchanged += 1
                elif existed:
                    result.updated += 1
                else:
                    result.created += 1
            if result.errors:
                raise _Rollback
    except _Rollback:
        result.created = result.updated = result.unchanged = 0
    return result


class _Rollback(Exception):  # control flow only, never leaves this module
    pass
