"""An account import announces `accounts.changed` inside its transaction, and works without anyone listening."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from ordna.accounts.events import IMPORT, AccountsChanged, accounts_changed
from ordna.accounts.importing import accounts_import
from ordna.accounts.models import Account, Finding
from ordna.accounts.services import reconcile
from ordna.applications.models import Application
from ordna.conftest import TODAY, hr_row

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


def test_the_import_announces_the_application_and_how_its_accounts_were_seen(load_people, export, actor) -> None:
    load_people([hr_row("E1")])
    heard: list[AccountsChanged] = []
    with accounts_changed.replaced(recorder(heard)):
        accounts_import(application_slug="crm", path=export, actor=actor, today=TODAY, preset="generic")
        accounts_import(application_slug="crm", path=export, actor=actor, today=TODAY, preset="generic", full=False)
    crm = Application.objects.get(slug="crm").pk
    assert [(c.application_id, c.actor, c.today, c.seen_by, c.full) for c in heard] == [
        (crm, actor, TODAY, IMPORT, True),
        (crm, actor, TODAY, IMPORT, False),
    ]


def test_reconciling_announces_a_change_by_the_accounts_app_itself(load_people, export, actor) -> None:
    load_people([hr_row("E1")])
    accounts_import(application_slug="crm", path=export, actor=actor, today=TODAY, preset="generic")
    heard: list[AccountsChanged] = []
    with accounts_changed.replaced(recorder(heard)):
        reconcile(application=Application.objects.get(slug="crm"), actor=actor, today=TODAY)
    assert [(c.seen_by, c.full) for c in heard] == [(IMPORT, False)]


def test_without_listeners_the_import_applies_and_syncs_its_findings(load_people, export, actor) -> None:
    load_people([hr_row("E1")])
    with accounts_changed.replaced():
        result = accounts_import(application_slug="crm", path=export, actor=actor, today=TODAY, preset="generic")
    assert result.outcome == "applied"
    assert sorted(Account.objects.values_list("key", "person__employee_id")) == [
        ("e1@example.org", "E1"),
        ("stray@example.org", None),
    ]
    assert list(Finding.objects.values_list("kind", "account__key")) == [("orphan", "stray@example.org")]
