"""The safety breaker guards the file's shape too (issue 28): a file that lacks columns the application's previous
import read, or that would change the names or addresses of more than the breaker's share of its accounts, stops
and applies nothing until confirmed, as a mass departure does; the reason is named."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from ordna.accounts.importing import accounts_import
from ordna.accounts.models import Account
from ordna.accounts.presets import ColumnMapping
from ordna.conftest import TODAY
from ordna.core.actor import Actor
from ordna.core.models import ImportRun
from ordna.core.services import token_create

pytestmark = pytest.mark.django_db
NAMES = [f"user{n:02}" for n in range(1, 21)]  # twenty accounts: the breaker's 10 % are two, its minimum ten


def m365(*, names: bool = True, display: Callable[[str], str] = lambda user: f"User {user}") -> str:
    header = "User principal name,Display name,Block credential,Licenses" + (",First name,Last name" if names else "")
    rows = [f"{user}@example.org,{display(user)},False,E3" + (f",User,{user}" if names else "") for user in NAMES]
    return "\n".join([header, *rows]) + "\n"


@pytest.fixture
def run(write_file: Callable[..., Path], actor: Actor) -> Callable[..., Any]:
    def import_file(content: str, **options: Any) -> Any:
        return accounts_import(
            create_application=True,
            application_slug="m365",
            path=write_file("file.csv", content),
            actor=actor,
            today=TODAY,
            **options,
        )

    return import_file


def test_a_file_that_lacks_columns_the_previous_import_read_stops_until_confirmed(run) -> None:
    first = run(m365())
    assert ImportRun.objects.get(pk=first.run_id).columns == [
        "User principal name",
        "Display name",
        "Block credential",
        "Licenses",
        "First name",
        "Last name",
    ]
    stopped = run(m365(names=False))
    assert (stopped.outcome, stopped.breaker_reasons, stopped.missing_columns) == (
        "stopped",
        ["columns"],
        ["First name", "Last name"],
    )
    assert stopped.breaker_notes() == [
        f"This file lacks columns the previous import (#{first.run_id}) read: First name, Last name. Is it the "
        "same export?"
    ]
    assert Account.objects.get(key="user01@example.org").display_name == "User user01"  # nothing applied
    assert run(m365(names=False), allow_mass_change=True).outcome == "applied"
    # The columns of the application's imports are now those of that file: the next one is not stopped.
    assert run(m365(names=False)).outcome == "applied"


def test_a_file_read_for_this_import_only_never_becomes_the_measure_of_the_next(run) -> None:
    run(m365())
    listing = "mail\n" + "".join(f"{user}@example.org\n" for user in NAMES)
    once = run(listing, mapping=ColumnMapping(columns={"key": "mail"}), allow_mass_change=True)
    assert once.outcome == "applied" and ImportRun.objects.get(pk=once.run_id).columns is None
    assert run(m365()).breaker_reasons == []


def test_more_than_the_share_of_accounts_changing_names_or_addresses_stops(run) -> None:
    run(m365())
    two = run(m365(display=lambda user: "Someone Else" if user in ("user01", "user02") else f"User {user}"))
    assert (two.outcome, two.identities_changed) == ("applied", 2)  # 10 %, fewer than ten: no stop
    others = run(m365(display=lambda user: f"Other {user}"))
    assert (others.outcome, others.breaker_reasons, others.identities_changed) == ("stopped", ["identities"], 20)
    assert others.breaker_notes() == [
        "20 accounts would change their names or addresses: more than the safety limit. Is this the "
        "application's own export?"
    ]
    assert others.diff["identities"][:2] == ["user01@example.org", "user02@example.org"]


def test_names_filled_in_where_there_were_none_are_no_change_of_identity(run) -> None:
    run(m365(display=lambda user: ""))
    filled = run(m365())
    assert (filled.outcome, filled.identities_changed, filled.counts["changed"]) == ("applied", 0, 20)


def test_on_the_command_line_the_breaker_names_its_reasons(write_file, capsys) -> None:
    call_command("import", "accounts", "--create-application", "m365", str(write_file("a.csv", m365())))
    path = write_file("b.csv", m365(names=False, display=lambda user: f"Other {user}"))
    with pytest.raises(CommandError) as stopped:
        call_command("import", "accounts", "--create-application", "m365", str(path))
    message = str(stopped.value)
    assert message.startswith(
        "stopped by the safety breaker (ORDNA_MASS_CHANGE_ACCOUNTS_PERCENT): This file lacks columns the previous "
        "import (#"
    )
    assert "read: First name, Last name. Is it the same export? 20 accounts would change their names or " in message
    assert message.splitlines()[0].endswith(" Nothing was applied. If it is right, run again with --allow-mass-change.")
    assert stopped.value.returncode == 1
    capsys.readouterr()
    call_command("import", "accounts", "--create-application", "m365", str(path), "--allow-mass-change")
    assert capsys.readouterr().out.startswith("m365 (m365, full): 20 rows, 0 new, 20 changed")


def test_in_the_web_and_the_api_the_breaker_names_its_reasons(make_user, write_file, actor) -> None:
    accounts_import(
        create_application=True, application_slug="m365", path=write_file("a.csv", m365()), actor=actor, today=TODAY
    )
    client = Client()
    client.force_login(make_user("coordinator"))
    data = {"application": "m365", "create_application": "on", "preset": "", "full": "1"}
    data["file"] = SimpleUploadedFile("b.csv", m365(names=False).encode())
    page = client.post("/accounts/import/", data).content.decode()
    assert "The safety breaker stops this import:" in page and "read: First name, Last name." in page
    page = client.post("/accounts/import/confirm/").content.decode()
    assert "Stopped by the safety breaker" in page and 'name="allow_mass_change"' in page
    assert client.post("/accounts/import/confirm/", {"allow_mass_change": "1"}).status_code == 302

    token = token_create(user=make_user("coordinator"), actor=Actor.system("test"))
    api = Client(headers={"Authorization": f"Bearer {token}"})
    response = api.post(
        "/api/v1/imports/accounts/m365",
        {"create_application": "true", "file": SimpleUploadedFile("c.csv", m365(display=str.upper).encode())},
    )
    body = response.json()
    assert (response.status_code, body["breaker_reasons"], body["identities_changed"]) == (409, ["identities"], 20)
