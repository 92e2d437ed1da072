"""A file proves only what it shows (issue 28): a status column (or a vendor export that encodes it) proves
accounts disabled, a licence column licences removed, a full snapshot accounts gone. What a file cannot show
it neither proves nor wipes: the stored status and licences stay. The import says so, and announces it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from ordna.accounts.events import AccountsChanged, accounts_changed
from ordna.accounts.importing import accounts_import
from ordna.accounts.models import Account, Finding
from ordna.accounts.presets import PRESETS, ColumnMapping, Proves, mapping_preset, preset_proves
from ordna.accounts.services import licenses_import, reconcile
from ordna.applications.models import Application
from ordna.conftest import TODAY, hr_row
from ordna.core.actor import Actor
from ordna.core.models import ImportRun
from ordna.core.services import token_create

M365 = (
    "User principal name,Display name,Block credential,Licenses\n"
    "karin.lindqvist@example.org,Karin Lindqvist,False,Microsoft 365 E3\n"
    "asa.oberg@example.org,Åsa Öberg,True,Microsoft 365 E3+Power BI Pro\n"
    "old.account@example.org,Old Account,False,Microsoft 365 E3\n"
)
LISTING = "mail,name\nkarin.lindqvist@example.org,Karin Lindqvist\nasa.oberg@example.org,Åsa Öberg\n"
BY_MAIL = ColumnMapping(columns={"key": "mail", "display_name": "name"})


@pytest.mark.parametrize(
    ("preset", "full", "only_licence", "expected"),
    [
        ("generic", True, False, Proves(status=True, licences=True, gone=True)),
        ("m365", True, False, Proves(status=True, licences=True, gone=True)),
        ("m365", False, False, Proves(status=True, licences=True, gone=False)),
        ("entra", True, True, Proves(status=True, licences=False, gone=True)),
        ("google", True, True, Proves(status=True, licences=True, gone=True)),
        ("google", True, False, Proves(status=True, licences=False, gone=True)),
        ("slack", True, False, Proves(status=True, licences=False, gone=True)),
    ],
)
def test_what_each_preset_can_prove(preset, full, only_licence, expected) -> None:
    assert preset_proves(PRESETS[preset], full=full, only_licence=only_licence) == expected


def test_what_a_column_mapping_can_prove_follows_its_columns() -> None:
    bare = mapping_preset(ColumnMapping(columns={"key": "user"}))
    rich = mapping_preset(ColumnMapping(columns={"key": "user", "status": "state", "licenses": "skus"}))
    assert preset_proves(bare, full=True, only_licence=True) == Proves(status=False, licences=False, gone=True)
    assert preset_proves(rich, full=True, only_licence=False) == Proves(status=True, licences=True, gone=True)
    assert (bare.required, rich.required) == (("user",), ("user", "state", "skus"))


def test_a_run_from_before_issue_28_is_taken_to_prove_everything() -> None:
    assert Proves.from_json({}) == Proves()
    assert Proves.from_json({"status": False, "licences": True, "gone": False}) == Proves(False, True, False)


@pytest.fixture
def people(load_people: Callable[..., Any]) -> None:
    load_people(
        [
            hr_row("E1", "Karin", "Lindqvist", email="karin.lindqvist@example.org"),
            hr_row("E4", "Åsa", "Öberg", email="asa.oberg@example.org", end_date="2026-10-31"),
        ]
    )


@pytest.fixture
def run(write_file: Callable[..., Path], actor: Actor) -> Callable[..., Any]:
    def import_file(content: str, **options: Any) -> Any:
        result = accounts_import(
            create_application=True,
            application_slug="m365",
            path=write_file("file.csv", content),
            actor=actor,
            today=TODAY,
            **options,
        )
        assert result.outcome in ("applied", "dry_run"), [str(e) for e in result.errors]
        return result

    return import_file


def accounts() -> dict[str, tuple[str, list[str]]]:
    return {a.key: (a.status, sorted(a.licenses)) for a in Account.objects.all()}


@pytest.mark.django_db
def test_what_a_file_cannot_show_it_keeps_as_stored(people, run) -> None:
    run(M365)
    waste = set(Finding.objects.filter(kind="license_waste", state="open").values_list("account__key", "license"))
    assert waste == {("asa.oberg@example.org", "Microsoft 365 E3"), ("asa.oberg@example.org", "Power BI Pro"),
                     ("old.account@example.org", "Microsoft 365 E3")}  # fmt: skip
    result = run(LISTING, mapping=BY_MAIL, allow_mass_change=True)
    assert result.proves == Proves(status=False, licences=False, gone=True)
    assert accounts() == {
        "karin.lindqvist@example.org": ("active", ["Microsoft 365 E3"]),
        "asa.oberg@example.org": ("disabled", ["Microsoft 365 E3", "Power BI Pro"]),  # kept, not "active"
        "old.account@example.org": ("gone", ["Microsoft 365 E3"]),  # a full snapshot shows what is missing
    }
    assert result.counts["findings_resolved"] == 2  # the gone account's only: orphan and licence waste
    assert set(Finding.objects.filter(kind="license_waste", state="open").values_list("account__key", "license")) == {
        ("asa.oberg@example.org", "Microsoft 365 E3"),
        ("asa.oberg@example.org", "Power BI Pro"),
    }
    # An account that was gone and is listed again exists again: active, with the licences it had.
    run(LISTING + "old.account@example.org,Old Account\n", mapping=BY_MAIL, allow_mass_change=True)
    assert accounts()["old.account@example.org"] == ("active", ["Microsoft 365 E3"])


@pytest.mark.django_db
def test_an_export_that_names_no_licences_proves_them_only_through_the_applications_only_licence(
    people, run, write_file, actor
) -> None:
    google = (
        "Email Address [Required],First Name [Required],Last Name [Required],Status [READ ONLY],"
        "Last Sign In [READ ONLY]\n"
        "karin.lindqvist@example.org,Karin,Lindqvist,Active,Never logged in\n"
        "asa.oberg@example.org,Åsa,Öberg,Archived,Never logged in\n"
    )
    first = run(google, preset="google")
    assert first.proves.licences is False and accounts()["karin.lindqvist@example.org"] == ("active", [])
    licenses_import(
        path=write_file("prices.csv", "application,license,monthly_cost,currency,seats\nm365,Workspace,60,SEK,\n"),
        actor=actor,
        today=TODAY,
    )
    second = run(google, preset="google")
    assert second.proves.licences is True and accounts()["karin.lindqvist@example.org"] == ("active", ["Workspace"])


@pytest.mark.django_db
def test_the_import_announces_what_it_can_prove_and_reconciling_what_the_last_import_could(people, run) -> None:
    heard: list[AccountsChanged] = []

    def listen(change: AccountsChanged) -> Mapping[str, int]:
        heard.append(change)
        return {}

    with accounts_changed.replaced(listen):
        run(M365)
        run(LISTING, mapping=BY_MAIL, full=False, allow_mass_change=True)
        reconcile(application=Application.objects.get(slug="m365"), actor=Actor.system("test"), today=TODAY)
    runs = list(ImportRun.objects.filter(source="accounts").order_by("id"))
    assert [(c.proves_status, c.proves_licences, c.full, c.import_run_id) for c in heard] == [
        (True, True, True, runs[0].pk),
        (False, False, False, runs[1].pk),
        (False, False, False, runs[1].pk),  # reconciling proves no more than the import it re-uses
    ]
    assert [r.proves for r in runs] == [
        {"status": True, "licences": True, "gone": True},
        {"status": False, "licences": False, "gone": False},
    ]
    assert heard[1].seen_at is not None and heard[1].seen_at >= runs[1].started_at


@pytest.mark.django_db
def test_a_connector_proves_licences_only_if_it_reads_them(people, run, actor) -> None:
    from ordna.accounts.presets import account_record
    from ordna.connectors.deprovisioning import read_back

    run(M365)
    heard: list[AccountsChanged] = []

    def listen(change: AccountsChanged) -> Mapping[str, int]:
        heard.append(change)
        return {}

    record = account_record(row=1, key="asa.oberg@example.org", email="asa.oberg@example.org", status="disabled")
    app = Application.objects.get(slug="m365")
    with accounts_changed.replaced(listen):
        read_back(application=app, record=record, actor=actor, today=TODAY, kind="ldap")
        read_back(application=app, record=record, actor=actor, today=TODAY, kind="graph")
    assert [(c.proves_status, c.proves_licences, c.full) for c in heard] == [(True, False, False), (True, True, False)]
    assert accounts()["asa.oberg@example.org"] == ("disabled", [])  # Graph's read names none


# What the import says: the preview, the command line, the API -------------------------------------------------------


@pytest.mark.django_db
def test_the_preview_the_command_line_and_the_api_say_what_the_file_can_prove(people, write_file, make_user, capsys):
    entra = write_file(
        "entra.csv", "userPrincipalName,displayName,accountEnabled\nkarin.lindqvist@example.org,Karin,true\n"
    )
    call_command("import", "accounts", "--create-application", "crm", str(entra), "--dry-run")
    out = capsys.readouterr().out.splitlines()
    assert out[1:] == [
        "This file has no licence column: it cannot verify licences.",
        "crm has no saved format yet: applying saves entra as its format.",
    ]
    call_command("import", "accounts", "--create-application", "crm", str(entra), "--delta", "--dry-run")
    assert capsys.readouterr().out.splitlines()[1:3] == [
        "This file has no licence column: it cannot verify licences.",
        "This file lists some accounts only (a delta): it cannot verify that accounts are gone.",
    ]

    client = Client()
    client.force_login(make_user("coordinator"))
    page = client.post(
        "/accounts/import/",
        {
            "application": "crm",
            "create_application": "on",
            "preset": "m365",
            "full": "1",
            "file": SimpleUploadedFile("m.csv", M365.encode()),
        },
    ).content.decode()
    assert "What this file can prove" in page
    assert "This file can verify disabled accounts, removed licences and gone accounts." in page

    token = token_create(user=make_user("coordinator"), actor=Actor.system("test"))
    api = Client(headers={"Authorization": f"Bearer {token}"})
    body = api.post(
        "/api/v1/imports/accounts/crm",
        {"create_application": "true", "file": SimpleUploadedFile("e.csv", entra.read_bytes()), "dry_run": "true"},
    ).json()
    assert body["proves"] == {"status": True, "licences": False, "gone": True}
    assert body["proof_notes"] == ["This file has no licence column: it cannot verify licences."]
