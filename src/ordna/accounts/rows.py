"""An export's rows read through a preset into records or row errors, each row with a keyed digest so that a
later import can recognise a row that has not changed without reading it again. Pure, as the presets are."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

from ordna.accounts.presets import IMPLICIT_LICENSE, AccountRecord, Preset, RowProblem
from ordna.core.tabular import RowError, Table, header_index
from ordna.core.text import later as _


@dataclass
class ReadResult:
    records: list[AccountRecord] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # Of each record's row, in the order of `records`; None for a row that is always read in full.
    digests: list[int | None] = field(default_factory=list)
    # Rows whose digest is one the application's stored accounts were read from: (key, digest), not read again.
    unchanged: list[tuple[str, int]] = field(default_factory=list)


def _reading_version() -> str:
    """Part of every row digest: the code that reads a row into a record (this module and
    ordna.accounts.presets), links the record to a person (ordna.accounts.correlation) and decides what of the
    record an account takes (ordna.accounts.planning: facts a file cannot show are kept as stored, issue 28), and
    the Unicode tables their case folding uses. A stored digest vouches for an account's record and link; after an
    upgrade that changes any of them, every row is read in full once."""
    import sys
    import unicodedata

    from ordna import __version__

    here = Path(__file__)
    try:
        code = b"".join(
            here.with_name(name).read_bytes() for name in ("rows.py", "presets.py", "correlation.py", "planning.py")
        )
    except OSError:  # installed without sources: the release stands for them
        code = __version__.encode()
    parts = (hashlib.blake2b(code).hexdigest(), unicodedata.unidata_version, f"{sys.version_info[:2]}")
    return "/".join(parts)


READING_VERSION = _reading_version()


def row_digester(preset: Preset, names: Sequence[str]) -> Callable[[Sequence[str]], int]:
    """A 64-bit digest of a row's cells as the preset reads them (its columns, in its order), keyed with the
    preset, its settings and the column names: equal digests mean the row reads as the same record."""
    seed = "\x1e".join((READING_VERSION, preset.name, preset.fingerprint, "\x1f".join(names)))
    key = hashlib.blake2b(seed.encode()).digest()[:32]
    base = hashlib.blake2b(digest_size=8, key=key)
    framed = hashlib.blake2b(digest_size=8, key=key, person=b"framed")  # a separate domain
    separators = len(names) - 1

    def digest(values: Sequence[str]) -> int:
        data = "\x1f".join(values)
        if data.count("\x1f") == separators:
            h = base.copy()
        else:  # a cell holds the separator itself: say where each cell ends instead
            h = framed.copy()
            data = "".join(f"{len(value)}:{value}" for value in values)
        h.update(data.encode("utf-8", "surrogatepass"))
        return int.from_bytes(h.digest(), "big", signed=True)

    return digest


def read_accounts(table: Table, preset: Preset, *, known: Mapping[int, str] | None = None) -> ReadResult:
    """Every row through `preset`; a missing header is one error that names what the preset expects.

    `known` maps the digests of rows the application's stored accounts were read from to their keys: such a
    row is not read again but listed in `unchanged` (the plan checks it against the stored account).
    """
    index = header_index(table.header)
    missing = [h for h in preset.required if h.lower() not in index]
    result = ReadResult()
    if missing:
        result.errors.append(
            RowError(
                1,
                "",
                _(
                    "the file does not match the %(preset)s preset: missing column(s) %(missing)s; "
                    "the %(preset)s preset expects: %(expected)s",
                    preset=preset.name,
                    missing=", ".join(missing),
                    expected=", ".join(preset.required + preset.optional),
                ),
            )
        )
        return result
    names = (*preset.required, *preset.optional)
    width = len(table.header)
    # Columns the file lacks read as "": they point at a blank cell appended to every row.
    fetch = itemgetter(*[index.get(name.lower(), width) for name in names])
    digest_of = row_digester(preset, names)
    known = known or {}
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        if len(cells) != width:
            cells = cells[:width] if len(cells) > width else [*cells, *([""] * (width - len(cells)))]
        cells.append("")
        values = fetch(cells)
        if not isinstance(values, tuple):
            values = (values,)
        digest = digest_of(values)
        key = known.get(digest)
        if key is not None and key not in seen:
            seen[key] = number
            result.unchanged.append((key, digest))
            continue
        try:
            record = preset.read(dict(zip(names, values, strict=True)), number)
        except RowProblem as problem:
            result.errors.append(RowError(number, problem.column, problem.reason))
            continue
        if record is None:
            continue
        first = seen.get(record.key)
        if first is not None:
            result.errors.append(
                RowError(
                    number,
                    preset.required[0] if preset.required else "",
                    _("duplicate account %(key)s (also on row %(first)s)", key=repr(record.key_display), first=first),
                )
            )
            continue
        seen[record.key] = number
        result.records.append(record)
        # A licence named implicitly is resolved against the application's licences at every import, so
        # such a row is read in full each time.
        result.digests.append(None if IMPLICIT_LICENSE in record.licenses else digest)
    if not result.records and not result.unchanged and not result.errors:
        result.errors.append(RowError(0, "", _("the file has a header but no rows")))
    return result
