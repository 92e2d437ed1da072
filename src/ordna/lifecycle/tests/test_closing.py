"""Proof, not clicks (issue 16): how lines close by hand, who may close them, and when a case completes.

The walk of the issue on one leaver: L1 leaves in five days with a crm account and licence (the IT
coordinator's lines), a laptop (the manager's line) and two tasks. Every corner cut is refused with a reason
and nothing changes; proof arriving after the last day closes the lines; the case completes on or after it.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ordna.conftest import TODAY, hr_row
from ordna.core.actor import Actor
from ordna.core.models import AuditEvent
from ordna.core.services import token_create
from ordna.lifecycle import closing, services
from ordna.lifecycle.engine import LifecycleError
from ordna.lifecycle.models import Case, ClosingRequest, Line
from ordna.lifecycle.tests.conftest import after, day

pytestmark = pytest.mark.django_db
LAST_DAY = TODAY + timedelta(days=5)
HANDED_OVER = "Kunder överlämnade \N{EN DASH} klart"  # a dash and Swedish letters, which Helvetica could not set


@pytest.fixture
def walk(load_people, import_accounts, make_user, actor) -> dict[str, Any]:
    from ordna.devices.services import device_register
    from ordna.lifecycle.case_templates import template_save, template_task_add
    from ordna.people.models import Person

    template = template_save(actor=actor, name="Everyone")
    template_task_add(template=template, actor=actor, title="Plan the handover", responsible="manager", offset_days=-3)
    template_task_add(template=template, actor=actor, title="Final pay", responsible="hr")
    rows = [hr_row("M1"), hr_row("L1", "Åsa", "Öberg", manager_employee_id="M1")]
    load_people(rows)
    device_register(asset_tag="LT-7", kind="laptop", actor=actor, holder=Person.objects.get(employee_id="L1"))
    import_accounts("crm", [("L1", "active", "Pro")])
    rows[1]["end_date"] = day(5)
    load_people(rows)
    people = {p.employee_id: p for p in Person.objects.all()}
    lines = {line.subject: line for line in Line.objects.select_related("case")}
    return {
        "case": Case.objects.get(),
        "account": lines["l1@crm.example.org"],
        "licence": lines["Pro"],
        "laptop": lines["LT-7"],
        "handover": lines["Plan the handover"],
        "pay": lines["Final pay"],
        "manager": make_user("manager", person=people["M1"]),
        "hr": make_user("hr"),
        "it": make_user("coordinator"),
        "it2": make_user("coordinator"),
        "admin": make_user("admin"),
    }


def web(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user: Any) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_create(user=user, actor=Actor.system('test'))}"})


def post(user: Any, path: str, payload: dict[str, Any]) -> Any:
    return api(user).post(f"/api/v1{path}", data=json.dumps(payload), content_type="application/json")


def state(line: Line) -> tuple[str, str]:
    line.refresh_from_db()
    return line.state, line.closed_by


# Attesting what proof could show -------------------------------------------------------------------------------


def test_an_account_cannot_be_attested_before_the_last_day_in_the_service_the_web_and_the_api(walk) -> None:
    line, it = walk["account"], walk["it"]
    with pytest.raises(LifecycleError, match=r"^This can be attested from the last day on \(2026-11-21\)"):
        closing.line_attest(
            line=line, actor=Actor.for_user(it), today=TODAY, reason="admin_console", note="Blocked sign-in"
        )
    response = post(it, f"/lines/{line.pk}/attest", {"reason": "admin_console", "note": "Blocked sign-in"})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("This can be attested from the last day on (2026-11-21)")
    page = web(it).post(
        f"/cases/lines/{line.pk}/close/", {"action": "attest", "reason": "admin_console", "note": "Blocked sign-in"}
    )
    assert page.status_code == 422
    shown = page.content.decode()
    assert "This can be attested from the last day on (2026-11-21)" in shown
    assert 'value="Blocked sign-in"' in shown  # what was typed stays in the form
    assert state(line) == ("open", "")
    assert not AuditEvent.objects.filter(action="line.attested").exists()


def test_from_the_last_day_an_account_is_attested_with_a_reason_from_the_list_and_text(walk) -> None:
    line, it = walk["account"], Actor.for_user(walk["it"])
    for reason, reference, note, message in (
        ("", "", "Blocked", r"^Reason: choose why you vouch for it instead of proof: The system has no export"),
        ("checked", "", "Blocked", r"^Reason: choose why"),
        ("returned_elsewhere", "", "Blocked", r"^Reason: choose why"),  # a device's reason, not an account's
        ("supplier_ticket", "", "Blocked", r"^Reference: give the number of the supplier's ticket\.$"),
        ("admin_console", "", "  ", r"^Text: say what was done, where and when\.$"),
    ):
        with pytest.raises(LifecycleError, match=message):
            closing.line_attest(line=line, actor=it, today=LAST_DAY, reason=reason, reference=reference, note=note)
    assert state(line) == ("open", "")
    outcome = closing.line_attest(
        line=line,
        actor=it,
        today=LAST_DAY,
        reason="supplier_ticket",
        reference="INC-4711",
        note="Removed by the supplier",
    )
    assert not outcome.pending
    line.refresh_from_db()
    assert (line.state, line.attest_reason, line.attest_reference, line.note, line.override) == (
        "attested",
        "supplier_ticket",
        "INC-4711",
        "Removed by the supplier",
        False,
    )


def test_tasks_are_attested_when_done_even_before_the_last_day_without_a_reason(walk) -> None:
    manager = Actor.for_user(walk["manager"])
    outcome = closing.line_attest(line=walk["handover"], actor=manager, today=TODAY, note="")
    assert (outcome.pending, state(walk["handover"])) == (False, ("attested", walk["manager"].username))


def test_a_device_is_checked_in_any_day_but_attested_only_from_the_last_day_with_a_reason(walk, actor) -> None:
    from ordna.devices.models import Device
    from ordna.devices.services import device_check_in

    manager = Actor.for_user(walk["manager"])
    with pytest.raises(LifecycleError, match=r"^This can be attested from the last day on"):
        closing.line_attest(
            line=walk["laptop"], actor=manager, today=TODAY, reason="returned_elsewhere", note="Sent by courier"
        )
    with pytest.raises(LifecycleError, match=r"^Reason: choose why you vouch for it instead of proof: Returned"):
        closing.line_attest(line=walk["laptop"], actor=manager, today=LAST_DAY, reason="admin_console", note="x")
    device_check_in(device=Device.objects.get(asset_tag="LT-7"), actor=actor)  # handed in early: proof
    walk["laptop"].refresh_from_db()
    assert (walk["laptop"].state, walk["laptop"].verified_by) == ("verified", "check-in")


# Separation of duties ------------------------------------------------------------------------------------------


def test_only_the_responsible_party_closes_a_line_others_do_not_find_it(walk) -> None:
    laptop, hr = walk["laptop"], walk["hr"]
    assert web(hr).post(f"/cases/lines/{laptop.pk}/close/", {"action": "attest"}).status_code == 404
    assert post(hr, f"/lines/{laptop.pk}/attest", {"reason": "other", "note": "x"}).status_code == 404
    refused = pytest.raises(LifecycleError, match=r"^You are not responsible for this line \(Manager: Test Person is\)")
    with refused, after(5):
        closing.line_attest(line=laptop, actor=Actor.for_user(hr), today=LAST_DAY, reason="other", note="Collected")
    assert state(laptop) == ("open", "")


def test_the_coordinator_closes_someone_elses_line_only_by_an_explicit_override(walk) -> None:
    laptop, it = walk["laptop"], walk["it"]
    with after(5):
        response = post(it, f"/lines/{laptop.pk}/attest", {"reason": "returned_elsewhere", "note": "At the desk"})
        assert response.status_code == 422
        assert response.json()["detail"] == (
            "This line is for Manager: Test Person to close. To close it for them, choose “Override” and say why: "
            "it is recorded as an override."
        )
        response = post(
            it, f"/lines/{laptop.pk}/attest", {"reason": "returned_elsewhere", "note": "At the desk", "override": True}
        )
        assert response.json()["detail"] == "Override: say why you close this line for Manager: Test Person."
        assert state(laptop) == ("open", "")
        response = post(
            it,
            f"/lines/{laptop.pk}/attest",
            {
                "reason": "returned_elsewhere",
                "note": "At the desk",
                "override": True,
                "override_reason": "Manager on leave",
            },
        )
    assert response.status_code == 202  # an override waits for a second person
    request = ClosingRequest.objects.get()
    assert (request.kind, request.override, request.override_reason, request.decision) == (
        "attest",
        True,
        "Manager on leave",
        "pending",
    )
    assert state(laptop) == ("open", "")
    page = web(walk["manager"]).get(f"/cases/{walk['case'].pk}/").content.decode()
    assert f"Attestation for someone else requested by {it.username}" in page


def test_who_asks_can_never_approve_a_second_person_does(walk) -> None:
    account, it, it2 = walk["account"], walk["it"], walk["it2"]
    outcome = closing.line_waive(line=account, actor=Actor.for_user(it), today=TODAY, reason="Test account of IT")
    request = outcome.request
    assert request is not None and state(account) == ("open", "")
    response = post(it, f"/closing-requests/{request.pk}/approve", {})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("You asked for this yourself: a second person")
    page = web(it).post(f"/cases/requests/{request.pk}/approve/")
    assert page.status_code == 422 and "You asked for this yourself" in page.content.decode()
    assert post(walk["manager"], f"/closing-requests/{request.pk}/approve", {}).status_code == 404
    assert state(account) == ("open", "")

    response = post(it2, f"/closing-requests/{request.pk}/approve", {"note": "Agreed"})
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["closed_by"], response.json()["approved_by"]) == (
        "waived",
        it.username,
        it2.username,
    )
    again = post(walk["admin"], f"/closing-requests/{request.pk}/approve", {})
    assert again.status_code == 409 and again.json()["detail"].startswith("This request was decided already")


def test_a_rejected_waiver_leaves_the_line_open_and_a_withdrawn_one_too(walk) -> None:
    account, it, it2 = walk["account"], Actor.for_user(walk["it"]), Actor.for_user(walk["it2"])
    request = closing.line_waive(line=account, actor=it, today=TODAY, reason="Not needed").request
    assert request is not None
    with pytest.raises(LifecycleError, match=r"^Reason: say why the request is rejected"):
        closing.closing_request_reject(request=request, actor=it2, note=" ")
    closing.closing_request_reject(request=request, actor=it2, note="It is a personal account: disable it")
    assert state(account) == ("open", "")
    request = closing.line_waive(line=account, actor=it, today=TODAY, reason="Shared after all").request
    assert request is not None
    with pytest.raises(LifecycleError, match=r"^Only the person who asked may withdraw"):
        closing.closing_request_withdraw(request=request, actor=it2)
    closing.closing_request_withdraw(request=request, actor=it)
    assert list(ClosingRequest.objects.values_list("decision", flat=True).order_by("id")) == ["rejected", "withdrawn"]
    assert state(account) == ("open", "")


def test_without_approval_a_waiver_and_an_override_close_at_once(walk, settings) -> None:
    settings.ORDNA_WAIVER_APPROVAL = False
    it = Actor.for_user(walk["it"])
    closing.line_waive(line=walk["licence"], actor=it, today=TODAY, reason="Licence moved to the team")
    outcome = closing.line_attest(
        line=walk["pay"], actor=it, today=TODAY, note="Paid", override=True, override_reason="HR asked IT"
    )
    assert not outcome.pending
    walk["pay"].refresh_from_db()
    assert (walk["pay"].state, walk["pay"].override, walk["pay"].override_reason) == ("attested", True, "HR asked IT")
    assert state(walk["licence"]) == ("waived", walk["it"].username)
    assert AuditEvent.objects.filter(action="line.attested", after__override=True).count() == 1


def test_a_second_click_on_the_same_line_sees_what_the_first_did(walk) -> None:
    manager = walk["manager"]
    stale = Line.objects.get(pk=walk["handover"].pk)  # the page the second click came from
    closing.line_attest(line=walk["handover"], actor=Actor.for_user(manager), today=TODAY, note="Done")
    with pytest.raises(closing.LineConflict, match=rf"^This line was closed already \(Attested by {manager.username}"):
        closing.line_attest(line=stale, actor=Actor.for_user(manager), today=TODAY, note="Done too")
    response = post(manager, f"/lines/{stale.pk}/attest", {"note": "Done too"})
    assert response.status_code == 409 and response.json()["detail"].startswith("This line was closed already")
    page = web(manager).post(f"/cases/lines/{stale.pk}/close/", {"action": "attest", "note": "Again"})
    assert page.status_code == 409 and "This line was closed already" in page.content.decode()
    stale.refresh_from_db()
    assert stale.note == "Done"


def test_a_second_request_on_a_line_that_has_one_waiting_is_refused(walk) -> None:
    it, it2 = Actor.for_user(walk["it"]), Actor.for_user(walk["it2"])
    closing.line_waive(line=walk["account"], actor=it, today=TODAY, reason="Not needed")
    with pytest.raises(closing.LineConflict, match=r"^Waiver by coordinator\d+ waits for approval on this line"):
        closing.line_waive(line=walk["account"], actor=it2, today=TODAY, reason="Not needed either")
    assert ClosingRequest.objects.count() == 1


# When a case completes ---------------------------------------------------------------------------------------------


def test_proof_after_the_last_day_closes_the_lines_and_the_case_completes_not_before(
    walk, import_accounts, actor
) -> None:
    from ordna.devices.models import Device
    from ordna.devices.services import device_check_in

    manager, hr = Actor.for_user(walk["manager"]), Actor.for_user(walk["hr"])
    closing.line_attest(line=walk["handover"], actor=manager, today=TODAY, note="Handed over")
    closing.line_attest(line=walk["pay"], actor=hr, today=TODAY, note="Paid")
    device_check_in(device=Device.objects.get(asset_tag="LT-7"), actor=actor)
    import_accounts("crm", [("L1", "disabled", "")])  # disabled today, before the last day: no proof yet
    assert state(walk["account"])[0] == "open"
    case = walk["case"]

    with after(6):
        later = TODAY + timedelta(days=6)
        import_accounts("crm", [("L1", "disabled", "")], today=later)
    case.refresh_from_db()
    assert case.status == "completed"
    account = Line.objects.get(pk=walk["account"].pk)
    assert (account.state, account.verified_by, account.proof_taken_at.date()) == ("verified", "import", later)


def test_a_case_whose_lines_closed_early_completes_on_the_last_day(walk, actor, settings) -> None:
    settings.ORDNA_WAIVER_APPROVAL = False
    it = Actor.for_user(walk["it"])
    for line in (walk["account"], walk["licence"], walk["laptop"]):
        closing.line_waive(line=line, actor=it, today=TODAY, reason="Never used", override=True, override_reason="x")
    for line in (walk["handover"], walk["pay"]):
        closing.line_attest(line=line, actor=it, today=TODAY, override=True, override_reason="Done by IT")
    case = walk["case"]
    case.refresh_from_db()
    assert case.status == "open"  # every line is closed, but the last day has not come
    services.cases_open_due(actor=actor, today=LAST_DAY - timedelta(days=1))
    case.refresh_from_db()
    assert case.status == "open"
    services.cases_open_due(actor=actor, today=LAST_DAY)  # the daily job on the last day
    case.refresh_from_db()
    assert case.status == "completed"


def test_moving_the_last_day_later_reopens_what_proof_from_before_it_closed(walk, load_people, import_accounts) -> None:
    with after(6):
        import_accounts("crm", [("L1", "disabled", "")], today=TODAY + timedelta(days=6))
        assert state(walk["account"])[0] == "verified"
        load_people([hr_row("M1"), hr_row("L1", "Åsa", "Öberg", manager_employee_id="M1", end_date=day(9))])
    account = Line.objects.get(pk=walk["account"].pk)
    assert (account.state, account.proof_taken_at, account.proof_run_id) == ("open", None, None)
    assert AuditEvent.objects.filter(action="line.reopened", target_id=str(account.pk)).exists()


# The certificate ---------------------------------------------------------------------------------------------------


def pdf_words(content: bytes, tmp_path: Any) -> str:
    """The text of a PDF as poppler's pdftotext reads it (what a reader copies out of it)."""
    import subprocess

    from ordna.conftest import require_server

    pdftotext = require_server("pdftotext", "pdftotext", "apt-get install poppler-utils")
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    return subprocess.run([pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_the_certificate_says_per_line_how_it_closed_in_every_character(walk, import_accounts, actor, tmp_path) -> None:
    from ordna.core.models import ImportRun
    from ordna.devices.models import Device
    from ordna.devices.services import device_check_in
    from ordna.lifecycle.certificate import certificate_data, certificate_pdf

    manager, it, it2 = (Actor.for_user(walk[k]) for k in ("manager", "it", "it2"))
    closing.line_attest(line=walk["handover"], actor=manager, today=TODAY, note=HANDED_OVER)
    request = closing.line_waive(
        line=walk["pay"], actor=it, today=TODAY, reason="Paid by the agency", override=True, override_reason="HR ill"
    ).request
    assert request is not None
    closing.closing_request_approve(request=request, actor=it2, today=TODAY)
    device_check_in(device=Device.objects.get(asset_tag="LT-7"), actor=actor)
    later = TODAY + timedelta(days=6)
    with after(6):
        import_accounts("crm", [("L1", "disabled", "Pro")], today=later)
        closing.line_attest(
            line=walk["licence"],
            actor=it,
            today=later,
            reason="supplier_ticket",
            reference="INC-4711",
            note="Licence removed by the supplier",
        )
    case = Case.objects.get()
    assert case.status == "completed"
    run = ImportRun.objects.filter(source="accounts").latest("id")
    data = certificate_data(case)
    assert (data.counts.total, data.counts.verified, data.counts.attested, data.counts.waived) == (5, 2, 2, 1)
    how = {line.subject: (line.state, line.how, line.closed_by, line.override, line.approved_by) for line in data.lines}
    proof_time = Line.objects.get(pk=walk["account"].pk).proof_taken_at
    assert how == {
        "l1@crm.example.org": (
            "Verified",
            f"Import #{run.pk}, export taken {timezone.localtime(proof_time):%Y-%m-%d %H:%M}",
            "Ordna (test) (import)",
            "",
            "",
        ),
        "Pro": (
            "Attested",
            "Removed by the supplier's ticket (INC-4711): Licence removed by the supplier",
            it.label,
            "",
            "",
        ),
        "LT-7": ("Verified", "Device check-in", "Ordna (test)", "", ""),
        "Plan the handover": ("Attested", HANDED_OVER, manager.label, "", ""),
        "Final pay": ("Waived", "Paid by the agency", it.label, "HR ill", it2.label),
    }

    text = pdf_words(certificate_pdf(data), tmp_path)
    assert "Åsa Öberg (L1)" in text and HANDED_OVER in text
    assert "5 lines: 2 verified by proof, 2 attested, 1 waived, 0 open" in text
    assert f"Import #{run.pk}, export" in text and "INC-4711" in text and "override: HR ill" in text
    assert "?" not in text
