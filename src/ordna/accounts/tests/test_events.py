"""An account import announces `accounts.changed` inside its transaction, and works without anyone listening."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from ordna.accounts.events import IMPORT, AccountsChanged, accounts_changed
from ordna.accounts.importing import accounts_import
from ordna.accounts.models import Account, Finding
from ordna.accounts.services import reconcile
from ordna.applications.models import Application
from ordna.conftest import TODAY, hr_row
from ordna.core.models import ImportRun

pytestmark = pytest.mark.django_db
HEADER = "account_id,email,display_name,employee_id,status,last_login,license\n"


@pytest.fixture
def export(write_file) -> Path:
    return write_file(
        "crm.csv",
        HEADER
        + "e1@example.org,e1@example.org,,E1,active,2026-11-10,\n"
        + "stray@example.org,stray@example.org,,,active,2026-11-10,\n",
    )


def recorder(heard: list[AccountsChanged]) -> Callable[[AccountsChanged], Mapping[str, int]]:
    def listen(change: AccountsChanged) -> Mapping[str, int]:
        heard.append(change)
        return {}

    return listen


def written_at(path: Path, moment: datetime) -> Path:
    """The file as if downloaded at `moment` (the suite's clock is frozen; the file system's is not)."""
    os.utime(path, (moment.timestamp(), moment.timestamp()))
    return path


def test_the_import_announces_the_application_and_how_its_accounts_were_seen(load_people, export, actor) -> None:
    load_people([hr_row("E1")])
    downloaded = timezone.now() - timedelta(hours=1)
    written_at(export, downloaded)
    heard: list[AccountsChanged] = []
    with accounts_changed.replaced(recorder(heard)):
        accounts_import(
            create_application=True, application_slug="crm", path=export, actor=actor, today=TODAY, preset="generic"
        )
        accounts_import(
            create_application=True,
            application_slug="crm",
            path=export,
            actor=actor,
            today=TODAY,
            preset="generic",
            full=False,
        )
    crm = Application.objects.get(slug="crm").pk
    runs = list(ImportRun.objects.filter(source="accounts").order_by("id").values_list("id", flat=True))
    assert [(c.application_id, c.actor, c.today, c.seen_by, c.full, c.import_run_id) for c in heard] == [
        (crm, actor, TODAY, IMPORT, True, runs[0]),
        (crm, actor, TODAY, IMPORT, False, runs[1]),
    ]
    # An export was taken when its file was written: the same file imported again proves nothing newer.
    assert [c.taken_at for c in heard] == [downloaded, downloaded]


def test_an_export_file_is_never_taken_after_its_import(load_people, export, actor) -> None:
    load_people([hr_row("E1")])
    written_at(export, timezone.now() + timedelta(days=3))  # a clock ahead of the server's proves nothing
    heard: list[AccountsChanged] = []
    with accounts_changed.replaced(recorder(heard)):
        accounts_import(
            create_application=True, application_slug="crm", path=export, actor=actor, today=TODAY, preset="generic"
        )
    assert heard[0].taken_at == ImportRun.objects.get(source="accounts").started_at


def test_reconciling_announces_a_change_by_the_accounts_app_itself(load_people, export, actor) -> None:
    load_people([hr_row("E1")])
    accounts_import(
        create_application=True, application_slug="crm", path=export, actor=actor, today=TODAY, preset="generic"
    )
    heard: list[AccountsChanged] = []
    with accounts_changed.replaced(recorder(heard)):
        reconcile(application=Application.objects.get(slug="crm"), actor=actor, today=TODAY)
    # Reconciling reads nothing from the source: the accounts are as the last (full) import showed them.
    run = ImportRun.objects.get(source="accounts")
    assert [(c.seen_by, c.full, c.import_run_id, c.taken_at) for c in heard] == [(IMPORT, True, run.pk, run.started_at)]


def test_without_listeners_the_import_applies_and_syncs_its_findings(load_people, export, actor) -> None:
    load_people([hr_row("E1")])
    with accounts_changed.replaced():
        result = accounts_import(
            create_application=True, application_slug="crm", path=export, actor=actor, today=TODAY, preset="generic"
        )
    assert result.outcome == "applied"
    assert sorted(Account.objects.values_list("key", "person__employee_id")) == [
        ("e1@example.org", "E1"),
        ("stray@example.org", None),
    ]
    assert list(Finding.objects.values_list("kind", "account__key")) == [("orphan", "stray@example.org")]
