"""Reading and writing tables (CSV and XLSX), shared by every import and export.

Reading streams rows so that a million-row export never sits in memory as a whole, and answers every
file it cannot read with a sentence a person can act on (empty, binary, old .xls, unknown encoding).
Writing escapes values that a spreadsheet would run as formulas.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from ordna.core.text import Text
from ordna.core.text import later as _

csv.field_size_limit(1024 * 1024)

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class TableError(ValueError):
    """The file as a whole cannot be read; the message (a `Text`, translated when shown) says why and what to do."""


@dataclass(frozen=True)
class RowError:
    """One problem in an imported file: its row as a spreadsheet numbers it (0 for the file), column, reason."""

    row: int
    column: str
    reason: str | Text  # a Text reads in the language active where it is shown

    def __str__(self) -> str:
        if not self.row:
            return str(self.reason)
        where = f"row {self.row}"
        return f"{where}, column {self.column}: {self.reason}" if self.column else f"{where}: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        """As kept with an import run: the reason in the language active now."""
        return {"row": self.row, "column": self.column, "reason": str(self.reason)}


@dataclass
class Table:
    """A header and a stream of (row number, cells); row numbers are those a spreadsheet shows (header = 1)."""

    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    encoding: str
    notices: list[str | Text] = field(default_factory=list)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


def unescape_cell(value: str) -> str:
    """Undo `escape_cell`, so that a file Ordna exported imports unchanged."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_PREFIXES:
        return value[1:]
    return value


def _read_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged zip
        raise TableError(
            _(
                "this is not a readable XLSX file (%(error)s); save it again from Excel as .xlsx or as CSV UTF-8",
                error=type(exc).__name__,
            )
        ) from exc
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    header: list[str] | None = None
    header_row = 0
    for number, raw in enumerate(values, start=1):
        cells = [_cell_text(v).strip() for v in raw]
        if any(cells):
            header, header_row = cells, number
            break
    if header is None:
        workbook.close()
        raise TableError(_("the file is empty: the first sheet has no header row"))
    while header and not header[-1]:
        header.pop()

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, raw in enumerate(values, start=header_row + 1):
                cells = [unescape_cell(_cell_text(v)) for v in raw]
                if any(c.strip() for c in cells):
                    yield number, cells
        finally:
            workbook.close()

    return Table(header=header, rows=rows(), encoding="xlsx")


def _detect_encoding(path: Path) -> tuple[str, list[str | Text]]:
    """UTF-8 (with or without BOM) when the whole file decodes as such, UTF-16 by its BOM, else Windows-1252."""
    with path.open("rb") as handle:
        start = handle.read(4)
        if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16", []
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(1 << 20):
                if b"\x00" in chunk:
                    raise TableError(_("this is a binary file, not a CSV or XLSX table"))
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252", [
                _(
                    "The file is not UTF-8; it was read as Windows-1252 (Latin-1). "
                    "Check names with å, ä, ö, é or ij, or save it as CSV UTF-8."
                )
            ]
    return ("utf-8-sig" if start.startswith(codecs.BOM_UTF8) else "utf-8"), []


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(path: Path) -> Table:
    encoding, notices = _detect_encoding(path)
    handle: IO[str] = path.open(
        "r", encoding=encoding, errors="replace" if encoding == "cp1252" else "strict", newline=""
    )
    first_line = ""
    header_row = 0
    for header_row, line in enumerate(handle, start=1):  # noqa: B007 - header_row is used after the loop
        if line.strip():
            first_line = line
            break
    if not first_line:
        handle.close()
        raise TableError(_("the file is empty: there is no header row"))
    delimiter = _sniff_delimiter(first_line)
    header = [h.strip() for h in next(csv.reader([first_line], delimiter=delimiter))]

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            reader = csv.reader(handle, delimiter=delimiter)
            for cells in reader:
                joined = "".join(cells)
                if not joined or joined.isspace():
                    continue
                # Only a row with an apostrophe can hold a formula Ordna escaped on export.
                yield header_row + reader.line_num, [unescape_cell(c) for c in cells] if "'" in joined else cells
        except csv.Error as exc:
            raise TableError(
                _("row %(row)s: the CSV is malformed (%(error)s)", row=header_row + reader.line_num, error=exc)
            ) from exc
        finally:
            handle.close()

    return Table(header=header, rows=rows(), encoding=encoding, notices=notices)


def open_table(path: Path, *, max_bytes: int | None = None) -> Table:
    """Open a CSV or XLSX file for streaming; raise TableError with a plain reason when it cannot be read."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise TableError(_("cannot open %(path)s: %(reason)s", path=path, reason=exc.strerror)) from exc
    if size == 0:
        raise TableError(_("the file is empty (0 bytes)"))
    if max_bytes is not None and size > max_bytes:
        raise TableError(
            _(
                "the file is %(size)s MB, more than the limit of %(limit)s MB (ORDNA_UPLOAD_MAX_MB)",
                size=size // (1024 * 1024),
                limit=max_bytes // (1024 * 1024),
            )
        )
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic == XLSX_MAGIC:
        return _read_xlsx(path)
    if magic == OLE_MAGIC:
        raise TableError(_("this is an old Excel .xls file; save it as .xlsx or as CSV UTF-8"))
    return _read_csv(path)


def header_index(header: Sequence[str]) -> dict[str, int]:
    """Column positions by case-insensitive name (the first of duplicate names wins)."""
    index: dict[str, int] = {}
    for position, name in enumerate(header):
        index.setdefault(name.strip().lower(), position)
    return index


# Writing -------------------------------------------------------------------------------------------


def escape_cell(value: object) -> object:
    """A text cell that a spreadsheet would evaluate as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _plain(value: object) -> Any:
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _json_value(value: object) -> Any:
    return value if isinstance(value, (list, tuple, dict)) else _plain(value)


def write_table(rows: Iterable[dict[str, Any]], *, columns: Sequence[str], fmt: str, out: IO[bytes]) -> int:
    """Write `rows` as json, csv (UTF-8) or xlsx to the binary stream `out`; returns the number of rows."""
    count = 0
    if fmt == "json":
        out.write(b"[")
        for count, row in enumerate(rows, start=1):
            if count > 1:
                out.write(b",\n")
            out.write(json.dumps({c: _json_value(row.get(c)) for c in columns}, ensure_ascii=False).encode())
        out.write(b"]\n")
        return count
    if fmt == "csv":
        text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        writer = csv.writer(text)
        writer.writerow(columns)
        for row in rows:
            count += 1
            writer.writerow(["" if row.get(c) is None else escape_cell(_plain(row.get(c))) for c in columns])
        text.flush()
        text.detach()
        return count
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Ordna")
        sheet.append(list(columns))
        for row in rows:
            count += 1
            cells = []
            for column in columns:
                value = row.get(column)
                if isinstance(value, Decimal):
                    value = float(value)
                elif isinstance(value, (list, tuple)):
                    value = _plain(value)
                elif isinstance(value, dict):
                    value = json.dumps(value, ensure_ascii=False)
                cells.append(escape_cell(value))
            sheet.append(cells)
        workbook.save(out)
        return count
    raise ValueError(f"unknown format {fmt!r}: use json, csv or xlsx")


EXPORT_FORMATS = ("json", "csv", "xlsx")
CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
