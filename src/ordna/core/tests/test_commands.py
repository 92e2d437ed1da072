"""The command line: user and token management, import and export, exit statuses 0, 1 and 2."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from ordna.conftest import hr_csv, hr_row
from ordna.core.models import Supplier, User
from ordna.core.services import token_user

pytestmark = pytest.mark.django_db


def test_user_add_with_person_and_password_file(load_people, tmp_path: Path, capsys) -> None:
    load_people([hr_row("E1")])
    secret = tmp_path / "pw"
    secret.write_text("a-long-enough-secret\n", encoding="utf-8")
    call_command(
        "user",
        "add",
        "anna",
        "--role",
        "manager,employee",
        "--person",
        "E1",
        "--email",
        "anna@example.org",
        "--password-file",
        str(secret),
    )
    assert capsys.readouterr().out.strip() == "user anna added with role(s) employee, manager"
    user = User.objects.get(username="anna")
    assert user.person.employee_id == "E1" and user.role_set == {"manager", "employee"}
    assert authenticate(username="anna", password="a-long-enough-secret") == user


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "boss"], "^--role: Unknown role 'boss'; the roles are admin, coordinator"),
        (["--role", "supplier"], "^--supplier: A supplier user needs a supplier: the company whose work it sees"),
        (["--role", "employee"], r"^--person: The role Employee needs a linked person \(an employee id\)\.$"),
        (["--role", "employee", "--person", "E404"], "--person: no person has employee id 'E404'"),
        (["--role", "hr", "--supplier", "Nobody AB"], "^--supplier: Only supplier users belong to a supplier"),
    ],
)
def test_user_add_refuses_bad_input(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message) as excinfo:
        call_command("user", "add", "x", *args)
    assert excinfo.value.returncode == 1
    assert not User.objects.filter(username="x").exists()


def test_user_add_refuses_a_weak_password(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("short", encoding="utf-8")
    with pytest.raises(
        CommandError, match=r"^--password-file: The password is not good enough: This password is too short"
    ):
        call_command("user", "add", "x", "--role", "hr", "--password-file", str(secret))


def test_supplier_user(capsys) -> None:
    Supplier.objects.create(name="Example IT Services AB")
    call_command("user", "add", "partner", "--role", "supplier", "--supplier", "example it services ab")
    assert User.objects.get(username="partner").supplier.name == "Example IT Services AB"
    assert "added (it was new)" not in capsys.readouterr().out


def test_supplier_user_of_a_new_company_registers_it(capsys) -> None:
    call_command("user", "add", "vendor", "--role", "supplier", "--supplier", "Voorbeeld Software BV")
    out = capsys.readouterr().out
    assert "supplier Voorbeeld Software BV added (it was new)" in out
    assert User.objects.get(username="vendor").supplier.name == "Voorbeeld Software BV"


def test_supplier_add_command(capsys) -> None:
    call_command("supplier", "add", "Example Telecom AB", "--contact-email", "support@example.org")
    assert capsys.readouterr().out.strip() == "supplier Example Telecom AB added"
    assert Supplier.objects.get().contact_email == "support@example.org"
    with pytest.raises(CommandError, match=r"exists already"):
        call_command("supplier", "add", "example telecom ab")


def test_token_create_prints_a_working_token(make_user, capsys) -> None:
    user = make_user("hr")
    call_command("token", "create", user.username)
    token = capsys.readouterr().out.strip()
    assert token.startswith("ordna_") and token_user(token) == user
    with pytest.raises(CommandError, match=r"no user named 'ghost'"):
        call_command("token", "create", "ghost")


def test_import_and_export_people(write_file, tmp_path: Path, capsys) -> None:
    path = write_file("hr.csv", hr_csv([hr_row("E1", "Åsa", "Öberg"), hr_row("E2", end_date="2026-11-20")]))
    call_command("import", "people", str(path))
    assert capsys.readouterr().out.strip() == "2 created, 0 updated, 0 unchanged, 1 newly leaving"
    call_command("import", "people", str(path))
    assert capsys.readouterr().out.strip() == "0 created, 0 updated, 2 unchanged, 0 newly leaving"
    out = tmp_path / "people.json"
    call_command("export", "people", "--format", "json", "-o", str(out))
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert [(p["employee_id"], p["first_name"], p["status"]) for p in exported] == [
        ("E1", "Åsa", "active"),
        ("E2", "Test", "leaving"),
    ]


def test_import_people_errors_exit_1_and_list_rows(write_file, capsys) -> None:
    path = write_file("hr.csv", hr_csv([hr_row("E1"), hr_row("", "No", "Id")]))
    with pytest.raises(CommandError, match=r"hr\.csv: 1 error"):
        call_command("import", "people", str(path))
    assert "row 3, column employee_id: missing employee id" in capsys.readouterr().err


def test_breaker_message_tells_how_to_confirm(write_file, load_people) -> None:
    rows = [hr_row(f"E{i}") for i in range(100)]
    load_people(rows)
    for row in rows[:11]:
        row["end_date"] = "2026-12-31"
    path = write_file("hr2.csv", hr_csv(rows))
    with pytest.raises(CommandError, match=r"stopped by the safety breaker: 11 current people"):
        call_command("import", "people", str(path))
    call_command("import", "people", str(path), "--allow-mass-change")


@pytest.mark.django_db(transaction=True)
@pytest.mark.own_site
def test_real_command_line_exit_codes(tmp_path: Path) -> None:
    env = {**os.environ, "ORDNA_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": ""}
    env.pop("DATABASE_URL")

    def ordna(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ordna.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert ordna("migrate", "-v0").returncode == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("employee_id,name\nE1,x\n", encoding="utf-8")
    result = ordna("import", "people", str(bad))
    assert result.returncode == 1
    assert "ordna: bad.csv: row 1: wrong header: missing column(s) first_name" in result.stderr
    assert result.stderr.strip().endswith("nothing was imported")
    result = ordna("import", "people")
    assert result.returncode == 2 and "the following arguments are required: file" in result.stderr
    result = ordna("audit", "verify")
    assert (result.returncode, result.stdout.strip()) == (0, "ok (0 events)")
    # The audit key was generated once, readable by its owner only, and a short one is refused.
    key_file = tmp_path / "data" / "audit_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and len(key_file.read_text(encoding="utf-8")) == 64
    result = ordna("audit", "verify")
    assert (result.returncode, len(key_file.read_text(encoding="utf-8"))) == (0, 64)
    env["ORDNA_AUDIT_KEY"] = "too short"
    result = ordna("audit", "verify")
    assert result.returncode == 2 and "configuration error: ORDNA_AUDIT_KEY: must be at least 32" in result.stderr
    env.pop("ORDNA_AUDIT_KEY")
    env["ORDNA_HOLIDAY_COUNTRY"] = "DE"
    result = ordna("audit", "verify")
    assert result.returncode == 2
    assert "configuration error: ORDNA_HOLIDAY_COUNTRY: expected SE or NL, got 'DE'" in result.stderr
