"""The SCIM connector against a real scim2-server: sync, PATCH active=false with If-Match, read-back, errors."""

from __future__ import annotations

import io
from datetime import timedelta

import httpx2
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ordna.accounts.models import Account
from ordna.applications.services import application_create
from ordna.conftest import TODAY, hr_row
from ordna.connectors.models import Action
from ordna.connectors.tests.conftest import TOKEN
from ordna.core.actor import Actor
from ordna.lifecycle.models import Line

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.needs_server("scim2-server")]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def tenant(load_people, scim_server) -> str:
    load_people(
        [
            hr_row("N1", "Daan", "de Vries", email="daan.devries@example.nl"),
            hr_row(
                "N2", "Eva", "Bakker", email="eva.bakker@example.nl", end_date=(TODAY - timedelta(days=2)).isoformat()
            ),
        ]
    )
    application_create(slug="portal", name="Portal", actor=Actor.system("test"))
    return scim_server.tenant(
        [
            {"userName": "daan", "email": "daan.devries@example.nl", "employeeNumber": "N1"},
            {"userName": "eva", "email": "eva.bakker@example.nl", "externalId": "N2"},
            {"userName": "kiosk", "displayName": "Kiosk"},
            {"userName": "left.long.ago", "active": False},
        ]
    )


def _user(url: str, name: str) -> dict:
    response = httpx2.get(
        f"{url}/Users", params={"filter": f'userName eq "{name}"'}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    return response.json()["Resources"][0]


def test_sync_deprovision_read_back(tenant, monkeypatch) -> None:
    run("connector", "set", "portal", "scim", "--option", f"url={tenant}", "--option", f"token={TOKEN}")
    assert "OK" in run("connector", "test", "portal")
    from ordna.connectors import scim_client

    monkeypatch.setattr(scim_client, "PAGE_SIZE", 3)  # two pages
    run("sync", "portal")
    accounts = {a.key: (a.person.employee_id if a.person else None, a.status) for a in Account.objects.all()}
    assert accounts == {
        "daan": ("N1", "active"),
        "eva": ("N2", "active"),
        "kiosk": (None, "active"),
        "left.long.ago": (None, "disabled"),
    }
    line = Line.objects.get(account__key="eva")

    # A dry run names the PATCH and its If-Match and changes nothing
    out = run("deprovision", "portal", "eva", "--dry-run")
    assert "active=false" in out and "If-Match" in out
    assert _user(tenant, "eva")["active"] is True and not Action.objects.exists()

    version = _user(tenant, "eva")["meta"]["version"]
    run("deprovision", "portal", "eva")
    eva = _user(tenant, "eva")
    assert eva["active"] is False and eva["meta"]["version"] != version
    line.refresh_from_db()
    assert (line.state, line.verified_by) == ("verified", "read-back")
    assert Account.objects.get(key="eva").status == "disabled"


def test_a_wrong_token_and_a_stopped_server_are_answered_clearly(tenant, scim_server) -> None:
    run("connector", "set", "portal", "scim", "--option", f"url={tenant}", "--option", "token=wrong")
    with pytest.raises(CommandError, match="refused the token"):
        run("connector", "test", "portal")
    run("connector", "set", "portal", "scim", "--option", "url=http://127.0.0.1:9/v2", "--option", f"token={TOKEN}")
    with pytest.raises(CommandError, match="cannot reach the server"):
        run("sync", "portal")
    assert Account.objects.count() == 0


def test_a_metadata_address_is_refused_unless_allowed(tenant, settings) -> None:
    with pytest.raises(CommandError, match="metadata"):
        run("connector", "set", "portal", "scim", "--option", "url=http://169.254.169.254/v2", "--option", "token=x")
    with pytest.raises(CommandError, match="link-local"):
        run("connector", "set", "portal", "scim", "--option", "url=http://[fe80::1]/v2", "--option", "token=x")
    with pytest.raises(CommandError, match="metadata"):
        run(
            "connector",
            "set",
            "portal",
            "scim",
            "--option",
            "url=http://metadata.google.internal/",
            "--option",
            "token=x",
        )
    settings.ORDNA_CONNECTOR_ALLOW_LINK_LOCAL = True
    assert "saved" in run(
        "connector", "set", "portal", "scim", "--option", "url=http://169.254.169.254/v2", "--option", "token=x"
    )
