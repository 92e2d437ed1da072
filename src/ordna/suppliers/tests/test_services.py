"""Contracts imported and exported, decisions and alerts, service levels, reviews, and the portal's isolation."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client

from ordna.conftest import TODAY, hr_row
from ordna.core.actor import Actor
from ordna.core.services import token_create
from ordna.suppliers import selectors, services
from ordna.suppliers.models import ActionItem, Contract, Supplier

pytestmark = pytest.mark.django_db

HEADER = (
    "supplier,title,start_date,initial_term_months,renewal,renewal_term_months,notice,decision_buffer_days,"
    "annual_value,currency\n"
)
CONTRACTS = HEADER + (
    "Example IT Services AB,Office IT,2021-01-01,24,tacit,12,3 months,30,1200000,SEK\n"
    "Example IT Services AB,Printing,2025-01-01,24,none,,2 months,0,0,SEK\n"
    "Voorbeeld Software BV,ERP hosting,2026-01-31,1,tacit,1,10 days,0,50000,EUR\n"
    "Voorbeeld Software BV,Leap,2027-03-31,12,express,12,1 month,5,10,EUR\n"
)


def test_import_then_export_gives_every_date_by_the_rules(write_file, actor, tmp_path) -> None:
    result = services.contracts_import(path=write_file("c.csv", CONTRACTS), actor=actor)
    assert (result.outcome, result.created) == ("applied", 4)
    out = BytesIO()
    from ordna.core.tabular import write_table

    write_table(
        selectors.contracts_export_rows(Contract.objects.all(), today=TODAY),
        columns=selectors.CONTRACT_EXPORT_COLUMNS,
        fmt="json",
        out=out,
    )
    rows = {r["title"]: r for r in json.loads(out.getvalue())}
    assert rows["Office IT"] == {
        "supplier": "Example IT Services AB",
        "title": "Office IT",
        "current_term_start": "2026-01-01",
        "current_term_end": "2026-12-31",
        "cancel_by": "2026-09-30",  # from the current term, not the initial one (2022-09-30)
        "decision_date": "2026-08-31",
        "status": "notice_passed",
    }
    assert rows["Printing"]["cancel_by"] == "2026-10-31"
    # 2026-01-31 ends 02-27 (02-28 minus a day); each renewal runs from its own start: 02-28..03-27, ...
    assert (rows["ERP hosting"]["current_term_start"], rows["ERP hosting"]["current_term_end"]) == (
        "2026-10-28",
        "2026-11-27",
    )
    assert rows["ERP hosting"]["cancel_by"] == "2026-11-17"  # (11-28) - 10 days - 1 day
    assert rows["Leap"] == {
        "supplier": "Voorbeeld Software BV",
        "title": "Leap",
        "current_term_start": "2027-03-31",
        "current_term_end": "2028-03-30",
        "cancel_by": "2028-02-28",
        "decision_date": "2028-02-23",
        "status": "not_started",
    }
    # The same file again changes nothing.
    again = services.contracts_import(path=write_file("c.csv", CONTRACTS), actor=actor)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


def test_import_errors_name_row_and_column_and_nothing_is_applied(write_file, actor) -> None:
    bad = HEADER + (
        "Example IT Services AB,Good,2026-01-01,12,tacit,12,3 months,0,10,SEK\n"
        "Example IT Services AB,Bad date,2026-02-30,12,tacit,12,3 months,0,10,SEK\n"
        "Example IT Services AB,Bad notice,2026-01-01,12,tacit,12,3 weeks,0,10,SEK\n"
        "Example IT Services AB,No renewal term,2026-01-01,12,tacit,,3 months,0,10,SEK\n"
        "Example IT Services AB,Bad renewal,2026-01-01,12,sometimes,12,3 months,0,10,SEK\n"
        "Example IT Services AB,Bad money,2026-01-01,12,tacit,12,3 months,0,lots,SEK\n"
    )
    result = services.contracts_import(path=write_file("c.csv", bad), actor=actor)
    assert result.outcome == "rejected"
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "start_date"),
        (4, "notice"),
        (5, "renewal_term_months"),
        (6, "renewal"),
        (7, "annual_value"),
    ]
    assert Contract.objects.count() == 0 and Supplier.objects.count() == 0


def test_import_rejects_a_header_without_the_columns(write_file, actor) -> None:
    result = services.contracts_import(path=write_file("c.csv", "supplier,title\nA,B\n"), actor=actor)
    assert result.errors[0].row == 1 and "start_date" in result.errors[0].reason


def test_command_line_import_and_export(write_file, tmp_path) -> None:
    call_command("import", "contracts", str(write_file("c.csv", CONTRACTS)))
    target = tmp_path / "contracts.xlsx"
    call_command("export", "contracts", "--format", "xlsx", "-o", str(target))
    from openpyxl import load_workbook

    sheet = load_workbook(target).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == selectors.CONTRACT_EXPORT_COLUMNS
    assert len(rows) == 5
    bad = write_file("bad.csv", HEADER + "X,Y,2026-01-01,0,tacit,12,3 months,0,0,SEK\n")
    completed = subprocess.run(
        [sys.executable, "-m", "ordna.cli", "import", "contracts", str(bad)], capture_output=True, text=True
    )
    assert completed.returncode == 1
    assert "row 2, column initial_term_months" in completed.stderr


def _contract(actor: Actor, **fields) -> Contract:
    data = {
        "supplier": "Example IT Services AB",
        "title": "Office IT",
        "start_date": date(2026, 1, 1),
        "initial_term_months": 12,
        "renewal": "tacit",
        "renewal_term_months": 12,
        "notice": "3 months",
        "decision_buffer_days": 0,
    }
    data.update(fields)
    contract, _changed = services.contract_save(data=services.ContractInput(**data), actor=actor)
    return contract


def test_alerts_repeat_until_a_decision_with_its_reason(actor) -> None:
    # cancel_by 2027-03-31 - 3 months... term 2026-04-01..2027-03-31: cancel by 2026-12-31, decision by 2026-12-21.
    contract = _contract(actor, start_date=date(2026, 4, 1), decision_buffer_days=10)
    reminders = selectors.contract_reminders(TODAY)
    assert [(r.kind, r.due, r.stage) for r in reminders] == [("contract_decision", date(2026, 12, 21), 90)]
    assert reminders[0].key == f"contract:{contract.pk}:term:0:stage:90"
    assert [r.stage for r in selectors.contract_reminders(date(2026, 12, 22))] == [0]  # overdue: repeats
    with pytest.raises(services.ContractError, match="reason"):
        services.contract_decide(contract=contract, decision="renew", reason=" ", actor=actor, today=TODAY)
    services.contract_decide(contract=contract, decision="terminate", reason="Moving to X", actor=actor, today=TODAY)
    assert selectors.contract_reminders(TODAY) == []
    contract.refresh_from_db()
    assert contract.dates(date(2027, 4, 1)).status == "expired"


def test_express_renewal_by_decision_adds_a_term(actor) -> None:
    contract = _contract(actor, renewal="express", start_date=date(2026, 1, 1))
    services.contract_decide(contract=contract, decision="renew", reason="Good value", actor=actor, today=TODAY)
    contract.refresh_from_db()
    assert contract.dates(date(2027, 6, 1)).current_term_end == date(2027, 12, 31)


def test_escalation_takes_the_contracts_resolution_level_else_the_application_setting(load_people, actor) -> None:
    from ordna.applications.models import Application
    from ordna.applications.services import application_create
    from ordna.people.models import Person
    from ordna.support import services as support

    load_people([hr_row("E1")])
    supplier = Supplier.objects.create(name="Example IT Services AB")
    application_create(slug="crm", name="CRM", actor=actor, supplier_id=supplier.pk)
    crm = Application.objects.get(slug="crm")
    crm.supplier_resolution_hours = 40
    crm.save()
    person = Person.objects.get()
    first = support.question_ask(application=crm, asked_by=person, category="how_to", text="?", actor=actor)
    support.question_escalate(question=first, actor=actor, ticket_ref="T-1")
    assert first.supplier_target_hours == 40
    contract = _contract(actor, applications=("crm",))
    services.service_level_set(
        contract=contract, metric="resolution", priority="", target=16, target_percent=90, actor=actor
    )
    second = support.question_ask(application=crm, asked_by=person, category="how_to", text="?", actor=actor)
    support.question_escalate(question=second, actor=actor, ticket_ref="T-2")
    assert second.supplier_target_hours == 16


def test_service_levels_list_breaches_of_questions_and_lines(load_people, make_user, actor) -> None:
    import time_machine

    from ordna.applications.models import Application
    from ordna.applications.services import application_create
    from ordna.people.models import Person
    from ordna.support import services as support

    load_people([hr_row("E1")])
    supplier = Supplier.objects.create(name="Example IT Services AB")
    application_create(slug="crm", name="CRM", actor=actor, supplier_id=supplier.pk)
    crm = Application.objects.get(slug="crm")
    contract = _contract(actor, applications=("crm",))
    portal = Actor.for_user(make_user("supplier", supplier=supplier))
    services.service_level_set(contract=contract, metric="resolution", priority="", target=8, target_percent=90,
                               actor=actor)  # fmt: skip
    person = Person.objects.get()
    stockholm = ZoneInfo("Europe/Stockholm")
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=stockholm), tick=False):
        slow = support.question_ask(application=crm, asked_by=person, category="how_to", text="slow", actor=actor)
        support.question_escalate(question=slow, actor=actor, ticket_ref="SLOW")
        fast = support.question_ask(application=crm, asked_by=person, category="how_to", text="fast", actor=actor)
        support.question_escalate(question=fast, actor=actor, ticket_ref="FAST")
    with time_machine.travel(datetime(2026, 11, 2, 11, 0, tzinfo=stockholm), tick=False):
        support.question_supplier_answer(question=fast, actor=portal, text="Done")
    with time_machine.travel(datetime(2026, 11, 5, 9, 0, tzinfo=stockholm), tick=False):
        support.question_supplier_answer(question=slow, actor=portal, text="Done")  # 27 business hours
    report = selectors.service_level_report(contract, since=date(2026, 11, 1), until=TODAY)[0]
    assert (report.measured, report.met, report.percent_met, report.achieved) == (2, 1, 50.0, False)
    assert [(b.subject, b.measured, b.running) for b in report.breaches] == [(f"Q{slow.pk} SLOW", 27.0, False)]


def test_review_agenda_from_data_carries_open_actions_and_exports(actor) -> None:
    supplier = Supplier.objects.create(name="Example IT Services AB")
    _contract(actor, start_date=date(2026, 4, 1))
    first = services.review_plan(
        supplier=supplier, title="Q3", starts_at=datetime(2026, 9, 1, 10, tzinfo=ZoneInfo("Europe/Stockholm")),
        actor=actor, today=TODAY,
    )  # fmt: skip
    services.action_add(review=first, title="Fix the backup report", owner_side="theirs", due=TODAY, actor=actor)
    done = services.action_add(review=first, title="Share the roadmap", owner_side="theirs", due=TODAY, actor=actor)
    services.action_close(action=done, actor=actor)
    second = services.review_plan(
        supplier=supplier, title="Q4", starts_at=datetime(2026, 12, 1, 10, tzinfo=ZoneInfo("Europe/Stockholm")),
        actor=actor, today=TODAY,
    )  # fmt: skip
    assert "1. Open actions carried over\n- Fix the backup report" in second.agenda
    assert "Share the roadmap" not in second.agenda
    assert "Office IT: decide by 2026-12-31, cancel by 2026-12-31" in second.agenda
    from ordna.suppliers.documents import review_ics, review_pdf

    pdf = review_pdf(second, list(second.action_items.all()))
    assert pdf.startswith(b"%PDF")
    from icalendar import Calendar

    event = Calendar.from_ical(review_ics(second, attendees=["contact@example.se"])).walk("VEVENT")[0]
    assert str(event["uid"]) == second.uid and str(event["summary"]) == "Q4 (Example IT Services AB)"
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=90)
    services.review_update(review=second, actor=actor, location="Teams")
    second.refresh_from_db()
    assert second.sequence == 1


def test_action_reminders_go_to_the_owner_or_the_supplier_users(load_people, make_user, actor) -> None:
    from ordna.people.models import Person

    load_people([hr_row("E1")])
    supplier = Supplier.objects.create(name="Example IT Services AB")
    portal = make_user("supplier", supplier=supplier)
    mine = make_user("coordinator", person=Person.objects.get())
    review = services.review_plan(supplier=supplier, title="Q4", starts_at=datetime(2026, 11, 1, 10,
                                  tzinfo=ZoneInfo("Europe/Stockholm")), actor=actor, today=TODAY)  # fmt: skip
    services.action_add(review=review, title="Theirs", owner_side="theirs", due=TODAY - timedelta(days=1), actor=actor)
    services.action_add(review=review, title="Ours", owner_side="ours", owner_person=Person.objects.get(),
                        due=TODAY + timedelta(days=3), actor=actor)  # fmt: skip
    services.action_add(review=review, title="Later", owner_side="theirs", due=TODAY + timedelta(days=30), actor=actor)
    items = selectors.review_action_reminders(TODAY)
    assert [(i.title, i.recipient_user_ids, i.stage) for i in items] == [
        ("Example IT Services AB: Theirs", (portal.pk,), 0),
        ("Example IT Services AB: Ours", (mine.pk,), 3),
    ]


# The portal: two suppliers, each sees only its own -----------------------------------------------------------


@pytest.fixture
def two_suppliers(make_user, actor):
    s1 = Supplier.objects.create(name="Example IT Services AB")
    s2 = Supplier.objects.create(name="Voorbeeld Software BV")
    c1 = _contract(actor, supplier=s1.name, title="Office IT")
    c2 = _contract(actor, supplier=s2.name, title="ERP hosting")
    when = datetime(2026, 12, 1, 10, tzinfo=ZoneInfo("Europe/Stockholm"))
    r1 = services.review_plan(supplier=s1, title="Office review", starts_at=when, actor=actor, today=TODAY)
    r2 = services.review_plan(supplier=s2, title="ERP review", starts_at=when, actor=actor, today=TODAY)
    a1 = services.action_add(review=r1, title="Office action", owner_side="theirs", due=TODAY, actor=actor)
    a2 = services.action_add(review=r2, title="ERP action", owner_side="theirs", due=TODAY, actor=actor)
    return {
        "users": (make_user("supplier", supplier=s1), make_user("supplier", supplier=s2)),
        "suppliers": (s1, s2),
        "contracts": (c1, c2),
        "reviews": (r1, r2),
        "actions": (a1, a2),
    }


def test_portal_isolation_in_pages_lists_exports_search_and_counts(two_suppliers) -> None:
    u1, _u2 = two_suppliers["users"]
    s1, s2 = two_suppliers["suppliers"]
    c1, c2 = two_suppliers["contracts"]
    _r1, r2 = two_suppliers["reviews"]
    a1, a2 = two_suppliers["actions"]
    client = Client()
    client.force_login(u1)
    for url in (
        f"/suppliers/{s2.pk}/",
        f"/contracts/{c2.pk}/",
        f"/reviews/{r2.pk}/",
        f"/reviews/{r2.pk}/agenda.pdf",
        f"/reviews/{r2.pk}/invitation.ics",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/actions/{a2.pk}/close/").status_code == 404
    assert client.get(f"/contracts/{c1.pk}/").status_code == 200
    page = client.get("/contracts/?q=o").content.decode()
    assert "Office IT" in page and "ERP hosting" not in page
    reviews = client.get("/reviews/").content.decode()
    assert "Office review" in reviews and "ERP review" not in reviews and "ERP action" not in reviews
    export = client.get("/contracts/export/?format=json").json()
    assert [row["title"] for row in export] == ["Office IT"]
    portal = client.get(f"/suppliers/{s1.pk}/").content.decode()
    assert "Office action" in portal and "ERP" not in portal
    assert [s.name for s in client.get("/suppliers/").context["page"]] == [s1.name]
    assert client.post(f"/actions/{a1.pk}/close/", {"note": "sent"}).status_code == 302
    assert ActionItem.objects.get(pk=a1.pk).closed_by == u1.username


def test_portal_isolation_in_the_api(two_suppliers) -> None:
    u1, _u2 = two_suppliers["users"]
    _c1, c2 = two_suppliers["contracts"]
    _r1, r2 = two_suppliers["reviews"]
    _a1, a2 = two_suppliers["actions"]
    token = token_create(user=u1, actor=Actor.system("test"))
    api = Client(headers={"Authorization": f"Bearer {token}"})
    contracts = api.get("/api/v1/contracts").json()
    assert (contracts["count"], [c["title"] for c in contracts["items"]]) == (1, ["Office IT"])
    assert api.get("/api/v1/contracts?q=ERP").json()["count"] == 0
    assert api.get(f"/api/v1/contracts/{c2.pk}").status_code == 404
    assert api.get(f"/api/v1/contracts/{c2.pk}/service-levels").status_code == 404
    assert [r["title"] for r in api.get("/api/v1/contracts/export").json()] == ["Office IT"]
    assert [r["title"] for r in api.get("/api/v1/reviews").json()["items"]] == ["Office review"]
    assert api.get("/api/v1/reviews?q=ERP").json()["count"] == 0
    assert api.get(f"/api/v1/reviews/{r2.pk}").status_code == 404
    assert [a["title"] for a in api.get("/api/v1/actions").json()["items"]] == ["Office action"]
    response = api.post(f"/api/v1/actions/{a2.pk}/close", data="{}", content_type="application/json")
    assert response.status_code == 404
    assert api.get("/api/v1/suppliers").status_code == 404  # the list of all suppliers is for IT


def test_supplier_users_cannot_close_our_actions(two_suppliers, load_people, actor) -> None:
    from ordna.people.models import Person

    load_people([hr_row("E1")])
    u1, _u2 = two_suppliers["users"]
    ours = services.action_add(review=two_suppliers["reviews"][0], title="Ours", owner_side="ours",
                               owner_person=Person.objects.get(), due=TODAY, actor=actor)  # fmt: skip
    client = Client()
    client.force_login(u1)
    assert client.post(f"/actions/{ours.pk}/close/").status_code == 404
    with pytest.raises(services.ReviewError, match="owner"):
        services.action_close(action=ours, actor=Actor.for_user(u1))


def test_list_pages_issue_the_same_queries_for_3_or_30_contracts_and_reviews(make_user, actor) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(make_user("admin"))

    def counts() -> tuple[int, ...]:
        result = []
        for url in ("/contracts/", "/reviews/", "/", "/suppliers/"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return tuple(result)

    def add(start: int, stop: int) -> None:
        for n in range(start, stop):
            contract = _contract(
                actor, supplier=f"Supplier {n % 4}", title=f"Contract {n}", start_date=date(2026, 4, 1)
            )
            review = services.review_plan(supplier=contract.supplier, title=f"Review {n}", starts_at=datetime(
                2026, 12, 1, 10, tzinfo=ZoneInfo("Europe/Stockholm")), actor=actor, today=TODAY)  # fmt: skip
            services.action_add(review=review, title=f"Action {n}", owner_side="theirs", due=TODAY, actor=actor)

    add(0, 3)
    few = counts()
    add(3, 30)
    assert counts() == few


def test_the_agenda_shows_the_supplier_only_planned_wishes_and_no_small_survey_groups(load_people, actor) -> None:
    from ordna.applications.models import Application
    from ordna.people.models import Person
    from ordna.support import services as support
    from ordna.support.models import SkillRating, SkillSurvey, SurveyInvitation

    load_people([hr_row("E1", department="IT")])
    person = Person.objects.get()
    supplier = Supplier.objects.create(name="Example IT Services AB")
    crm = Application.objects.create(slug="crm", name="CRM", supplier=supplier)
    planned = support.wish_propose(application=crm, person=person, title="Dark mode", text="", actor=actor)
    support.wish_triage(wish=planned, state="planned", reason="Next release", actor=actor)
    support.wish_propose(application=crm, person=person, title="Not decided yet", text="", actor=actor)
    survey = SkillSurvey.objects.create(title="Skills", departments=["IT"], opens_on=TODAY, closes_on=TODAY)
    invitation = SurveyInvitation.objects.create(survey=survey, person=person, applications=[crm.pk])
    SkillRating.objects.create(invitation=invitation, application=crm, rating=1, wants_training=True)
    agenda = selectors.review_agenda(supplier=supplier, today=TODAY)
    assert "CRM: Dark mode" in agenda and "Not decided yet" not in agenda
    assert "want training" not in agenda  # one person's rating would be theirs alone


def test_our_deliberation_on_a_contract_is_not_shown_to_its_supplier(two_suppliers, actor) -> None:
    u1, _u2 = two_suppliers["users"]
    c1, _c2 = two_suppliers["contracts"]
    client = Client()
    client.force_login(u1)
    assert "Contract decisions due" not in client.get("/").content.decode()  # an alert of ours, not theirs
    services.contract_decide(contract=c1, decision="terminate", reason="Too expensive", actor=actor, today=TODAY)
    page = client.get(f"/contracts/{c1.pk}/").content.decode()
    assert "Office IT" in page and "Too expensive" not in page and "Decide by" not in page
    token = token_create(user=u1, actor=Actor.system("test"))
    api = Client(headers={"Authorization": f"Bearer {token}"})
    detail = api.get(f"/api/v1/contracts/{c1.pk}").json()
    assert (detail["decision_date"], detail["decided"], detail["decision_buffer_days"]) == (None, None, None)
    assert [r["decision_date"] for r in api.get("/api/v1/contracts/export").json()] == [None]
