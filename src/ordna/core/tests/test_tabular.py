"""Reading and writing tables: encodings, delimiters, XLSX, formula escaping."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from ordna.core.tabular import TableError, escape_cell, open_table, unescape_cell, write_table


def rows_of(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    table = open_table(path)
    return table.header, list(table.rows)


def test_semicolon_csv_with_bom_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes('\ufeffa;b\r\n1;Åsa\r\n\r\n2;"x;y"\r\n'.encode())
    header, rows = rows_of(path)
    assert header == ["a", "b"]
    assert rows == [(2, ["1", "Åsa"]), (4, ["2", "x;y"])]


def test_latin1_is_read_as_windows_1252_with_a_notice(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes("name\nÖberg\n".encode("latin-1"))
    table = open_table(path)
    assert table.encoding == "cp1252"
    assert list(table.rows) == [(2, ["Öberg"])]
    assert "not UTF-8" in table.notices[0]


def test_utf16_with_bom_as_excel_saves_unicode_text(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes("name\tcity\nÅsa\tMalmö\n".encode("utf-16"))
    header, rows = rows_of(path)
    assert (header, rows) == (["name", "city"], [(2, ["Åsa", "Malmö"])])


def test_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"a\n" + b"x\n" * 1_000_000)
    with pytest.raises(TableError, match="more than the limit of 1 MB"):
        open_table(path, max_bytes=1024 * 1024)


def test_xlsx_cells_become_text(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["id", "when", "n", "empty"])
    sheet.append(["E1", date(2026, 1, 31), 42.0, None])
    path = tmp_path / "a.xlsx"
    workbook.save(path)
    assert rows_of(path) == (["id", "when", "n", "empty"], [(2, ["E1", "2026-01-31", "42", ""])])


def test_empty_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    Workbook().save(path)
    with pytest.raises(TableError, match="no header row"):
        open_table(path)


@pytest.mark.parametrize("value", ["=1+1", "+46 70", "-5", "@SUM(A1)", "\tx"])
def test_formula_escape_round_trip(value: str) -> None:
    escaped = escape_cell(value)
    assert isinstance(escaped, str) and escaped.startswith("'")
    assert unescape_cell(escaped) == value


def test_plain_values_are_not_escaped() -> None:
    assert escape_cell("Öberg") == "Öberg"
    assert escape_cell(5) == 5
    assert unescape_cell("'quoted") == "'quoted"


def test_write_json_csv_xlsx() -> None:
    rows = [{"a": "=x", "b": ["p", "q"], "c": None}]
    out = io.BytesIO()
    assert write_table(rows, columns=["a", "b", "c"], fmt="json", out=out) == 1
    assert out.getvalue().decode() == '[{"a": "=x", "b": ["p", "q"], "c": null}]\n'
    out = io.BytesIO()
    write_table(rows, columns=["a", "b", "c"], fmt="csv", out=out)
    assert out.getvalue().decode() == "a,b,c\r\n'=x,p;q,\r\n"
    out = io.BytesIO()
    write_table(rows, columns=["a", "b", "c"], fmt="xlsx", out=out)
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    assert [c.value for c in sheet[2]] == ["'=x", "p;q", None]


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown format 'pdf'"):
        write_table([], columns=[], fmt="pdf", out=io.BytesIO())
