"""Offboarding through the web, the API and the command line, with the scope rules of docs/roles.md."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from ordna.conftest import hr_row
from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.services import token_create
from ordna.lifecycle.models import Case, Line
from ordna.lifecycle.tests.conftest import after, day

pytestmark = pytest.mark.django_db


@pytest.fixture
def leaver(load_people, import_accounts, make_user, actor) -> dict[str, Any]:
    """L1 (managed by M1) leaves in 5 days with a crm account and a laptop; M2 manages someone else."""
    from ordna.devices.services import device_register
    from ordna.people.models import Person

    load_people(
        [hr_row("M1"), hr_row("M2"), hr_row("A1", manager_employee_id="M2"), hr_row("L1", manager_employee_id="M1")]
    )
    device_register(asset_tag="LT-7", kind="laptop", actor=actor, holder=Person.objects.get(employee_id="L1"))
    import_accounts("crm", [("L1", "active", "Pro")])
    load_people(
        [
            hr_row("M1"),
            hr_row("M2"),
            hr_row("A1", manager_employee_id="M2"),
            hr_row("L1", manager_employee_id="M1", end_date=day(5)),
        ]
    )
    people = {p.employee_id: p for p in Person.objects.all()}
    return {
        "case": Case.objects.get(),
        "device_line": Line.objects.get(kind="device"),
        "account_line": Line.objects.get(kind="account"),
        "manager": make_user("manager", person=people["M1"]),
        "other_manager": make_user("manager", person=people["M2"]),
        "employee": make_user("employee", person=people["L1"]),
        "coordinator": make_user("coordinator"),
        "hr": make_user("hr"),
    }


def web(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user: Any) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_create(user=user, actor=Actor.system('test'))}"})


def test_a_user_outside_the_lines_scope_cannot_close_it(leaver) -> None:
    line = leaver["device_line"]
    for user in (leaver["other_manager"], leaver["employee"], leaver["hr"]):
        assert web(user).post(f"/cases/lines/{line.pk}/close/", {"action": "attest"}).status_code == 404
        response = api(user).post(f"/api/v1/lines/{line.pk}/attest", data="{}", content_type="application/json")
        assert response.status_code == 404
    line.refresh_from_db()
    assert line.state == "open"


def test_the_responsible_manager_attests_in_the_web_from_the_last_day(leaver) -> None:
    line = leaver["device_line"]
    with after(5):
        response = web(leaver["manager"]).post(
            f"/cases/lines/{line.pk}/close/", {"action": "attest", "reason": "returned_elsewhere", "note": "got it"}
        )
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.state, line.attest_reason, line.note, line.closed_by) == (
        "attested",
        "returned_elsewhere",
        "got it",
        leaver["manager"].username,
    )


def test_waiving_without_a_reason_is_refused_in_the_api_and_the_web(leaver) -> None:
    line = leaver["account_line"]
    response = api(leaver["coordinator"]).post(
        f"/api/v1/lines/{line.pk}/waive", data=json.dumps({"reason": " "}), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json() == {"detail": "Reason: say why this line need not be done.", "field": ""}
    response = web(leaver["coordinator"]).post(f"/cases/lines/{line.pk}/close/", {"action": "waive"})
    assert response.status_code == 422 and "Reason: say why this line need not be done." in response.content.decode()
    line.refresh_from_db()
    assert line.state == "open"
    response = api(leaver["coordinator"]).post(
        f"/api/v1/lines/{line.pk}/waive", data=json.dumps({"reason": "test account"}), content_type="application/json"
    )
    assert response.status_code == 202
    assert (response.json()["kind"], response.json()["note"], response.json()["decision"]) == (
        "waive",
        "test account",
        "pending",
    )


def test_the_board_the_case_page_and_my_tasks(leaver) -> None:
    case = leaver["case"]
    board = web(leaver["hr"]).get("/cases/").content.decode()
    assert f"/cases/{case.pk}/" in board and "L1" in board
    # Each case's lines on the page: open / all, and the open ones past their due date.
    lines = Line.objects.filter(case=case)
    opened = lines.filter(state="open")
    assert opened.exists()
    overdue = opened.filter(due__lt=today()).count()
    assert f"<td>{opened.count()} / {lines.count()}</td><td>{overdue}</td>" in board
    assert f"/cases/{case.pk}/" not in web(leaver["other_manager"]).get("/cases/").content.decode()
    page = web(leaver["manager"]).get(f"/cases/{case.pk}/").content.decode()
    assert "LT-7" in page and f"/cases/lines/{leaver['device_line'].pk}/close/" in page
    assert f"/cases/lines/{leaver['account_line'].pk}/close/" not in page  # the manager sees it, cannot close it
    assert web(leaver["other_manager"]).get(f"/cases/{case.pk}/").status_code == 404
    mine = web(leaver["employee"]).get("/cases/mine/").content.decode()
    assert "Return your device LT-7" in mine
    assert "/close/" not in mine  # the manager collects it, not the leaver


def test_the_board_lists_only_the_managers_own_reporting_line(leaver) -> None:
    listed = api(leaver["other_manager"]).get("/api/v1/cases").json()["items"]
    assert listed == []
    listed = api(leaver["manager"]).get("/api/v1/cases").json()["items"]
    assert [c["person"] for c in listed] == ["L1"]


def test_the_case_in_the_api_shows_only_the_lines_in_scope(leaver) -> None:
    case = leaver["case"]
    seen = api(leaver["employee"]).get(f"/api/v1/cases/{case.pk}").json()
    assert [(x["kind"], x["subject"]) for x in seen["lines"]] == [("device", "LT-7")]
    everything = api(leaver["coordinator"]).get(f"/api/v1/cases/{case.pk}").json()
    assert sorted(x["kind"] for x in everything["lines"]) == ["account", "device", "licence"]


def test_the_certificate_in_html_and_pdf(leaver) -> None:
    case = leaver["case"]
    page = web(leaver["hr"]).get(f"/cases/{case.pk}/certificate/").content.decode()
    assert "Leaver certificate" in page and "LT-7" in page
    pdf = web(leaver["hr"]).get(f"/cases/{case.pk}/certificate/?format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert api(leaver["hr"]).get(f"/api/v1/cases/{case.pk}/certificate").content.startswith(b"%PDF")


def test_device_check_in_page_verifies_the_line(leaver) -> None:
    response = web(leaver["coordinator"]).post("/cases/check-in/", {"asset_tag": "lt-7"}, follow=True)
    assert "LT-7 is checked in" in response.content.decode()
    line = leaver["device_line"]
    line.refresh_from_db()
    assert (line.state, line.verified_by) == ("verified", "check-in")
    response = web(leaver["coordinator"]).post("/cases/check-in/", {"asset_tag": "NOPE"}, follow=True)
    assert "No device has the asset tag NOPE" in response.content.decode()


def test_templates_are_edited_in_the_web(db, make_user) -> None:
    client = web(make_user("hr"))
    response = client.post("/cases/templates/", {"name": "Consultants", "employment_type": "consultant", "active": "1"})
    assert response.status_code == 302
    from ordna.lifecycle.models import CaseTemplate

    template = CaseTemplate.objects.get()
    client.post(
        f"/cases/templates/{template.pk}/tasks/",
        {"title": "Tell the client", "responsible": "manager", "offset_days": "-10"},
    )
    response = client.post(
        f"/cases/templates/{template.pk}/tasks/",
        {"title": "x", "responsible": "manager", "offset_days": "soon"},
        follow=True,
    )
    assert "whole number" in response.content.decode()
    assert list(template.tasks.values_list("title", "responsible", "offset_days")) == [
        ("Tell the client", "manager", -10)
    ]


def test_export_cases_and_lines_in_the_shapes_of_design_4_3(leaver, capsys) -> None:
    call_command("export", "cases", "--format", "json")
    cases = json.loads(capsys.readouterr().out)
    assert cases == [
        {
            "kind": "leaver",
            "person": "L1",
            "effective_date": day(5),
            "status": "open",
            "lines_total": 3,
            "lines_open": 3,
            "completed_at": None,
        }
    ]
    call_command("export", "lines", "--format", "json")
    lines = json.loads(capsys.readouterr().out)
    assert lines == [
        {
            "case_person": "L1",
            "kind": "device",
            "application": None,
            "subject": "LT-7",
            "responsible": "manager:M1",
            "due": day(4),
            "state": "open",
            "verified_by": None,
        },
        {
            "case_person": "L1",
            "kind": "account",
            "application": "crm",
            "subject": "l1@crm.example.org",
            "responsible": "coordinator",
            "due": day(7),
            "state": "open",
            "verified_by": None,
        },
        {
            "case_person": "L1",
            "kind": "licence",
            "application": "crm",
            "subject": "Pro",
            "responsible": "coordinator",
            "due": day(7),
            "state": "open",
            "verified_by": None,
        },
    ]


def test_cases_open_command(load_people, capsys) -> None:
    load_people([hr_row("L1", end_date=day(20))])
    call_command("cases", "open", "--dry-run")
    assert "would open 0 case(s)" in capsys.readouterr().out
    assert Case.objects.count() == 0


def test_a_leaving_manager_sees_of_their_own_case_only_what_any_leaver_sees(leaver) -> None:
    from ordna.core.models import UserRole
    from ordna.lifecycle.scopes import lines_scope

    # L1 leaves; give L1's user the manager role as well: their own case's other lines stay out of sight.
    own = leaver["employee"]
    UserRole.objects.create(user=own, role="manager")
    own = type(own).objects.get(pk=own.pk)
    visible = set(lines_scope(own).filter(case=leaver["case"]).values_list("kind", flat=True))
    assert visible == {"device"}
    assert set(lines_scope(leaver["manager"]).filter(case=leaver["case"]).values_list("kind", flat=True)) >= {
        "device",
        "account",
    }


def test_my_tasks_are_found_by_the_leavers_name_or_employee_id(leaver) -> None:
    # The coordinator's open lines (the crm account) are all L1's ("Test Person")
    coordinator = leaver["coordinator"]
    mine = [line.pk for line in Line.objects.filter(case=leaver["case"], responsible="coordinator", state="open")]
    assert mine
    for q, found in (("person", mine), ("TEST pers", mine), ("L1", mine), ("Lindqvist", []), ("l", [])):
        page = web(coordinator).get("/cases/mine/", {"q": q}).content.decode()
        assert [pk for pk in mine if f'value="{pk}" form="bulk-lines"' in page] == found, q
        assert f'name="q" value="{q}"' in page
        answer = api(coordinator).get("/api/v1/tasks/mine", {"q": q})
        assert [line["id"] for line in answer.json()["items"]] == found, q
