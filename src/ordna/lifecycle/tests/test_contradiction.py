"""An import proves only what its file shows (issue 28): a verified or attested line that a later export
contradicts reopens, with that import in its history; a file verifies only the facts its columns can show.

The organisation: R1, R2 and R3 left ten days ago (their leaver cases are open), twelve colleagues stay. Their
Microsoft 365 accounts come from the admin centre's export; R1 to R3 hold "Microsoft 365 E3" and "Power BI Pro".
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from ordna.accounts.importing import accounts_import
from ordna.accounts.models import Account, Finding
from ordna.conftest import TODAY, hr_csv, hr_row
from ordna.core.models import AuditEvent
from ordna.lifecycle.models import Case, Line, LineReopening
from ordna.lifecycle.tests.conftest import day

pytestmark = pytest.mark.django_db
M365_HEADER = "User principal name,Display name,First name,Last name,Block credential,Licenses\n"
E3, BI = "Microsoft 365 E3", "Power BI Pro"
LEAVERS = ("R1", "R2", "R3")
STAYERS = tuple(f"S{n:02}" for n in range(1, 13))


def person_row(employee_id: str) -> dict[str, str]:
    if employee_id in LEAVERS:
        return hr_row(employee_id, "Rut", f"Leaver{employee_id}", end_date=day(-10))
    return hr_row(employee_id, "Sam", f"Stayer{employee_id}")


def address(employee_id: str) -> str:
    return person_row(employee_id)["email"]


@pytest.fixture
def org(load_people: Callable[..., Any]) -> None:
    load_people([person_row(eid) for eid in (*LEAVERS, *STAYERS)])


def m365(blocked: frozenset[str] = frozenset(), unlicensed: frozenset[str] = frozenset()) -> str:
    """The admin centre's export of everyone: leavers hold E3 and Power BI, the others E3."""
    rows = []
    for eid in (*LEAVERS, *STAYERS):
        row = person_row(eid)
        licences = "Unlicensed" if eid in unlicensed else f"{E3}+{BI}" if eid in LEAVERS else E3
        rows.append(
            f"{row['email']},{row['first_name']} {row['last_name']},{row['first_name']},{row['last_name']},"
            f"{'True' if eid in blocked else 'False'},{licences}\n"
        )
    return M365_HEADER + "".join(rows)


def entra_export(*, disabled: tuple[str, ...]) -> str:
    """Entra's user list of the same people: it names no licences."""
    rows = []
    for eid in (*LEAVERS, *STAYERS):
        row = person_row(eid)
        enabled = "false" if eid in disabled else "true"
        rows.append(f"{row['email']},{row['first_name']} {row['last_name']},{enabled}\n")
    return "userPrincipalName,displayName,accountEnabled\n" + "".join(rows)


BLOCKED = m365(blocked=frozenset(LEAVERS), unlicensed=frozenset(LEAVERS))  # the leavers blocked, licences removed
ACTIVE = m365()  # everyone active with their licences


def written_now(path: Path) -> Path:
    """The export as downloaded now (the suite's clock is frozen and ticks; the file system's does not)."""
    moment = timezone.now().timestamp()
    os.utime(path, (moment, moment))
    return path


@pytest.fixture
def export(write_file: Callable[..., Path], actor: Any) -> Callable[..., Any]:
    """Import an export file into the application m365, as downloaded now; must be applied."""
    counter = iter(range(1, 100))

    def run(content: str, **options: Any) -> Any:
        path = written_now(write_file(f"export-{next(counter)}.csv", content))
        result = accounts_import(
            create_application=True, application_slug="m365", path=path, actor=actor, today=TODAY, **options
        )
        assert result.outcome == "applied", ([str(e) for e in result.errors], result.breaker_notes())
        return result

    return run


def leaver_lines() -> dict[tuple[str, str], str]:
    return {
        (line.case.person.employee_id, line.subject): line.state
        for line in Line.objects.filter(case__person__employee_id__in=LEAVERS).select_related("case__person")
    }


def every_leaver_line(state: str) -> dict[tuple[str, str], str]:
    return {key: state for eid in LEAVERS for key in ((eid, address(eid)), (eid, E3), (eid, BI))}


def contradicted_but_verified() -> list[str]:
    """Verified lines the accounts as stored contradict: an account active, a licence still on it."""
    found = []
    for line in Line.objects.filter(state="verified", kind__in=["account", "licence"]).select_related("account"):
        account = line.account
        if line.kind == "account" and account.status == "active":
            found.append(line.subject)
        if line.kind == "licence" and account.status != "gone" and line.subject in account.licenses:
            found.append(f"{account.key}/{line.subject}")
    return found


# One rule: what a later export contradicts reopens ----------------------------------------------------------------


def test_a_blocked_export_then_an_active_export_reopens_every_line_the_first_verified(org, export) -> None:
    export(ACTIVE)
    assert leaver_lines() == every_leaver_line("open")
    proof = export(BLOCKED)
    assert leaver_lines() == every_leaver_line("verified")
    assert {c.status for c in Case.objects.all()} == {"completed"}

    contradiction = export(ACTIVE)

    assert leaver_lines() == every_leaver_line("open")
    assert contradicted_but_verified() == []
    assert {(c.status, c.completed_at) for c in Case.objects.all()} == {("open", None)}
    history = list(
        LineReopening.objects.order_by("line_id").values_list("cause", "import_run", "was_state", "was_proof_run")
    )
    assert history == [("contradicted", contradiction.run_id, "verified", proof.run_id)] * 9
    assert set(Line.objects.values_list("reopened", "verified_by", "proof_run", "closed_by")) == {(1, "", None, "")}
    findings = Finding.objects.filter(kind="contradicted", state="open")
    assert sorted((f.person.employee_id, f.license) for f in findings) == sorted(
        (eid, licence) for eid in LEAVERS for licence in ("", E3, BI)
    )
    reopened = AuditEvent.objects.filter(action="case.reopened").values_list("after", flat=True)
    assert [a["import_run"] for a in reopened] == [contradiction.run_id] * 3


def test_licences_assigned_again_reopen_the_licence_lines_only(org, export) -> None:
    export(ACTIVE)
    export(BLOCKED)
    # Group-based licences come back on the blocked accounts (Entra keeps licences on a blocked sign-in).
    export(m365(blocked=frozenset(LEAVERS)))
    expected = every_leaver_line("open")
    expected.update({(eid, address(eid)): "verified" for eid in LEAVERS})
    assert leaver_lines() == expected
    assert contradicted_but_verified() == []


def test_lines_closed_again_resolve_the_contradiction_and_the_case_completes(org, export) -> None:
    export(ACTIVE)
    export(BLOCKED)
    export(ACTIVE)
    export(BLOCKED)
    assert leaver_lines() == every_leaver_line("verified")
    assert {c.status for c in Case.objects.all()} == {"completed"}
    assert set(Finding.objects.filter(kind="contradicted").values_list("state", flat=True)) == {"resolved"}


def test_a_delta_contradicts_only_the_accounts_it_lists(org, export) -> None:
    export(ACTIVE)
    export(BLOCKED)
    r1 = m365().splitlines()[1]  # R1 active, with her licences
    export(M365_HEADER + r1 + "\n", full=False)
    expected = every_leaver_line("verified")
    expected.update({("R1", address("R1")): "open", ("R1", E3): "open", ("R1", BI): "open"})
    assert leaver_lines() == expected
    assert contradicted_but_verified() == []


def test_reconciling_disproves_nothing_its_import_did_not(org, export, write_file, actor, make_user) -> None:
    """Reconciling re-uses the last import, as of when its export was taken: an attestation made after that
    export was downloaded, though before it was imported, is no more contradicted by reconciling than by it."""
    from ordna.accounts.services import reconcile
    from ordna.applications.models import Application
    from ordna.core.actor import Actor
    from ordna.lifecycle import closing

    export(ACTIVE)
    downloaded = timezone.now().timestamp()
    it = Actor.for_user(make_user("coordinator"))
    line = Line.objects.get(case__person__employee_id="R1", kind="account")
    closing.line_attest(line=line, actor=it, today=TODAY, reason="admin_console", note="Blocked in the console")
    path = write_file("late.csv", ACTIVE)
    os.utime(path, (downloaded, downloaded))
    assert (
        accounts_import(create_application=True, application_slug="m365", path=path, actor=actor, today=TODAY).outcome
        == "applied"
    )
    reconcile(application=Application.objects.get(slug="m365"), actor=actor, today=TODAY)
    line.refresh_from_db()
    assert line.state == "attested"


def test_an_old_export_imported_again_contradicts_nothing(org, export, write_file, actor) -> None:
    export(ACTIVE)
    old = write_file("old.csv", ACTIVE)  # downloaded before the blocked export
    os.utime(old, (timezone.now().timestamp() - 60, timezone.now().timestamp() - 60))
    export(BLOCKED)
    result = accounts_import(create_application=True, application_slug="m365", path=old, actor=actor, today=TODAY)
    assert result.outcome == "applied"
    # The accounts are as the old file says, but it was taken before the proof: it proves and disproves nothing.
    assert leaver_lines() == every_leaver_line("verified")


def test_an_attested_line_reopens_with_its_attestation_in_the_history(org, export, make_user) -> None:
    from ordna.core.actor import Actor
    from ordna.lifecycle import closing

    export(ACTIVE)
    it = Actor.for_user(make_user("coordinator"))
    line = Line.objects.get(case__person__employee_id="R1", kind="account")
    closing.line_attest(line=line, actor=it, today=TODAY, reason="admin_console", note="Blocked in the console")
    run = export(ACTIVE)
    reopening = LineReopening.objects.get(line=line)
    assert (reopening.was_state, reopening.was_closed_by, reopening.was_attest_reason, reopening.import_run_id) == (
        "attested",
        it.label,
        "admin_console",
        run.run_id,
    )
    line.refresh_from_db()
    assert (line.state, line.attest_reason, line.note) == ("open", "", "")


# A file verifies only what it shows ---------------------------------------------------------------------------------


def test_a_file_without_a_licence_column_verifies_no_licence_and_contradicts_none(org, export, write_file) -> None:
    """An Entra user list (no licences) shows the leavers disabled: their account lines are verified, their
    licence lines are not, and the licences stay as the last export with licences said."""
    export(ACTIVE)
    result = export(entra_export(disabled=LEAVERS), preset="entra", allow_mass_change=True)
    assert (result.proves.status, result.proves.licences, result.proves.gone) == (True, False, True)
    expected = every_leaver_line("open")
    expected.update({(eid, address(eid)): "verified" for eid in LEAVERS})
    assert leaver_lines() == expected
    assert sorted(Account.objects.get(key=address("R1")).licenses) == [E3, BI]
    assert Finding.objects.filter(kind="license_waste", state="open").count() == 6  # still paid, still waste


def test_a_file_without_a_status_column_verifies_only_what_it_lacks(org, export) -> None:
    """A column mapping without status and licence columns proves only that missing accounts are gone."""
    from ordna.accounts.presets import ColumnMapping

    export(ACTIVE)
    export(BLOCKED)  # the leavers' accounts are blocked now, and their lines verified
    export(ACTIVE)  # ... and active again: every line reopens
    listing = "mail\n" + "".join(f"{address(eid)}\n" for eid in ("R1", "R2", *STAYERS))  # R3 is not listed
    result = export(listing, mapping=ColumnMapping(columns={"key": "mail"}), allow_mass_change=True)
    assert (result.proves.status, result.proves.licences) == (False, False)
    assert Account.objects.get(key=address("R1")).status == "active"  # kept: the file cannot say
    expected = every_leaver_line("open")
    expected.update({("R3", address("R3")): "verified", ("R3", E3): "verified", ("R3", BI): "verified"})
    assert leaver_lines() == expected


# The sequences, in the web and on the command line ----------------------------------------------------------


def upload(client: Client, name: str, content: str, **fields: str) -> Any:
    data = {"application": "m365", "create_application": "on", "preset": "", "full": "1", **fields}
    data["file"] = SimpleUploadedFile(name, content.encode(), "text/csv")
    return client.post("/accounts/import/", data)


def test_the_hr_file_uploaded_as_the_m365_export_then_the_real_export_in_the_web(org, make_user) -> None:
    client = Client()
    client.force_login(make_user("coordinator"))
    upload(client, "users.csv", ACTIVE)
    assert client.post("/accounts/import/confirm/").status_code == 302
    assert leaver_lines() == every_leaver_line("open")

    # The HR file, by mistake, through "Detect from the header": refused with what differs.
    hr_file = hr_csv([person_row(eid) for eid in ("R1", "R2", *STAYERS)])  # HR dropped R3 already
    page = upload(client, "hr.csv", hr_file).content.decode()
    assert "does not fit the format saved for m365 (m365): missing column(s) User principal name" in page
    assert "columns it does not read: employee_id, first_name, last_name, email" in page
    assert "Choose this file's columns for this import only (m365 keeps its saved format)" in page
    # Mapped for this import only: the preview says what the file cannot prove and why the breaker stops it.
    page = client.post(
        "/accounts/import/mapping/",
        {"column_key": "email", "column_first_name": "first_name", "column_last_name": "last_name"},
    ).content.decode()
    assert "This file has no status column: it cannot verify that accounts are disabled." in page
    assert "This file has no licence column: it cannot verify licences." in page
    assert "mapping is used for this import only: m365 keeps its saved format m365." in page
    assert "This file lacks columns the previous import" in page
    assert "14 accounts would change their names or addresses" in page
    assert client.post("/accounts/import/confirm/", {"allow_mass_change": "1"}).status_code == 302
    # What it cannot show it left alone and proved nothing of; R3's account is missing from it: gone.
    assert sorted(Account.objects.get(key=address("R1")).licenses) == [E3, BI]
    expected = every_leaver_line("open")
    expected.update({("R3", address("R3")): "verified", ("R3", E3): "verified", ("R3", BI): "verified"})
    assert leaver_lines() == expected
    assert Finding.objects.filter(kind="license_waste", state="open").count() == 4  # R1's and R2's

    # The real export (R3's account still active, her licences paid) is read as m365's, as before.
    page = upload(client, "users.csv", ACTIVE).content.decode()
    assert "Preview for m365 (m365)" in page and "safety breaker" not in page
    assert client.post("/accounts/import/confirm/").status_code == 302
    assert contradicted_but_verified() == []
    assert leaver_lines() == every_leaver_line("open")
    assert LineReopening.objects.filter(line__case__person__employee_id="R3").count() == 3


def test_a_wrong_export_then_the_real_one_on_the_command_line(org, write_file, capsys) -> None:
    def cli(content: str, *options: str) -> str:
        path = written_now(write_file("export.csv", content))
        call_command("import", "accounts", "--create-application", "m365", str(path), *options)
        return capsys.readouterr().out

    cli(ACTIVE)
    # The Entra export of another directory, named as the format for this import: it shows the leavers disabled
    # there, and no licences at all.
    other = entra_export(disabled=LEAVERS)
    out = cli(other, "--preset", "entra", "--allow-mass-change")
    assert "This file has no licence column: it cannot verify licences." in out
    assert "entra is used for this import only: m365 keeps its saved format m365." in out
    expected = every_leaver_line("open")
    expected.update({(eid, address(eid)): "verified" for eid in LEAVERS})
    assert leaver_lines() == expected

    out = cli(ACTIVE)  # the real export: the leavers are active in Microsoft 365
    assert out.startswith("m365 (m365, full): 15 rows")
    assert contradicted_but_verified() == []
    assert leaver_lines() == every_leaver_line("open")


# What the evidence says -----------------------------------------------------------------------------------------------


def test_the_certificate_of_a_reopened_case_no_longer_claims_the_lines_closed(org, export, make_user, tmp_path) -> None:
    from ordna.lifecycle.certificate import certificate_data, certificate_pdf
    from ordna.lifecycle.tests.test_closing import pdf_words

    export(ACTIVE)
    proof = export(BLOCKED)
    case = Case.objects.get(person__employee_id="R1")
    before = certificate_data(case)
    assert (before.status, before.counts.verified, before.counts.open, before.counts.reopened) == ("Completed", 3, 0, 0)
    contradiction = export(ACTIVE)

    case.refresh_from_db()
    data = certificate_data(case)
    assert (data.status, data.completed_at) == ("Open", None)
    assert (data.counts.verified, data.counts.open, data.counts.reopened) == (0, 3, 3)
    line = next(line for line in data.lines if line.subject == BI)
    assert (line.state, line.how, len(line.history)) == ("Open", "", 1)
    assert line.history[0].startswith(f"Reopened {timezone.localtime():%Y-%m-%d}")
    assert f"import #{contradiction.run_id} (export taken " in line.history[0]
    proof_taken = Line.objects.get(case=case, subject=BI).reopenings.get().was_proof_taken_at
    assert line.history[0].endswith(
        f"shows the licence assigned again. It had been verified by import #{proof.run_id} (export taken "
        f"{timezone.localtime(proof_taken):%Y-%m-%d %H:%M})."
    )

    client = Client()
    client.force_login(make_user("hr"))
    page = client.get(f"/cases/{case.pk}/certificate/").content.decode()
    assert "3 lines were reopened because a later export contradicted how they had closed; see their history." in page
    assert "shows the account active again" in page
    text = " ".join(pdf_words(certificate_pdf(data), tmp_path).split())
    assert "3 lines were reopened because a later export contradicted how they had closed" in text
    assert f"import #{contradiction.run_id}" in text and "Completed: —" in text

    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f"import #{contradiction.run_id} (export taken" in page and "shows the account active again" in page


def test_the_evidence_pack_counts_the_reopened_lines_and_its_certificates_show_them(org, export, actor) -> None:
    import csv
    import io
    import zipfile
    from datetime import timedelta

    from ordna.reports.services import evidence_pack_make

    export(ACTIVE)
    export(BLOCKED)
    export(ACTIVE)
    pack = evidence_pack_make(start=TODAY - timedelta(days=30), end=TODAY, sample=3, seed=7, actor=actor, today=TODAY)
    with zipfile.ZipFile(io.BytesIO(pack.content)) as archive:
        leavers = list(csv.DictReader(io.StringIO(archive.read("leavers.csv").decode())))
        names = archive.namelist()
    assert sorted(
        (r["employee_id"], r["status"], r["lines_verified"], r["lines_open"], r["lines_reopened"]) for r in leavers
    ) == [(eid, "open", "0", "3", "3") for eid in LEAVERS]
    assert len([n for n in names if n.startswith("certificates/")]) == 3


def test_the_api_shows_a_lines_history(org, export, make_user) -> None:
    from ordna.core.actor import Actor
    from ordna.core.services import token_create

    export(ACTIVE)
    proof = export(BLOCKED)
    contradiction = export(ACTIVE)
    token = token_create(user=make_user("coordinator"), actor=Actor.system("test"))
    api = Client(headers={"Authorization": f"Bearer {token}"})
    lines = api.get("/api/v1/lines", {"person": "R1", "kind": "account"}).json()["items"]
    assert [(line["state"], line["reopened"]) for line in lines] == [("open", 1)]
    (reopening,) = lines[0]["reopenings"]
    assert {
        k: reopening[k] for k in ("cause", "import_run", "was_state", "was_verified_by", "was_proof_import_run")
    } == {
        "cause": "contradicted",
        "import_run": contradiction.run_id,
        "was_state": "verified",
        "was_verified_by": "import",
        "was_proof_import_run": proof.run_id,
    }
