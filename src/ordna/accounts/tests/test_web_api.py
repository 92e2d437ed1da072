"""Accounts through the web, the API and the command line: upload with preview, mapping, findings, review."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from ordna.accounts.models import Account, Finding
from ordna.applications.models import Application
from ordna.conftest import hr_row
from ordna.core.actor import Actor
from ordna.core.services import token_create

pytestmark = pytest.mark.django_db
GENERIC = (
    "account_id,email,display_name,employee_id,status,last_login,license\n"
    "kli01,karin.lindqvist@example.org,Karin Lindqvist,,active,2026-11-10,Standard\n"
    "jbe,,Johan Berg,,active,2026-11-10,Standard\n"
    "aob,,Åsa Öberg,,active,2026-11-10,Standard\n"
)


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


@pytest.fixture
def coordinator(make_user) -> Client:
    client = Client()
    client.force_login(make_user("coordinator"))
    return client


def upload(client: Client, content: str, **fields: str):
    data = {
        "application": "crm",
        "create_application": "on",
        "preset": "",
        "full": "1",
        **fields,
        "file": SimpleUploadedFile("export.csv", content.encode(), "text/csv"),
    }
    return client.post("/accounts/import/", data)


def test_upload_preview_confirm_then_findings_and_review(people, coordinator) -> None:
    page = upload(coordinator, GENERIC).content.decode()
    assert "Preview for crm (generic): nothing has been applied yet" in page
    assert not Application.objects.filter(slug="crm").exists()
    response = coordinator.post("/accounts/import/confirm/")
    assert response.status_code == 302 and response["Location"] == "/accounts/findings/"
    page = coordinator.get("/accounts/findings/").content.decode()
    assert "Leaver still active" in page and "Needs review" in page
    review = coordinator.get("/accounts/review/").content.decode()
    assert "Johan Berg (E2)" in review and "Johan Berg (E3)" in review
    jbe = Account.objects.get(key="jbe")
    assert coordinator.post(f"/accounts/review/{jbe.pk}/", {"person": "E3"}).status_code == 302
    jbe.refresh_from_db()
    assert (jbe.person.employee_id, jbe.match_rule) == ("E3", "manual")
    assert "Nothing to review." in coordinator.get("/accounts/review/").content.decode()


def test_unknown_export_gets_a_column_mapping_that_is_saved(people, coordinator) -> None:
    content = "Användare;E-post;Tillstånd\nKARLIN;karin.lindqvist@example.org;Aktiv\nOBEASA;;Spärrad\n"
    response = upload(coordinator, content)
    assert response.status_code == 302 and response["Location"] == "/accounts/import/mapping/"
    page = coordinator.get("/accounts/import/mapping/").content.decode()
    assert "Användare" in page and "Choose the columns" in page
    page = coordinator.post(
        "/accounts/import/mapping/",
        {
            "column_key": "Användare",
            "column_email": "E-post",
            "column_status": "Tillstånd",
            "disabled_values": "Spärrad",
            "license_separator": "+",
        },
    ).content.decode()
    assert "Preview for crm (mapping)" in page
    coordinator.post("/accounts/import/confirm/")
    assert sorted(Account.objects.values_list("key", "status")) == [("karlin", "active"), ("obeasa", "disabled")]
    assert Application.objects.get(slug="crm").account_mapping["columns"]["key"] == "Användare"
    # The next export of the same application needs no questions.
    page = upload(coordinator, content).content.decode()
    assert "Preview for crm (mapping)" in page


def test_accept_a_finding_in_the_web(people, coordinator) -> None:
    upload(coordinator, GENERIC)
    coordinator.post("/accounts/import/confirm/")
    finding = Finding.objects.get(kind="leaver_active")
    coordinator.post(f"/accounts/findings/{finding.pk}/accept/", {"reason": "", "until": "2026-12-31"})
    assert Finding.objects.get(pk=finding.pk).state == "open"
    coordinator.post(
        f"/accounts/findings/{finding.pk}/accept/", {"reason": "Handover until year end", "until": "2026-12-31"}
    )
    finding.refresh_from_db()
    assert (finding.state, finding.accepted_reason) == ("accepted", "Handover until year end")


def test_findings_export_download(people, coordinator) -> None:
    upload(coordinator, GENERIC)
    coordinator.post("/accounts/import/confirm/")
    rows = json.loads(coordinator.get("/accounts/findings/", {"format": "json"}).content)
    assert {r["kind"] for r in rows} == {"leaver_active", "license_waste", "needs_review"}
    assert set(rows[0]) >= {"kind", "application", "account", "person", "monthly_cost", "currency", "since", "state"}


def test_api_import_findings_accept_and_review(people, make_user) -> None:
    token = token_create(user=make_user("coordinator"), actor=Actor.system("test"))
    api = Client(headers={"Authorization": f"Bearer {token}"})
    response = api.post(
        "/api/v1/imports/licenses",
        {
            "file": SimpleUploadedFile(
                "p.csv", b"application,license,monthly_cost,currency,seats\ncrm,Standard,300,SEK,\n"
            )
        },
    )
    assert response.status_code == 200 and response.json()["counts"]["applications_created"] == 1
    response = api.post(
        "/api/v1/imports/accounts/crm",
        {"create_application": "true", "file": SimpleUploadedFile("a.csv", GENERIC.encode())},
    )
    assert response.status_code == 200
    assert response.json()["counts"]["new"] == 3
    totals = api.get("/api/v1/findings/totals").json()
    assert {"kind": "license_waste", "currency": "SEK", "count": 1, "monthly": "300.00", "yearly": "3600.00"} in totals
    findings = api.get("/api/v1/findings", {"kind": "leaver_active"}).json()["items"]
    assert [(f["account"], f["person"]) for f in findings] == [("aob", "E4")]
    response = api.post(
        f"/api/v1/findings/{findings[0]['id']}/accept",
        {"reason": "", "until": "2026-12-01"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json() == {"detail": "Give a reason for accepting the finding.", "field": "reason"}
    queue = api.get("/api/v1/review").json()["items"]
    assert [(q["account"], sorted(c["employee_id"] for c in q["candidates"])) for q in queue] == [("jbe", ["E2", "E3"])]
    response = api.post(f"/api/v1/review/{queue[0]['id']}", {"person": "E2"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["match"] == "manual"
    response = api.post(
        "/api/v1/imports/accounts/crm",
        {"create_application": "true", "file": SimpleUploadedFile("a.csv", b"x,y\n1,2\n"), "preset": "m365"},
    )
    assert (
        response.status_code == 422
        and "missing column(s) User principal name" in response.json()["errors"][0]["reason"]
    )


def test_cli_import_accounts_and_export(people, tmp_path: Path, capsys) -> None:
    path = tmp_path / "crm.csv"
    path.write_text(GENERIC, encoding="utf-8")
    call_command("import", "accounts", "--create-application", "crm", str(path))
    out = capsys.readouterr().out
    assert out.startswith(
        "crm (generic, full): 3 rows, 3 new, 0 changed, 0 unchanged, 0 gone; 2 links made, 1 need review"
    )
    output = tmp_path / "accounts.json"
    call_command("export", "accounts", "--format", "json", "-o", str(output))
    exported = json.loads(output.read_text(encoding="utf-8"))
    assert exported[0] == {
        "application": "crm",
        "account": "aob",
        "person": "E4",
        "status": "active",
        "match": "name",
        "review": False,
    }
    with pytest.raises(CommandError, match="Unknown preset 'okta'") as excinfo:
        call_command("import", "accounts", "--create-application", "crm", str(path), "--preset", "okta")
    assert excinfo.value.returncode == 1
    call_command("reconcile", "crm")
    assert capsys.readouterr().out.startswith("crm: 3 accounts")
    with pytest.raises(CommandError, match="no application 'nope'"):
        call_command("reconcile", "nope")


def test_import_history_shows_who_and_the_diff(people, coordinator, make_user) -> None:
    from ordna.core.models import ImportRun

    upload(coordinator, GENERIC)
    coordinator.post("/accounts/import/confirm/")
    without_aob = "\n".join(line for line in GENERIC.splitlines() if not line.startswith("aob")) + "\n"
    upload(coordinator, without_aob.replace("jbe,,Johan Berg,,active", "jbe,,Johan Berg,,disabled"))
    coordinator.post("/accounts/import/confirm/")
    run = ImportRun.objects.filter(source="accounts").latest("id")
    assert (run.diff["gone"], run.diff["changed"], run.diff["new_total"]) == (["aob"], ["jbe"], 0)
    page = coordinator.get(f"/imports/{run.pk}/").content.decode()
    assert "coordinator" in page and "aob" in page
    token = token_create(user=make_user("auditor"), actor=Actor.system("test"))
    history = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/imports").json()["items"]
    assert history[0]["diff"] == run.diff and history[0]["actor"].startswith("coordinator")


def test_an_unknown_application_is_refused_with_the_nearest_name_unless_chosen(
    people, coordinator, make_user, write_file
) -> None:
    """Issue 23: a typo ("microsoft-365" for m365) no longer makes a new application, on the command line, in the
    web and in the API; choosing to create it does."""
    from ordna.applications.services import application_create

    application_create(slug="m365", name="Microsoft 365", actor=Actor.system("test"))
    path = write_file("typo.csv", GENERIC)
    with pytest.raises(CommandError, match=r"unknown application microsoft-365; did you mean m365\?"):
        call_command("import", "accounts", "microsoft-365", str(path))
    assert not Application.objects.filter(slug="microsoft-365").exists()

    data = {"application": "microsoft-365", "preset": "", "full": "1"}
    page = coordinator.post("/accounts/import/", {**data, "file": SimpleUploadedFile("a.csv", GENERIC.encode())})
    assert "unknown application microsoft-365; did you mean m365?" in page.content.decode()

    token = token_create(user=make_user("coordinator"), actor=Actor.system("test"))
    api = Client(headers={"Authorization": f"Bearer {token}"})
    answer = api.post("/api/v1/imports/accounts/microsoft-365", {"file": SimpleUploadedFile("a.csv", GENERIC.encode())})
    assert answer.status_code == 422
    assert "did you mean m365?" in answer.json()["errors"][0]["reason"]
    assert not Application.objects.filter(slug="microsoft-365").exists()

    answer = api.post(
        "/api/v1/imports/accounts/microsoft-365",
        {"file": SimpleUploadedFile("a.csv", GENERIC.encode()), "create_application": "true"},
    )
    assert answer.status_code == 200, answer.content
    assert Application.objects.filter(slug="microsoft-365").exists()
