"""The pure core of the HR import: row validation, the plan, the breaker."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ordna.conftest import hr_csv, hr_row
from ordna.core.tabular import open_table
from ordna.people.hr_import import mass_change_tripped, parse_hr_rows, plan_people

TODAY = date(2026, 11, 16)


def parse(tmp_path: Path, text: str) -> tuple[list, list]:
    path = tmp_path / "hr.csv"
    path.write_text(text, encoding="utf-8")
    return parse_hr_rows(open_table(path))


def test_valid_rows_become_records(tmp_path: Path) -> None:
    records, errors = parse(
        tmp_path,
        hr_csv(
            [
                hr_row(
                    "E1",
                    "Åsa",
                    "Öberg",
                    email="Asa.Oberg@Example.org",
                    employment_type="Consultant",
                    end_date="2026-12-31",
                )
            ]
        ),
    )
    assert errors == []
    (record,) = records
    assert (record.employee_id, record.first_name, record.email, record.employment_type, record.end_date) == (
        "E1",
        "Åsa",
        "asa.oberg@example.org",
        "consultant",
        date(2026, 12, 31),
    )
    assert record.row == 2


def test_every_row_error_is_reported_with_row_and_column(tmp_path: Path) -> None:
    rows = [
        hr_row("E1"),
        hr_row("", "No", "Id"),  # row 3
        hr_row("E1", "Dup", "Licate"),  # row 4
        hr_row("E4", end_date="31/12/2026"),  # row 5
        hr_row("E5", employment_type="intern"),  # row 6
        hr_row("E6", start_date="2026-05-01", end_date="2026-04-30"),  # row 7
        hr_row("E7", email="not-an-address"),  # row 8
    ]
    _, errors = parse(tmp_path, hr_csv(rows))
    assert [(e.row, e.column) for e in errors] == [
        (3, "employee_id"),
        (4, "employee_id"),
        (5, "end_date"),
        (6, "employment_type"),
        (7, "end_date"),
        (8, "email"),
    ]
    assert "duplicate employee id 'E1' (also on row 2)" in errors[1].reason
    assert errors[2].reason == "'31/12/2026' is not a date (expected YYYY-MM-DD)"


def test_wrong_header_names_the_missing_columns(tmp_path: Path) -> None:
    _, errors = parse(tmp_path, "employee_id,first_name,surname\nE1,A,B\n")
    (error,) = errors
    assert error.row == 1
    assert "missing column(s) last_name, email" in error.reason
    assert "expects: employee_id, first_name, last_name" in error.reason


def test_header_only_is_an_error(tmp_path: Path) -> None:
    _, errors = parse(tmp_path, hr_csv([]))
    assert [str(e) for e in errors] == ["the file has a header but no rows"]


def test_header_is_case_insensitive_and_columns_may_be_reordered(tmp_path: Path) -> None:
    header = list(
        reversed(
            [
                h.upper()
                for h in [
                    "employee_id",
                    "first_name",
                    "last_name",
                    "email",
                    "department",
                    "manager_employee_id",
                    "employment_type",
                    "start_date",
                    "end_date",
                    "cost_center",
                ]
            ]
        )
    )
    text = ",".join(header) + "\nCC9,,2020-01-01,employee,,IT,a@example.org,B,A,E9\n"
    records, errors = parse(tmp_path, text)
    assert errors == []
    assert (records[0].employee_id, records[0].first_name, records[0].cost_center) == ("E9", "A", "CC9")


def record(tmp_path: Path, *rows: dict[str, str]) -> list:
    records, errors = parse(tmp_path, hr_csv(rows))
    assert errors == []
    return records


def test_plan_creates_updates_and_counts_unchanged(tmp_path: Path) -> None:
    records = record(tmp_path, hr_row("E1"), hr_row("E2", department="Sales"), hr_row("E3"))
    existing = {r.employee_id: r.values() for r in record(tmp_path, hr_row("E1"), hr_row("E2"))}
    plan = plan_people(records, existing, today=TODAY)
    assert [r.employee_id for r in plan.creates] == ["E3"]
    assert [(u.employee_id, u.before, u.after) for u in plan.updates] == [
        ("E2", {"department": "IT"}, {"department": "Sales"})
    ]
    assert plan.unchanged == 1


def test_plan_counts_newly_ended_existing_people_only(tmp_path: Path) -> None:
    records = record(
        tmp_path,
        hr_row("E1", end_date="2026-11-30"),
        hr_row("E2", end_date="2026-12-31"),
        hr_row("E3", end_date="2026-10-01"),
    )
    existing = {r.employee_id: r.values() for r in record(tmp_path, hr_row("E1"), hr_row("E3"))}
    plan = plan_people(records, existing, today=TODAY)
    assert plan.newly_ended == ["E1", "E3"]
    assert plan.newly_leaving == ["E1", "E2"]  # E3's end date is in the past: ended, not leaving


def test_unknown_manager_is_an_error(tmp_path: Path) -> None:
    records = record(tmp_path, hr_row("E1", manager_employee_id="E404"))
    plan = plan_people(records, {}, today=TODAY)
    assert [(e.row, e.column) for e in plan.errors] == [(2, "manager_employee_id")]
    assert "unknown manager 'E404'" in plan.errors[0].reason


def test_manager_known_only_to_ordna_is_fine(tmp_path: Path) -> None:
    records = record(tmp_path, hr_row("E1", manager_employee_id="E0"))
    existing = {"E0": record(tmp_path, hr_row("E0"))[0].values()}
    assert plan_people(records, existing, today=TODAY).errors == []


def test_reporting_loop_is_an_error(tmp_path: Path) -> None:
    records = record(tmp_path, hr_row("E1", manager_employee_id="E2"), hr_row("E2", manager_employee_id="E1"))
    plan = plan_people(records, {}, today=TODAY)
    assert len(plan.errors) == 1
    assert "reporting line loops: E1 → E2 → E1" in plan.errors[0].reason


def test_breaker_trips_above_the_percentage_and_minimum() -> None:
    assert mass_change_tripped(newly_ended=51, base=1000, percent=5, minimum=10) is True
    assert mass_change_tripped(newly_ended=50, base=1000, percent=5, minimum=10) is False  # exactly 5 %: not more
    assert mass_change_tripped(newly_ended=9, base=20, percent=5, minimum=10) is False  # below the minimum
    assert mass_change_tripped(newly_ended=10, base=0, percent=5, minimum=10) is False  # nobody to end
