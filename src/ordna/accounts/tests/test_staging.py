"""A large import writes its new accounts in bounded steps that nobody sees, then applies in one short
transaction (ordna.accounts.staging, issue 26 item 3): the outcome is the unstaged import's, killed at any
moment the old accounts stay in force with no half state visible, and a rerun applies and sweeps."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from ordna.accounts import importing, staging
from ordna.accounts.models import Account, AccountStage, Finding, StagedAccount, StagedFinding
from ordna.accounts.tests.test_services import BASE, account, export, run
from ordna.conftest import hr_row
from ordna.core.audit import audit_verify
from ordna.core.tests.served import migrated_site, ordna_run, site_env

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
elif moment == "findings":  # in the applying transaction, the staged findings copied too
    insert_staged_findings = applying.insert_staged_findings
    def dying(*args):
        insert_staged_findings(*args)
        os.kill(os.getpid(), signal.SIGKILL)
    applying.insert_staged_findings = dying
elif moment == "announcing":  # the applying transaction committed, offboarding's check not yet sent
    from ordna.accounts import announcing
    def dying(*args):
        os.kill(os.getpid(), signal.SIGKILL)
    announcing.announce = dying
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


def _site_state(data: Path) -> tuple[list[tuple[Any, ...]], int, int, int, list[tuple[Any, ...]], int]:
    """The accounts (key, status), import runs, staged rows and stages, the findings (key, kind, licence, state)
    and the staged findings, as any reader would find them."""
    with sqlite3.connect(data / "ordna.sqlite3") as db:
        accounts = db.execute("SELECT key, status FROM accounts_account ORDER BY key").fetchall()
        (runs,) = db.execute("SELECT COUNT(*) FROM core_importrun WHERE source = 'accounts'").fetchone()
        (staged,) = db.execute("SELECT COUNT(*) FROM accounts_stagedaccount").fetchone()
        (stages,) = db.execute("SELECT COUNT(*) FROM accounts_accountstage").fetchone()
        findings = db.execute(
            "SELECT a.key, f.kind, f.license, f.state FROM accounts_finding f "
            "LEFT JOIN accounts_account a ON a.id = f.account_id ORDER BY 1, 2, 3, 4"
        ).fetchall()
        (staged_findings,) = db.execute("SELECT COUNT(*) FROM accounts_stagedfinding").fetchone()
    return accounts, runs, staged, stages, findings, staged_findings


@pytest.mark.own_site
@pytest.mark.parametrize("moment", ["staging", "applying", "findings"])
def test_an_import_killed_while_staged_leaves_the_old_accounts_and_a_rerun_applies(tmp_path: Path, moment: str) -> None:
    site, reference = tmp_path / "site", tmp_path / "reference"
    env = migrated_site(site)
    before = tmp_path / "before.csv"
    before.write_text(export(BASE), encoding="utf-8")
    ordna_run(env, "import", "accounts", "--create-application", "crm", str(before), "--preset", "generic")
    old = _site_state(site)
    assert old[0] == [("aob", "active"), ("jbe", "active"), ("kli01", "active"), ("svc-export", "active")]
    shutil.copytree(site, reference)  # the same site, to import into without a kill

    after = tmp_path / "after.csv"
    rows = [dict(row, status="disabled") for row in ROWS if row["account_id"] != "aob"]  # 8 new, aob gone
    after.write_text(export(rows), encoding="utf-8")
    killed = _importing(env, after, moment)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    accounts, runs, staged, stages, findings, staged_findings = _site_state(site)
    # The old accounts and findings in force, no run recorded, nothing half applied.
    assert (accounts, runs, findings) == (old[0], old[1], old[4])
    # Killed while staging: two staging transactions (6 rows) were written, where no reader looks; killed in
    # the applying transaction: the staging tables as before it, the copies rolled back with the transaction.
    # (Of the 8 new accounts, the disabled ebe with its licence implies one finding: licence waste.)
    assert (staged, stages, staged_findings) == ((6, 1, 0) if moment == "staging" else (8, 1, 1))

    again = _importing(env, after, "never")
    assert again.returncode == 0, again.stderr[-2000:]
    accounts, runs, staged, stages, findings, staged_findings = _site_state(site)
    assert accounts == sorted([("aob", "gone"), *((row["account_id"], "disabled") for row in rows)])
    # applied; the dead import's stage swept with its own
    assert (runs, staged, stages, staged_findings) == (old[1] + 1, 0, 0, 0)
    # The findings are those of the same import never killed: the staged ones copied to their accounts.
    assert _importing(site_env(reference), after, "never").returncode == 0
    assert findings == _site_state(reference)[4]
    assert ("ebe", "license_waste", "Standard", "open") in findings
    assert "ok (" in ordna_run(env, "audit", "verify")


HR_COLUMNS = "employee_id,first_name,last_name,email,department,manager_employee_id,employment_type"
HR_HEADER = HR_COLUMNS + ",start_date,end_date,cost_center\n"


@pytest.mark.own_site
def test_an_import_killed_before_offboarding_checked_its_accounts_is_checked_on_the_rerun(tmp_path: Path) -> None:
    """The accounts commit first; offboarding's check follows in a transaction of its own. Killed between the
    two, the accounts are applied and the check is owed (recorded with them); the rerun makes it."""
    env = migrated_site(tmp_path)
    # Karin left two days ago: her leaver case opens, and her crm account, once imported, gets its line.
    last_day = (date.today() - timedelta(days=2)).isoformat()
    hr = tmp_path / "hr.csv"
    hr.write_text(
        HR_HEADER + f"E1,Karin,Lindqvist,karin.lindqvist@example.org,Sales,,employee,2020-01-01,{last_day},\n",
        encoding="utf-8",
    )
    ordna_run(env, "import", "people", str(hr))
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(export(BASE), encoding="utf-8")
    ordna_run(env, "import", "accounts", "--create-application", "crm", str(accounts), "--preset", "generic")

    def line_state() -> tuple[list[tuple[Any, ...]], int]:
        with sqlite3.connect(tmp_path / "ordna.sqlite3") as db:
            lines = db.execute(
                "SELECT a.key, l.state, l.proof_run_id FROM lifecycle_line l "
                "JOIN accounts_account a ON a.id = l.account_id WHERE l.kind = 'account' ORDER BY a.key"
            ).fetchall()
            (owed,) = db.execute("SELECT COUNT(*) FROM accounts_accountscheckpending").fetchone()
        return lines, owed

    assert line_state() == ([("kli01", "open", None)], 0)
    accounts.write_text(export([dict(row, status="disabled") for row in BASE]), encoding="utf-8")
    killed = _importing(env, accounts, "announcing")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    applied, runs = _site_state(tmp_path)[:2]
    assert {status for _key, status in applied} == {"disabled"}  # the accounts are applied ...
    assert line_state() == ([("kli01", "open", None)], 1)  # ... and the check is owed

    again = _importing(env, accounts, "never")  # the same file again: nothing changes but the check is made
    assert again.returncode == 0, again.stderr[-2000:]
    lines, owed = line_state()
    with sqlite3.connect(tmp_path / "ordna.sqlite3") as db:
        (last_run,) = db.execute("SELECT MAX(id) FROM core_importrun WHERE source = 'accounts'").fetchone()
    # Verified once, by the rerun: the owed check of the killed import was dropped, as the rerun's own
    # check covers the same accounts (and names the import that last showed them).
    assert (lines, owed) == ([("kli01", "verified", last_run)], 0)
    assert _site_state(tmp_path)[1] == runs + 1
    assert "ok (" in ordna_run(env, "audit", "verify")
