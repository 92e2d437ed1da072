"""A large import writes its new accounts in bounded steps that nobody sees, then applies in one short
transaction (ordna.accounts.staging, issue 26 item 3): the outcome is the unstaged import's, killed at any
moment the old accounts stay in force with no half state visible, and a rerun applies and sweeps."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ordna.accounts import importing, staging
from ordna.accounts.models import Account, AccountsCheckPending, AccountStage, Finding, StagedAccount, StagedFinding
from ordna.accounts.tests.test_services import BASE, account, export, run
from ordna.conftest import hr_row
from ordna.core.audit import audit_verify
from ordna.core.tests.served import ordna_run, site_env

ROWS = [
    *BASE,
    account("ebe", "", "E Berg", employee_id="E2", license="Standard"),
    *(account(f"x{n:02}", f"x{n:02}@example.org", f"Extra {n:02}", status="disabled") for n in range(7)),
]


@pytest.fixture
def people(load_people) -> None:
    load_people(
        [
            hr_row("E1", "Karin", "Lindqvist", email="karin.lindqvist@example.org"),
            hr_row("E2", "Johan", "Berg", email="johan.berg@example.org"),
            hr_row("E3", "Johan", "Berg", email="johan.berg2@example.org"),
            hr_row("E4", "Åsa", "Öberg", email="asa.oberg@example.org", end_date="2026-10-31"),
        ]
    )


def snapshot(app: str) -> list[tuple[Any, ...]]:
    accounts = Account.objects.filter(application__slug=app).order_by("key")
    return [
        (
            a.key,
            a.key_display,
            a.person_id,
            a.status,
            a.match_rule,
            a.needs_review,
            a.licenses,
            a.last_login,
            sorted(a.findings.values_list("kind", "license", "state")),
        )
        for a in accounts
    ]


@pytest.fixture
def small_stages(monkeypatch) -> list[int]:
    """Stage from 1 new account, 3 rows per transaction; returns the sizes of the staging transactions."""
    monkeypatch.setattr(staging, "STAGE_FROM_ROWS", 1)
    monkeypatch.setattr(staging, "STAGE_BATCH_ROWS", 3)
    batches: list[int] = []
    insert_rows = staging.insert_rows

    def counted(model, fields, rows, **options) -> None:
        rows = list(rows)
        batches.append(len(rows))
        insert_rows(model, fields, rows, **options)

    monkeypatch.setattr(staging, "insert_rows", counted)
    return batches


@pytest.mark.django_db
def test_a_staged_import_applies_what_the_unstaged_one_does(people, write_file, actor, monkeypatch) -> None:
    assert run(write_file, actor, ROWS, app="erp").outcome == "applied"  # 12 new accounts: below the threshold
    assert not AccountStage.objects.exists()
    seen: list[tuple[int, int, int]] = []
    apply_import = importing.apply_import

    def applying(result, plan, **options):
        # Staged, and nobody sees the staged accounts until the applying transaction.
        seen.append((Account.objects.filter(application__slug="crm").count(), StagedAccount.objects.count(), 0))
        return apply_import(result, plan, **options)

    monkeypatch.setattr(importing, "apply_import", applying)
    monkeypatch.setattr(staging, "STAGE_FROM_ROWS", 1)
    monkeypatch.setattr(staging, "STAGE_BATCH_ROWS", 5)
    result = run(write_file, actor, ROWS, app="crm")
    assert result.outcome == "applied" and result.counts["new"] == len(ROWS)
    assert seen == [(0, len(ROWS), 0)]
    crm, erp = snapshot("crm"), snapshot("erp")
    assert crm == erp and len(crm) == len(ROWS)
    assert (
        Finding.objects.filter(application__slug="crm").count()
        == Finding.objects.filter(application__slug="erp").count()
    )
    # The staged rows are gone once applied.
    assert not StagedAccount.objects.exists() and not AccountStage.objects.exists()
    # The next import (changes and new accounts) is staged again and sees the applied ones as its own.
    changed = [dict(row, status="active") for row in ROWS] + [account("y01", "y01@example.org", "Ytter")]
    assert run(write_file, actor, changed, app="crm").counts["new"] == 1
    assert run(write_file, actor, changed, app="erp").counts["new"] == 1
    assert snapshot("crm") == snapshot("erp")
    assert audit_verify().ok


@pytest.mark.django_db
def test_new_accounts_are_staged_in_bounded_transactions(people, write_file, actor, small_stages) -> None:
    result = run(write_file, actor, ROWS)
    assert result.outcome == "applied"
    # 12 new accounts, then the 4 findings they imply, 3 per staging transaction
    assert small_stages == [3, 3, 3, 3, 3, 1]
    assert Account.objects.count() == len(ROWS) and not StagedAccount.objects.exists()
    assert not StagedFinding.objects.exists()
    assert sorted(Finding.objects.values_list("account__key", "kind", "license")) == [
        ("aob", "leaver_active", ""),
        ("aob", "license_waste", "Standard"),
        ("jbe", "needs_review", ""),
        ("svc-export", "orphan", ""),
    ]


@pytest.mark.django_db
def test_a_stopped_import_stages_nothing_and_a_stale_plan_is_staged_again(
    people, write_file, actor, small_stages, monkeypatch
) -> None:
    # The breaker stops the import: its plan is not worth staging.
    assert run(write_file, actor, ROWS).outcome == "applied"
    small_stages.clear()
    others = [account(f"z{n:02}", f"z{n:02}@example.org", f"Other {n:02}") for n in range(6)]
    assert run(write_file, actor, others).outcome == "stopped"
    assert small_stages == [] and Account.objects.filter(status="gone").count() == 0

    # A plan made stale after staging: the stage is dropped, and the new plan is staged.
    from ordna.accounts import applying

    checks: list[int] = []
    stale = applying.plan_stale

    def changed_once(plan, slug: str) -> bool:
        checks.append(StagedAccount.objects.count())
        return len(checks) == 1 or stale(plan, slug)

    monkeypatch.setattr(applying, "plan_stale", changed_once)
    result = run(write_file, actor, [*ROWS, *others[:2]])
    assert result.outcome == "applied" and result.counts["new"] == 2
    assert checks == [2, 2] and small_stages == [2, 2, 2, 2]  # the two accounts and their two findings, twice
    assert not StagedAccount.objects.exists() and not AccountStage.objects.exists()


# Killed with SIGKILL: in a process of its own, against a site of its own (its own SQLite file).

KILLING = """
import os, signal, sys
import django
django.setup()
from django.core.management import call_command
from ordna.accounts import applying, staging
staging.STAGE_FROM_ROWS, staging.STAGE_BATCH_ROWS = 1, 3
moment = sys.argv[2]
if moment == "staging":  # after two staging transactions committed, in the third
    insert_rows, calls = staging.insert_rows, []
    def dying(*args, **options):
        calls.append(1)
        if len(calls) == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        insert_rows(*args, **options)
    staging.insert_rows = dying
elif moment == "applying":  # in the applying transaction, the staged accounts copied into accounts
    insert_staged = applying.insert_staged
    def dying(*args):
        insert_staged(*args)
        os.kill(os.getpid(), signal.SIGKILL)
    applying.insert_staged = dying
call_command("import", "accounts", "crm", sys.argv[1], "--preset", "generic", "--allow-mass-change")
"""


def _importing(env: dict[str, str], path: Path, moment: str) -> subprocess.CompletedProcess[str]:
    """`ordna import accounts crm path` with small stages, killed at `moment` (staging, applying or never)."""
    return subprocess.run(
        [sys.executable, "-c", KILLING, str(path), moment],
        env={**env, "DJANGO_SETTINGS_MODULE": "ordna.settings"},
        capture_output=True,
        text=True,
        check=False,
    )


def _site_state(data: Path) -> tuple[list[tuple[Any, ...]], int, int, int]:
    """The accounts (key, status), import runs, staged rows and stages, as any reader would find them."""
    with sqlite3.connect(data / "ordna.sqlite3") as db:
        accounts = db.execute("SELECT key, status FROM accounts_account ORDER BY key").fetchall()
        (runs,) = db.execute("SELECT COUNT(*) FROM core_importrun WHERE source = 'accounts'").fetchone()
        (staged,) = db.execute("SELECT COUNT(*) FROM accounts_stagedaccount").fetchone()
        (stages,) = db.execute("SELECT COUNT(*) FROM accounts_accountstage").fetchone()
    return accounts, runs, staged, stages


@pytest.mark.parametrize("moment", ["staging", "applying"])
def test_an_import_killed_while_staged_leaves_the_old_accounts_and_a_rerun_applies(tmp_path: Path, moment: str) -> None:
    env = site_env(tmp_path)
    ordna_run(env, "migrate", "--verbosity", "0")
    before = tmp_path / "before.csv"
    before.write_text(export(BASE), encoding="utf-8")
    ordna_run(env, "import", "accounts", "--create-application", "crm", str(before), "--preset", "generic")
    old = _site_state(tmp_path)
    assert old[0] == [("aob", "active"), ("jbe", "active"), ("kli01", "active"), ("svc-export", "active")]

    after = tmp_path / "after.csv"
    rows = [dict(row, status="disabled") for row in ROWS if row["account_id"] != "aob"]  # 8 new, aob gone
    after.write_text(export(rows), encoding="utf-8")
    killed = _importing(env, after, moment)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    accounts, runs, staged, stages = _site_state(tmp_path)
    assert (accounts, runs) == old[:2]  # the old accounts in force, no run recorded, nothing half applied
    # Killed while staging: two staging transactions (6 rows) were written, where no reader looks; killed in
    # the applying transaction: the staging table as before it, the copy rolled back with the transaction.
    assert (staged, stages) == ((6, 1) if moment == "staging" else (8, 1))

    again = _importing(env, after, "never")
    assert again.returncode == 0, again.stderr[-2000:]
    accounts, runs, staged, stages = _site_state(tmp_path)
    assert accounts == sorted([("aob", "gone"), *((row["account_id"], "disabled") for row in rows)])
    assert (runs, staged, stages) == (old[1] + 1, 0, 0)  # applied; the dead import's stage swept with its own
    assert "ok (" in ordna_run(env, "audit", "verify")
