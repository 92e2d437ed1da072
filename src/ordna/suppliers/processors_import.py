"""The processors file (`ordna import processors FILE`, docs/processors.md): one row per data-processing agreement,
with its sub-processors and transfers in two cells, for a first load from a spreadsheet. All rows or none; every
error names its row and column."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ordna.core.actor import Actor
from ordna.core.errors import lazy_text
from ordna.core.tabular import RowError, TableError, header_index, open_table
from ordna.core.text import Text
from ordna.suppliers.models import ProcessingAgreement, Safeguard, SubProcessor, Transfer
from ordna.suppliers.processors import (
    EEA,
    AgreementInput,
    ProcessorError,
    _agreement_fields,
    _country,
    agreement_save,
    subprocessor_add,
    transfer_add,
)

AGREEMENT_COLUMNS = ("supplier", "title", "signed_on", "purpose", "data_subjects", "data_categories")
OPTIONAL_AGREEMENT_COLUMNS = (
    "version",
    "valid_until",
    "applications",
    "contracts",
    "special_categories",
    "retention",
    "end_of_processing",
    "audit_right",
    "oversight_interval_months",
    "objection_days",
    "responsible",
    "sub_processors",
    "transfers",
)
YES = ("yes", "y", "true", "1", "ja", "j")
NO = ("no", "n", "false", "0", "nej", "nee", "")


@dataclass(frozen=True)
class SubProcessorCell:
    name: str
    country: str
    role: str


@dataclass(frozen=True)
class TransferCell:
    country: str
    safeguard: str
    recipient: str


def _date_cell(cells: dict[str, str], column: str) -> date | None:
    value = cells.get(column, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ProcessorError(_("%(value)s is not a date (YYYY-MM-DD)."), field=column, value=repr(value)) from None


def _int_cell(cells: dict[str, str], column: str, default: int) -> int:
    value = cells.get(column, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ProcessorError(_("%(value)s is not a whole number."), field=column, value=repr(value)) from None


def agreement_input_from_cells(cells: dict[str, str]) -> AgreementInput:
    """One row (or the web form) as an AgreementInput; a ProcessorError's `field` is the column at fault."""
    if not cells.get("supplier", "").strip():
        raise ProcessorError(_("Fill in the supplier."), field="supplier")
    audit = cells.get("audit_right", "yes").strip().lower()
    if audit not in YES + NO:
        raise ProcessorError(_("The audit right is yes or no, not %(value)s."), field="audit_right", value=repr(audit))
    return AgreementInput(
        supplier=cells["supplier"],
        title=cells.get("title", ""),
        version=cells.get("version", ""),
        signed_on=_date_cell(cells, "signed_on"),
        valid_until=_date_cell(cells, "valid_until"),
        applications=tuple(cells.get("applications", "").replace(";", "+").split("+")),
        contracts=tuple(cells.get("contracts", "").split(";")),
        purpose=cells.get("purpose", ""),
        data_subjects=cells.get("data_subjects", ""),
        data_categories=cells.get("data_categories", ""),
        special_categories=cells.get("special_categories", ""),
        retention=cells.get("retention", ""),
        end_of_processing=cells.get("end_of_processing", "").strip().lower() or "delete",
        audit_right=audit in YES,
        oversight_interval_months=_int_cell(cells, "oversight_interval_months", 12),
        objection_days=_int_cell(cells, "objection_days", 30),
        responsible_employee_id=cells.get("responsible", ""),
    )


def sub_processor_cells(text: str) -> list[SubProcessorCell]:
    """'Name/SE/hosting; Other/US' as sub-processors: name, two-letter country, optional role."""
    subs = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        pieces = [p.strip() for p in part.split("/")]
        if len(pieces) not in (2, 3) or not pieces[0]:
            raise ProcessorError(
                _("Write each sub-processor as name/country/role (role optional), not %(value)s."),
                field="sub_processors",
                value=repr(part),
            )
        subs.append(
            SubProcessorCell(pieces[0], _country(pieces[1], "sub_processors"), pieces[2] if len(pieces) > 2 else "")
        )
    return subs


def transfer_cells(text: str) -> list[TransferCell]:
    """'US/scc/Example Support Inc; IN/adequacy' as transfers: country, safeguard, optional recipient."""
    transfers = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        pieces = [p.strip() for p in part.split("/")]
        if len(pieces) not in (2, 3) or pieces[1].lower() not in Safeguard.values:
            raise ProcessorError(
                _("Write each transfer as country/safeguard/recipient (safeguard one of %(choices)s), not %(value)s."),
                field="transfers",
                choices=", ".join(Safeguard.values),
                value=repr(part),
            )
        if _country(pieces[0], "transfers") in EEA:
            raise ProcessorError(
                _("%(country)s is in the EU/EEA: keeping data there is not a transfer."),
                field="transfers",
                country=pieces[0].upper(),
            )
        transfers.append(
            TransferCell(_country(pieces[0], "transfers"), pieces[1].lower(), pieces[2] if len(pieces) > 2 else "")
        )
    return transfers


@dataclass
class ProcessorImportResult:
    """What an import of processors did, or the errors for which it did nothing."""

    errors: list[RowError] = field(default_factory=list)
    notices: list[str | Text] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def outcome(self) -> str:
        return "rejected" if self.errors else "applied"


def _row_error(row: int, exc: ProcessorError) -> RowError:
    column = "responsible" if exc.field == "responsible_employee_id" else exc.field
    known = (*AGREEMENT_COLUMNS, *OPTIONAL_AGREEMENT_COLUMNS)
    return RowError(row, column if column in known else "", lazy_text(exc.message, **exc.params))


@dataclass(frozen=True)
class _Row:
    number: int
    data: AgreementInput
    subs: list[SubProcessorCell]
    transfers: list[TransferCell]


class _Rollback(Exception):  # control flow only, never leaves this module
    pass


def _read_rows(path: Path, result: ProcessorImportResult) -> list[_Row]:
    try:
        table = open_table(path, max_bytes=settings.UPLOAD_MAX_BYTES)
    except TableError as exc:
        result.errors.append(RowError(0, "", str(exc)))
        return []
    result.notices.extend(table.notices)
    index = header_index(table.header)
    missing = [c for c in AGREEMENT_COLUMNS if c not in index]
    if missing:
        result.errors.append(
            RowError(1, "", lazy_text(_("the header lacks the column(s) %(missing)s"), missing=", ".join(missing)))
        )
        return []
    columns = [c for c in (*AGREEMENT_COLUMNS, *OPTIONAL_AGREEMENT_COLUMNS) if c in index]
    try:  # an agreements list is short: read it whole, so a row the reader cannot take ends here
        table_rows = list(table.rows)
    except TableError as exc:
        result.errors.append(RowError(0, "", str(exc)))
        return []
    rows: list[_Row] = []
    seen: dict[tuple[str, str], int] = {}
    for number, cells in table_rows:
        values = {c: (cells[index[c]] if index[c] < len(cells) else "") for c in columns}
        try:
            data = agreement_input_from_cells(values)
            _agreement_fields(data)
            if data.signed_on is None:
                raise ProcessorError(_("Give the date the agreement was signed (YYYY-MM-DD)."), field="signed_on")
            subs = sub_processor_cells(values.get("sub_processors", ""))
            transfers = transfer_cells(values.get("transfers", ""))
        except ProcessorError as exc:
            result.errors.append(_row_error(number, exc))
            continue
        key = (" ".join(data.supplier.split()).lower(), " ".join(data.title.split()).lower())
        if key in seen:
            result.errors.append(
                RowError(number, "title", lazy_text(_("the same agreement is on row %(row)s already"), row=seen[key]))
            )
            continue
        seen[key] = number
        rows.append(_Row(number, data, subs, transfers))
    return rows


def processors_import(*, path: Path, actor: Actor, today: date | None = None) -> ProcessorImportResult:
    """Import data-processing agreements from CSV or XLSX: all rows or none. A row updates the supplier's agreement
    of the same title and adds the sub-processors (accepted) and transfers it does not have yet; unknown
    suppliers are registered."""
    from ordna.core.clock import today as clock_today

    day = today or clock_today()
    result = ProcessorImportResult()
    rows = _read_rows(path, result)
    if result.errors:
        return result
    try:
        with transaction.atomic():
            for row in rows:
                try:
                    existed = ProcessingAgreement.objects.filter(
                        supplier__name__iexact=" ".join(row.data.supplier.split()),
                        title__iexact=" ".join(row.data.title.split()),
                    ).exists()
                    agreement, changed = agreement_save(data=row.data, actor=actor)
                    for sub in row.subs:
                        if not SubProcessor.objects.filter(
                            agreement=agreement, name__iexact=sub.name, country=sub.country
                        ).exists():
                            subprocessor_add(
                                agreement=agreement,
                                name=sub.name,
                                country=sub.country,
                                role=sub.role,
                                since=None,
                                actor=actor,
                                today=day,
                            )
                            changed = True
                    for transfer in row.transfers:
                        if not Transfer.objects.filter(
                            agreement=agreement,
                            country=transfer.country,
                            recipient=transfer.recipient,
                            safeguard=transfer.safeguard,
                        ).exists():
                            transfer_add(
                                agreement=agreement,
                                country=transfer.country,
                                recipient=transfer.recipient,
                                safeguard=transfer.safeguard,
                                actor=actor,
                            )
                            changed = True
                except ProcessorError as exc:
                    error = _row_error(row.number, exc)
                    if exc.field == "name":
                        error = RowError(row.number, "sub_processors", error.reason)
                    result.errors.append(error)
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
