"""The HR import service: atomic, idempotent, guarded by the breaker, audited, round-trips its export."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from ordna.conftest import HR_HEADER, TODAY, hr_csv, hr_row
from ordna.core.actor import Actor
from ordna.core.audit import audit_verify
from ordna.core.models import AuditEvent, ImportRun
from ordna.core.tabular import write_table
from ordna.people.models import Person
from ordna.people.selectors import EXPORT_COLUMNS, people_export_rows
from ordna.people.services import people_import

pytestmark = pytest.mark.django_db


def org(n: int, **overrides: dict[str, str]) -> list[dict[str, str]]:
    """n people: E0 leads, everyone else reports to E0."""
    rows = [hr_row("E0", "Karin", "Lindqvist")]
    rows += [hr_row(f"E{i}", f"First{i}", f"Last{i}", manager_employee_id="E0") for i in range(1, n)]
    for row in rows:
        row.update(overrides.get(row["employee_id"], {}))
    return rows


def run(write_file: Callable[..., Path], actor: Actor, rows: list[dict[str, str]], **options: Any) -> Any:
    return people_import(path=write_file("hr.csv", hr_csv(rows)), actor=actor, today=TODAY, **options)


def test_first_import_creates_people_with_managers(write_file, actor) -> None:
    result = run(write_file, actor, org(3))
    assert result.outcome == "applied"
    assert result.counts() == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "newly_leaving": 0,
        "newly_left": 0,
        "already_left": 0,
        "not_in_file": 0,
    }
    assert Person.objects.get(employee_id="E2").manager.employee_id == "E0"
    assert Person.objects.get(employee_id="E0").manager is None


def test_same_file_twice_changes_nothing_the_second_time(write_file, actor) -> None:
    run(write_file, actor, org(5))
    events = AuditEvent.objects.count()
    again = run(write_file, actor, org(5))
    assert again.counts()["unchanged"] == 5
    assert (again.counts()["created"], again.counts()["updated"]) == (0, 0)
    # Only the import run itself is recorded, no change to a person.
    assert list(AuditEvent.objects.filter(seq__gt=events).values_list("action", flat=True)) == ["import.people"]


def test_update_records_before_and_after(write_file, actor) -> None:
    run(write_file, actor, org(3))
    result = run(write_file, actor, org(3, E2={"department": "Sales", "end_date": "2026-11-27"}))
    assert result.counts()["updated"] == 1
    assert result.counts()["newly_leaving"] == 1
    event = AuditEvent.objects.get(action="person.updated")
    assert event.before == {"department": "IT", "end_date": None}
    assert event.after == {"department": "Sales", "end_date": "2026-11-27"}
    assert event.actor_ref == "system:test"
    assert audit_verify().ok


def test_manager_change_and_removal(write_file, actor) -> None:
    run(write_file, actor, org(3))
    run(write_file, actor, org(3, E2={"manager_employee_id": "E1"}, E1={"manager_employee_id": ""}))
    assert Person.objects.get(employee_id="E2").manager.employee_id == "E1"
    assert Person.objects.get(employee_id="E1").manager is None


def test_a_file_with_errors_applies_nothing(write_file, actor) -> None:
    run(write_file, actor, org(3))
    rows = org(4, E1={"last_name": "Changed"}, E3={"start_date": "2026-02-30"})
    result = run(write_file, actor, rows)
    assert result.outcome == "rejected"
    assert [(e.row, e.column) for e in result.errors] == [(5, "start_date")]
    assert Person.objects.get(employee_id="E1").last_name == "Last1"
    assert not Person.objects.filter(employee_id="E3").exists()
    assert ImportRun.objects.filter(outcome="rejected").count() == 1


def test_dry_run_reports_and_writes_nothing(write_file, actor) -> None:
    result = run(write_file, actor, org(3), dry_run=True)
    assert result.outcome == "dry_run"
    assert result.counts()["created"] == 3
    assert Person.objects.count() == 0
    assert ImportRun.objects.count() == 0


def test_breaker_stops_a_mass_ending_file(write_file, actor) -> None:
    run(write_file, actor, org(200))
    ending = {f"E{i}": {"end_date": "2026-11-20"} for i in range(1, 12)}  # 11 of 200 = 5.5 %
    result = run(write_file, actor, org(200, **ending))
    assert result.outcome == "stopped"
    assert result.breaker_tripped is True
    assert Person.objects.filter(end_date__isnull=False).count() == 0
    confirmed = run(write_file, actor, org(200, **ending), allow_mass_change=True)
    assert confirmed.outcome == "applied"
    assert Person.objects.filter(end_date__isnull=False).count() == 11


def test_ending_under_the_limit_applies(write_file, actor) -> None:
    run(write_file, actor, org(200))
    ending = {f"E{i}": {"end_date": "2026-11-20"} for i in range(1, 11)}  # 10 of 200 = 5 %: not more than 5 %
    assert run(write_file, actor, org(200, **ending)).outcome == "applied"


def test_people_missing_from_the_file_are_left_alone(write_file, actor) -> None:
    run(write_file, actor, org(5))
    result = run(write_file, actor, org(3))
    assert result.counts()["not_in_file"] == 2
    assert Person.objects.filter(end_date__isnull=True).count() == 5


def test_latin1_file_is_read_with_a_notice(write_file, actor) -> None:
    path = write_file("hr.csv", hr_csv([hr_row("E1", "Åsa", "Öberg")]), encoding="latin-1")
    result = people_import(path=path, actor=actor, today=TODAY)
    assert result.outcome == "applied"
    assert "Windows-1252" in result.notices[0]
    assert Person.objects.get().first_name == "Åsa"


def test_bom_file_is_read(write_file, actor) -> None:
    path = write_file("hr.csv", hr_csv([hr_row("E1", "Åsa", "Öberg")]), encoding="utf-8-sig")
    result = people_import(path=path, actor=actor, today=TODAY)
    assert (result.outcome, result.notices) == ("applied", [])
    assert Person.objects.get().employee_id == "E1"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "the file is empty (0 bytes)"),
        (b"\x00\x01\x02binary\x00", "this is a binary file, not a CSV or XLSX table"),
        (b"\xd0\xcf\x11\xe0rest-of-an-old-xls", "this is an old Excel .xls file; save it as .xlsx or as CSV UTF-8"),
        (b"PK\x03\x04not-really-a-zip", "this is not a readable XLSX file"),
    ],
)
def test_unreadable_files_get_a_clear_answer(write_file, actor, content: bytes, reason: str) -> None:
    result = people_import(path=write_file("hr.csv", content), actor=actor, today=TODAY)
    assert result.outcome == "rejected"
    assert str(result.errors[0]).startswith(reason)


def test_xlsx_import(write_file, actor, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HR_HEADER)
    sheet.append(
        [
            "E1",
            "Femke",
            "van der Meer",
            "femke@example.org",
            "Finance",
            None,
            "employee",
            date(2021, 9, 1),
            None,
            "CC120",
        ]
    )
    path = tmp_path / "hr.xlsx"
    workbook.save(path)
    result = people_import(path=path, actor=actor, today=TODAY)
    assert result.outcome == "applied", result.errors
    person = Person.objects.get()
    assert (person.last_name, person.start_date, person.end_date) == ("van der Meer", date(2021, 9, 1), None)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(write_file, actor, tmp_path: Path, fmt: str) -> None:
    rows = org(4000, E7={"first_name": "=cmd", "end_date": "2026-12-01"}, E8={"last_name": "+46 Öberg"})
    run(write_file, actor, rows)
    out = io.BytesIO()
    count = write_table(people_export_rows(Person.objects.all(), today=TODAY), columns=EXPORT_COLUMNS, fmt=fmt, out=out)
    assert count == 4000
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(out.getvalue())
    result = people_import(path=path, actor=actor, today=TODAY)
    assert result.outcome == "applied", result.errors[:3]
    assert result.counts()["unchanged"] == 4000
    assert Person.objects.get(employee_id="E7").first_name == "=cmd"


def test_exported_formulas_are_escaped(write_file, actor) -> None:
    run(write_file, actor, org(2, E1={"first_name": '=HYPERLINK("x")'}))
    out = io.BytesIO()
    write_table(people_export_rows(Person.objects.all(), today=TODAY), columns=EXPORT_COLUMNS, fmt="csv", out=out)
    assert "'=HYPERLINK" in out.getvalue().decode()


def test_export_has_the_derived_status(write_file, actor) -> None:
    run(
        write_file,
        actor,
        org(4, E1={"end_date": "2026-11-20"}, E2={"end_date": "2026-01-31"}, E3={"start_date": "2027-01-01"}),
    )
    statuses = {r["employee_id"]: r["status"] for r in people_export_rows(Person.objects.all(), today=TODAY)}
    assert statuses == {"E0": "active", "E1": "leaving", "E2": "left", "E3": "future"}


def test_status_filter_matches_the_derived_status(write_file, actor) -> None:
    from ordna.people.models import PersonStatus, status_filter

    run(
        write_file,
        actor,
        org(
            6,
            E1={"end_date": "2026-11-30"},
            E2={"end_date": "2026-11-15"},
            E3={"start_date": "2026-11-17"},
            E4={"end_date": "2026-11-16"},
            E5={"end_date": "2026-12-01"},
        ),
    )
    for status in PersonStatus.values:
        by_query = set(
            Person.objects.filter(status_filter(status, today=TODAY, lead_days=14)).values_list(
                "employee_id", flat=True
            )
        )
        by_rule = {p.employee_id for p in Person.objects.all() if p.status_on(TODAY, 14) == status}
        assert by_query == by_rule, status


def test_today_matters_for_newly_leaving(write_file, actor) -> None:
    result = people_import(
        path=write_file("hr.csv", hr_csv([hr_row("E1", end_date="2026-01-01")])), actor=actor, today=date(2026, 11, 16)
    )
    assert result.counts()["newly_leaving"] == 0


@pytest.mark.django_db
def test_one_pass_reports_parse_and_reference_errors_together_as_the_docs_show(tmp_path, capsys) -> None:
    """docs/hr-import.md's example, run: a bad date, a duplicate id and an unknown manager come back at once."""
    import re
    from pathlib import Path

    from django.core.management import CommandError, call_command

    from ordna.conftest import hr_csv, hr_row

    # Given a file whose rows 5 and 7 do not parse, and whose row 9 names a manager nobody knows (rows as a
    # spreadsheet numbers them, the header being row 1), and row 4 a manager whose own row has an error
    rows = [hr_row(f"E100{n}") for n in range(1, 9)]
    rows[2]["manager_employee_id"] = "E1004"  # row 4: E1004 is on row 5, which has an error of its own
    rows[3]["end_date"] = "31/12/2026"  # row 5
    rows[5]["employee_id"] = "E1002"  # row 7
    rows[7]["manager_employee_id"] = "E9999"  # row 9
    path = tmp_path / "hr.csv"
    path.write_text(hr_csv(rows), encoding="utf-8")
    # When it is imported
    with pytest.raises(CommandError) as refused:
        call_command("import", "people", str(path))
    # Then every error is listed in one go, exactly as the docs show, and nothing is applied
    docs = Path(__file__).resolve().parents[4] / "docs" / "hr-import.md"
    example = re.search(r"## Bad files.*?```\n(.*?)```", docs.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert example is not None
    assert refused.value.returncode == 1
    printed = capsys.readouterr().err + f"ordna: {refused.value}\n"
    assert printed == example.group(1)
    assert Person.objects.count() == 0
