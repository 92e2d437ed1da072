"""An application's saved format changes only on purpose (issue 28): a file that does not fit it is refused with
what differs, or read in another format for this import only; saving another format is a choice of its own,
audited and shown in the preview. In the service, the web, the command line and the API."""

from __future__ import annotations

import json
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
from ordna.applications.models import Application
from ordna.conftest import TODAY, hr_csv, hr_row
from ordna.core.actor import Actor
from ordna.core.models import AuditEvent
from ordna.core.services import token_create

pytestmark = pytest.mark.django_db
M365 = (
    "User principal name,Display name,Block credential,Licenses\n"
    "karin.lindqvist@example.org,Karin Lindqvist,False,Microsoft 365 E3\n"
    "johan.berg@example.org,Johan Berg,False,Microsoft 365 E3\n"
)
ENTRA = (
    "userPrincipalName,displayName,accountEnabled\n"
    "karin.lindqvist@example.org,Karin Lindqvist,true\n"
    "johan.berg@example.org,Johan Berg,false\n"
)
PEOPLE = [
    hr_row("E1", "Karin", "Lindqvist", email="karin.lindqvist@example.org"),
    hr_row("E2", "Johan", "Berg", email="johan.berg@example.org"),
]
HR = hr_csv(PEOPLE)


@pytest.fixture
def people(load_people: Callable[..., Any]) -> None:
    load_people(PEOPLE)


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


def saved() -> tuple[str, Any]:
    app = Application.objects.get(slug="m365")
    return app.account_source, app.account_mapping


def format_audits() -> list[tuple[Any, Any]]:
    return [(e.before, e.after) for e in AuditEvent.objects.filter(action="application.format_saved").order_by("id")]


def test_the_first_import_saves_its_format_and_says_so(people, run) -> None:
    preview = run(M365, dry_run=True)
    assert (preview.preset, preview.saved_format, preview.saves_format) == ("m365", "", True)
    assert preview.format_note() == "m365 has no saved format yet: applying saves m365 as its format."
    result = run(M365)
    assert result.outcome == "applied" and saved() == ("m365", None)
    assert format_audits() == [
        ({"account_source": "", "account_mapping": None}, {"account_source": "m365", "account_mapping": None})
    ]
    again = run(M365)
    assert (again.saves_format, again.format_differs, again.format_note()) == (False, False, "")


def test_a_file_that_does_not_fit_the_saved_format_is_refused_with_what_differs(people, run) -> None:
    run(M365)
    result = run(HR)
    assert (result.outcome, result.needs_mapping, result.format_mismatch) == ("rejected", True, True)
    assert [str(e) for e in result.errors] == [
        "row 1: the file does not fit the format saved for m365 (m365): missing column(s) User principal name, "
        "Display name, Block credential, Licenses; columns it does not read: employee_id, first_name, last_name, "
        "email, department, manager_employee_id, employment_type, start_date, end_date, cost_center. Choose a "
        "format for this import only (--preset, or map its columns in the web); making it the application's "
        "format is a choice of its own (--save-format, or the box in the preview)"
    ]
    entra = run(ENTRA)
    assert "It fits the entra preset." in entra.errors[0].reason
    assert saved() == ("m365", None) and Account.objects.count() == 2


def test_another_format_is_for_this_import_only_unless_saved_on_purpose(people, run) -> None:
    run(M365)
    # Another export lacks the saved format's columns: the breaker asks to confirm that too (test_breaker.py).
    once = run(ENTRA, preset="entra", allow_mass_change=True)
    assert (once.outcome, once.saves_format, once.format_differs) == ("applied", False, True)
    assert once.format_note() == "entra is used for this import only: m365 keeps its saved format m365."
    assert saved() == ("m365", None) and format_audits() == [
        ({"account_source": "", "account_mapping": None}, {"account_source": "m365", "account_mapping": None})
    ]
    assert run(M365).preset == "m365"  # the next export is read as the application's own

    chosen = run(ENTRA, preset="entra", save_format=True, allow_mass_change=True)
    assert chosen.format_note() == "Applying saves entra as the format of m365, replacing m365."
    assert saved() == ("entra", None)
    assert format_audits()[-1] == (
        {"account_source": "m365", "account_mapping": None},
        {"account_source": "entra", "account_mapping": None},
    )


def test_a_mapping_for_this_import_only_leaves_the_saved_one_and_every_mapped_column_is_needed(people, run) -> None:
    mapping = ColumnMapping(columns={"key": "email", "display_name": "first_name", "status": "end_date"})
    first = run(HR, mapping=mapping)  # a new application: its first format is saved
    assert first.outcome == "applied" and saved() == ("", mapping.as_json())
    # The next file of the application lacks the mapped end_date column: it does not fit the saved mapping.
    without_status = hr_csv(PEOPLE, header=["employee_id", "first_name", "email"])
    refused = run(without_status)
    assert refused.format_mismatch and "missing column(s) end_date" in refused.errors[0].reason
    once = run(without_status, mapping=ColumnMapping(columns={"key": "email"}), allow_mass_change=True)
    assert (once.outcome, once.saves_format, saved()) == ("applied", False, ("", mapping.as_json()))


# The web -----------------------------------------------------------------------------------------------------------


def upload(client: Client, content: str, **fields: str) -> str:
    data = {"application": "m365", "create_application": "on", "preset": "", "full": "1", **fields}
    data["file"] = SimpleUploadedFile("export.csv", content.encode(), "text/csv")
    return client.post("/accounts/import/", data).content.decode()


@pytest.fixture
def coordinator(make_user: Callable[..., Any]) -> Client:
    client = Client()
    client.force_login(make_user("coordinator"))
    return client


def test_in_the_web_a_format_is_saved_only_by_ticking_the_box(people, coordinator) -> None:
    page = upload(coordinator, M365)
    assert "m365 has no saved format yet: applying saves m365 as its format." in page
    assert 'name="save_format"' not in page
    coordinator.post("/accounts/import/confirm/")
    assert saved() == ("m365", None)

    page = upload(coordinator, ENTRA, preset="entra")
    assert "entra is used for this import only: m365 keeps its saved format m365." in page
    assert "Save entra as the format of m365 for its next imports, replacing m365" in page
    coordinator.post("/accounts/import/confirm/", {"allow_mass_change": "1"})
    assert saved() == ("m365", None)

    upload(coordinator, ENTRA, preset="entra")
    coordinator.post("/accounts/import/confirm/", {"save_format": "1", "allow_mass_change": "1"})
    assert saved() == ("entra", None)
    assert format_audits()[-1][1] == {"account_source": "entra", "account_mapping": None}


def test_in_the_web_a_file_that_does_not_fit_is_refused_then_mapped_for_this_import(people, coordinator) -> None:
    upload(coordinator, M365)
    coordinator.post("/accounts/import/confirm/")
    page = upload(coordinator, HR)
    assert "The file has 1 error; nothing was applied" in page
    assert "does not fit the format saved for m365 (m365)" in page
    page = coordinator.get("/accounts/import/mapping/").content.decode()
    assert "Choose the columns" in page and "cost_center" in page
    page = coordinator.post(
        "/accounts/import/mapping/", {"column_key": "email", "column_display_name": "first_name"}
    ).content.decode()
    assert "mapping is used for this import only: m365 keeps its saved format m365." in page
    coordinator.post("/accounts/import/confirm/", {"allow_mass_change": "1"})
    assert saved() == ("m365", None)
    assert "Preview for m365 (m365)" in upload(coordinator, M365)


# The command line and the API --------------------------------------------------------------------------------------


def test_on_the_command_line_a_format_changes_only_with_save_format(people, write_file, capsys) -> None:
    m365, entra, hr = (write_file(name, text) for name, text in (("m.csv", M365), ("e.csv", ENTRA), ("h.csv", HR)))
    call_command("import", "accounts", "--create-application", "m365", str(m365))
    assert "m365 has no saved format yet: applying saves m365 as its format." in capsys.readouterr().out
    with pytest.raises(CommandError, match=r"does not fit the format saved for m365 \(m365\): missing column") as exc:
        call_command("import", "accounts", "--create-application", "m365", str(hr))
    assert exc.value.returncode == 1
    call_command(
        "import", "accounts", "--create-application", "m365", str(entra), "--preset", "entra", "--allow-mass-change"
    )
    assert "entra is used for this import only: m365 keeps its saved format m365." in capsys.readouterr().out
    assert saved() == ("m365", None)
    call_command(
        "import",
        "accounts",
        "--create-application",
        "m365",
        str(entra),
        "--preset",
        "entra",
        "--save-format",
        "--allow-mass-change",
    )
    assert "Applying saves entra as the format of m365, replacing m365." in capsys.readouterr().out
    assert saved() == ("entra", None)


def test_in_the_api_a_format_changes_only_with_save_format(people, make_user) -> None:
    token = token_create(user=make_user("coordinator"), actor=Actor.system("test"))
    api = Client(headers={"Authorization": f"Bearer {token}"})

    def post(content: str, **fields: Any) -> Any:
        return api.post(
            "/api/v1/imports/accounts/m365",
            {"create_application": "true", "file": SimpleUploadedFile("a.csv", content.encode()), **fields},
        )

    assert post(M365).json()["saves_format"] is True
    refused = post(HR)
    assert refused.status_code == 422 and "does not fit the format saved" in refused.json()["errors"][0]["reason"]
    once = post(ENTRA, preset="entra", allow_mass_change="true").json()
    assert (once["saved_format"], once["saves_format"]) == ("m365", False)
    assert once["format_note"] == "entra is used for this import only: m365 keeps its saved format m365."
    assert post(ENTRA, preset="entra", save_format="true", allow_mass_change="true").json()["saves_format"] is True
    assert saved() == ("entra", None)
    assert json.loads(json.dumps(format_audits()[-1][0])) == {"account_source": "m365", "account_mapping": None}
