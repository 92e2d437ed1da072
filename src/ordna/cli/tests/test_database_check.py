"""A command run against a database that was never migrated, or is behind, ends with one sentence saying what
to do and exit status 2 (it cannot run as set up), never a traceback."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

# Each command runs over a data folder of its own (SQLite), whatever DATABASE_URL names.
pytestmark = pytest.mark.own_site


def ordna(data: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    environment.update(ORDNA_DATA_DIR=str(data), **env)
    return subprocess.run(
        [sys.executable, "-m", "ordna.cli", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_fresh_data_folder_says_to_migrate(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for command in (["audit", "verify"], ["import", "people", str(tmp_path / "hr.csv")], ["export", "people"]):
        result = ordna(data, *command)
        assert (result.returncode, result.stdout) == (2, ""), command
        assert result.stderr == (
            f"ordna: the database {data / 'ordna.sqlite3'} is not set up yet: run `ordna migrate` to set it up "
            "(ORDNA_DATA_DIR chooses the data folder; `make run` uses ./data)\n"
        ), command


def test_a_database_behind_on_migrations_says_to_migrate(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert ordna(data, "migrate", "-v0").returncode == 0
    with sqlite3.connect(data / "ordna.sqlite3") as db:  # as if made by the Ordna before the last migration
        db.execute("DELETE FROM django_migrations WHERE id = (SELECT max(id) FROM django_migrations)")

    result = ordna(data, "audit", "verify")

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"ordna: the database {data / 'ordna.sqlite3'} is 1 migration(s) behind this version of Ordna: "
        "run `ordna migrate` to update it\n"
    )
    assert ordna(data, "migrate", "--fake", "-v0").returncode == 0
    assert ordna(data, "audit", "verify").stdout == "ok (0 events)\n"


def test_an_unreachable_database_says_so_in_one_line(tmp_path: Path) -> None:
    result = ordna(tmp_path / "data", "audit", "verify", DATABASE_URL="postgres://ordna@127.0.0.1:9/ordna")
    assert result.returncode == 2
    assert result.stderr.startswith("ordna: cannot open the database of DATABASE_URL: ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [["migrate", "--plan"], ["showmigrations", "core"], ["help"], ["version"]])
def test_commands_that_set_up_or_describe_need_no_database(tmp_path: Path, command: list[str]) -> None:
    result = ordna(tmp_path / "data", *command)
    assert result.returncode == 0, result.stderr
    assert "not set up yet" not in result.stderr


def test_an_unknown_command_exits_2_with_one_sentence(tmp_path) -> None:
    """README: exit status 2 on wrong usage, an unknown command included."""
    environment = {**os.environ, "ORDNA_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "ordna.cli", "nonsense"], env=environment, capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout, done.stderr) == (
        2,
        "",
        "ordna: unknown command 'nonsense'; `ordna help` lists the commands\n",
    )
