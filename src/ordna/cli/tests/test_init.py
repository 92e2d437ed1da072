"""`ordna init` and `make start`: a clean instance for real use, beside the demo's `make run` (issue 29)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ordna.core.models import User
from ordna.lifecycle.models import CaseKind, CaseTemplate

pytestmark = pytest.mark.django_db
REPOSITORY = Path(__file__).resolve().parents[4]


def test_init_adds_the_first_user_as_coordinator_and_the_default_leaver_template(tmp_path, capsys) -> None:
    # Given an empty database and a password in a file
    secret = tmp_path / "pw.txt"
    secret.write_text("a-long-enough-passphrase-2026\n", encoding="utf-8")
    # When the instance is set up
    call_command("init", "--email", "it@example.org", "--password-file", str(secret))
    # Then the first user is administrator and IT coordinator, and signs in with the file's password
    user = User.objects.get()
    assert (user.username, user.email, sorted(user.role_set)) == ("admin", "it@example.org", ["admin", "coordinator"])
    assert user.check_password("a-long-enough-passphrase-2026")
    # And the default leaver template gives the manager, HR and the leaver their tasks
    template = CaseTemplate.objects.get(kind=CaseKind.LEAVER)
    assert (template.name, template.active, template.department, template.employment_type) == (
        "Leaver (everyone)",
        True,
        "",
        "",
    )
    assert sorted({task.responsible for task in template.tasks.all()}) == ["employee", "hr", "manager"]
    assert template.tasks.count() == 6
    out = capsys.readouterr().out
    assert "  user admin: administrator and IT coordinator" in out
    assert "Next:" in out
    assert "ordna import people hr.csv --dry-run" in out


def test_init_again_changes_nothing_and_says_so(tmp_path, capsys) -> None:
    secret = tmp_path / "pw.txt"
    secret.write_text("a-long-enough-passphrase-2026", encoding="utf-8")
    call_command("init", "--password-file", str(secret))
    capsys.readouterr()
    call_command("init", "--username", "other", "--password-file", str(secret))
    assert "(1 user); nothing changed. To start clean, give ORDNA_DATA_DIR a new folder." in capsys.readouterr().out
    assert list(User.objects.values_list("username", flat=True)) == ["admin"]
    assert CaseTemplate.objects.count() == 1


def test_init_without_a_password_and_no_terminal_says_what_to_give(monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(CommandError, match=r"--password-file: give the first user's password in a file"):
        call_command("init")
    assert not User.objects.exists()


def test_init_refuses_a_weak_password_and_sets_up_nothing(tmp_path) -> None:
    secret = tmp_path / "pw.txt"
    secret.write_text("123", encoding="utf-8")
    with pytest.raises(CommandError, match=r"^--password-file: The password is not good enough"):
        call_command("init", "--password-file", str(secret))
    assert not User.objects.exists()
    assert not CaseTemplate.objects.exists()


def test_the_demo_does_not_load_over_an_instance_init_set_up(tmp_path, capsys) -> None:
    secret = tmp_path / "pw.txt"
    secret.write_text("a-long-enough-passphrase-2026", encoding="utf-8")
    call_command("init", "--password-file", str(secret))
    capsys.readouterr()
    call_command("demo", "--if-empty")
    assert capsys.readouterr().out == "The database already holds 1 user: the demo is not loaded again.\n"


def test_make_start_sets_up_then_serves_without_a_marker_file() -> None:
    planned = subprocess.run(
        ["make", "--no-print-directory", "-n", "start", "PORT=18112", "ADMIN_EMAIL=it@example.org"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=True,
        # USERNAME and EMAIL, which shells and mail tools set, do not choose the first user
        env={
            **{k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")},
            "USERNAME": "root",
            "EMAIL": "root@example.org",
        },
    ).stdout
    assert (
        'ORDNA_BASE_URL="${ORDNA_BASE_URL:-http://127.0.0.1:18112}" .venv/bin/ordna init --username "admin" '
        '--email "it@example.org"' in planned
    )
    assert planned.rstrip().endswith(".venv/bin/ordna serve --host 127.0.0.1 --port 18112")
    assert ".demo-loaded" not in planned


def test_init_asks_for_the_password_twice_at_a_terminal(monkeypatch, capsys) -> None:
    answers = iter(["a-long-enough-passphrase-2026", "a-long-enough-passphrase-2026"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    call_command("init")
    assert User.objects.get().check_password("a-long-enough-passphrase-2026")


def test_two_different_passwords_set_up_nothing(monkeypatch) -> None:
    answers = iter(["a-long-enough-passphrase-2026", "another-passphrase-2026"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    with pytest.raises(CommandError, match=r"^the two passwords differ; nothing was set up$"):
        call_command("init")
    assert not User.objects.exists()
