"""The issue's checks, end to end through web and API: a question reaches the right key user, is escalated
with a supplier reference, answered by the supplier in its portal, resolved; clocks and workload add up; a
supplier user of another company cannot see it; the insight ranks the struggling application first."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client

from ordna.applications.models import Application
from ordna.applications.services import application_create, appointment_add
from ordna.conftest import TODAY, hr_row
from ordna.core.actor import Actor
from ordna.core.models import AuditEvent, Supplier
from ordna.core.services import token_create
from ordna.people.models import Person
from ordna.support import services, surveys
from ordna.support.models import Question, QuestionState, SkillRating, SurveyInvitation

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(load_people, make_user, actor) -> dict[str, Any]:
    """K1 is crm's primary key user, K2 its deputy; S1 runs crm, S2 another application."""
    load_people(
        [
            hr_row("K1", "Karin", "Key"),
            hr_row("K2", "Kees", "Deputy"),
            hr_row("E1", "Eva", "Asker", department="Sales"),
            hr_row("E2", "Erik", "Other", department="Sales"),
        ]
    )
    people = {p.employee_id: p for p in Person.objects.all()}
    s1 = Supplier.objects.create(name="Example IT Services AB")
    s2 = Supplier.objects.create(name="Voorbeeld Software BV")
    crm = application_create(slug="crm", name="CRM", actor=actor, supplier_id=s1.pk)
    Application.objects.filter(pk=crm.pk).update(supplier_resolution_hours=16)
    crm.refresh_from_db()
    erp = application_create(slug="erp", name="ERP", actor=actor, supplier_id=s2.pk)
    appointment_add(
        application=crm, person=people["K1"], actor=actor, starts_on=TODAY, primary=True, hours_per_month=Decimal(2)
    )
    appointment_add(
        application=crm, person=people["K2"], actor=actor, starts_on=TODAY, role="deputy", hours_per_month=Decimal(4)
    )
    users = {
        "k1": make_user("key_user", person=people["K1"]),
        "k2": make_user("key_user", person=people["K2"]),
        "e1": make_user("employee", person=people["E1"]),
        "s1": make_user("supplier", supplier=s1),
        "s2": make_user("supplier", supplier=s2),
        "admin": make_user("admin"),
    }
    return {"people": people, "users": users, "crm": crm, "erp": erp}


def web(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user: Any) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_create(user=user, actor=Actor.system('test'))}"})


def test_a_question_travels_from_employee_to_supplier_and_back(org) -> None:
    users = org["users"]
    # Given an employee asking in the web (searching the knowledge base first, then sending)
    employee = web(users["e1"])
    form = {"application": org["crm"].pk, "category": "error", "text": "The export button gives an error"}
    page = employee.post("/questions/ask/", {**form, "step": "search"}).content.decode()
    assert "Nothing in the knowledge base matches" in page
    response = employee.post("/questions/ask/", {**form, "step": "ask"})
    assert response.status_code == 302
    question = Question.objects.get()
    # Then it reached the primary key user
    assert (question.assignee.employee_id, question.assigned_via, question.state) == ("K1", "primary", "with_key_user")

    # When the key user escalates it with the supplier's ticket reference (web)
    key_user = web(users["k1"])
    assert key_user.get(f"/questions/{question.pk}/").status_code == 200
    with time_machine.travel(TODAY.isoformat() + " 11:00 +01:00", tick=False):
        key_user.post(
            f"/questions/{question.pk}/escalate/", {"escalate-ticket_ref": "INC-4711", "escalate-text": "Please fix"}
        )
    question.refresh_from_db()
    assert (question.state, question.supplier_ticket_ref, question.supplier.name) == (
        "escalated",
        "INC-4711",
        "Example IT Services AB",
    )

    # Then the supplier's portal lists it, and the other supplier sees nothing: lists, pages, API, counts
    assert "INC-4711" in web(users["s1"]).get("/questions/").content.decode()
    other = web(users["s2"])
    assert "0 questions" in other.get("/questions/").content.decode()
    assert other.get(f"/questions/{question.pk}/").status_code == 404
    assert other.get(f"/questions/{question.pk}/attachment/").status_code == 404
    assert other.post(f"/questions/{question.pk}/supplier-answer/", {"text": "x"}).status_code == 404
    assert api(users["s2"]).get("/api/v1/questions").json() == {"items": [], "count": 0, "next": None}
    assert api(users["s2"]).get(f"/api/v1/questions/{question.pk}").status_code == 404

    # When the supplier answers in its portal the next business day (API), the key user resolves (API)
    with time_machine.travel(TODAY.isoformat() + " 16:00 +01:00", tick=False):
        answered = api(users["s1"]).post(
            f"/api/v1/questions/{question.pk}/supplier-answer",
            {"text": "Fixed in release 2.3"},
            content_type="application/json",
        )
    assert answered.status_code == 200, answered.content
    assert answered.json()["asked_by"] is None  # nothing about the person for the supplier
    with time_machine.travel((TODAY + timedelta(days=1)).isoformat() + " 09:00 +01:00", tick=False):
        resolved = api(users["k1"]).post(
            f"/api/v1/questions/{question.pk}/handle",
            {"action": "resolve", "text": "Update to 2.3"},
            content_type="application/json",
        )
        body = resolved.json()
    assert body["state"] == "resolved"
    # Then the clocks add up in business hours: asked 09:00, escalated 11:00 (2 h internal, first response),
    # supplier 11:00-16:00 (5 h, target 16), back with the key user 16:00-17:00 and 08:00-09:00 next day (2 h).
    assert body["first_response_clock"] == {
        "business_hours": 2.0,
        "target_hours": 8.0,
        "running": False,
        "breached": False,
    }
    assert body["internal_clock"]["business_hours"] == 4.0
    assert body["supplier_clock"] == {"business_hours": 5.0, "target_hours": 16.0, "running": False, "breached": False}
    kinds = [e["kind"] for e in body["events"]]
    assert kinds == ["asked", "assigned", "escalated", "supplier_answered", "resolved"]
    actions = set(AuditEvent.objects.filter(target_type="support.question").values_list("action", flat=True))
    assert {"question.asked", "question.escalated", "question.supplier_answered", "question.resolved"} <= actions


def test_round_robin_when_the_primary_is_away(org, actor) -> None:
    from ordna.applications.models import KeyUserAppointment
    from ordna.applications.services import appointment_update

    primary = KeyUserAppointment.objects.get(person__employee_id="K1")
    appointment_update(appointment=primary, actor=actor, away_from=TODAY, away_until=TODAY + timedelta(days=7))
    asked = [
        services.question_ask(
            application=org["crm"], asked_by=org["people"]["E1"], category="how_to", text=f"Q{i}", actor=actor
        )
        for i in range(3)
    ]
    # K1 is away, so the deputy K2, the only one present, gets every question in turn.
    assert [(q.assignee.employee_id, q.assigned_via) for q in asked] == [("K2", "round_robin")] * 3


def test_api_asks_on_behalf_only_with_the_right_and_names_bad_fields(org) -> None:
    admin = api(org["users"]["admin"])
    made = admin.post(
        "/api/v1/questions",
        {"application": "crm", "text": "Password reset?", "asked_by": "E1"},
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["asked_by"] == "E1" and made.json()["assignee"] == "K1"
    bad = admin.post(
        "/api/v1/questions", {"application": "nope", "text": "x", "asked_by": "E1"}, content_type="application/json"
    )
    assert bad.status_code == 422
    assert bad.json() == {"detail": "No application has the short name 'nope'.", "field": "application"}
    bad = admin.post(
        "/api/v1/questions",
        {"application": "crm", "text": "x", "category": "odd", "asked_by": "E1"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["field"] == "category"
    assert bad.json()["detail"].startswith("Choose a category: 'odd' is not one of how_to,")
    employee = api(org["users"]["e1"])
    refused = employee.post(
        "/api/v1/questions", {"application": "crm", "text": "x", "asked_by": "E2"}, content_type="application/json"
    )
    assert refused.status_code == 422
    assert refused.json() == {"detail": "You may ask only for yourself.", "field": "asked_by"}
    assert Question.objects.count() == 1


def test_escalating_needs_a_ticket_reference_and_nothing_is_half_applied(org, actor) -> None:
    question = services.question_ask(
        application=org["crm"], asked_by=org["people"]["E1"], category="how_to", text="Q", actor=actor
    )
    with pytest.raises(services.SupportError, match=r"^Fill in the supplier's ticket reference\.$") as refused:
        services.question_escalate(question=question, actor=actor, ticket_ref=" ")
    assert refused.value.field == "ticket_ref"
    question.refresh_from_db()
    assert (question.state, question.first_response_at, question.supplier_id) == ("with_key_user", None, None)


def test_workload_adds_up_and_warns(org) -> None:
    k1 = org["users"]["k1"]
    question = services.question_ask(
        application=org["crm"], asked_by=org["people"]["E1"], category="how_to", text="Q", actor=Actor.system("t")
    )
    client = api(k1)
    for minutes in (90, 60):
        r = client.post(
            f"/api/v1/questions/{question.pk}/effort", {"minutes": minutes}, content_type="application/json"
        )
        assert r.status_code == 201
    bad = client.post(f"/api/v1/questions/{question.pk}/effort", {"minutes": 0}, content_type="application/json")
    assert bad.status_code == 422 and "minutes" in bad.json()["detail"]
    report = api(org["users"]["admin"]).get("/api/v1/workload", {"month": "2026-11"}).json()
    by_person = {p["person"]: p for p in report["people"]}
    # Appointed on 16 November: 15 of 30 days, so half the monthly budget.
    assert by_person["K1"]["budget_hours"] == "1.0" or by_person["K1"]["budget_hours"] == 1.0
    assert float(by_person["K1"]["logged_hours"]) == 2.5 and by_person["K1"]["over_budget"] is True
    assert float(by_person["K2"]["budget_hours"]) == 2.0 and by_person["K2"]["over_budget"] is False
    assert report["applications_without_key_user"] == ["erp"]
    page = web(org["users"]["admin"]).get("/workload/").content.decode()
    assert "over budget" in page and "ERP" in page
    # A key user sees only themselves.
    mine = client.get("/api/v1/workload").json()
    assert [p["person"] for p in mine["people"]] == ["K1"]


def test_insight_ranks_many_questions_and_low_ratings_first(org, actor) -> None:
    people = org["people"]
    for i in range(6):
        services.question_ask(
            application=org["crm"],
            asked_by=people["E1"],
            category="how_to",
            text=f"How do I print invoice {i}",
            actor=actor,
        )
    services.question_ask(
        application=org["erp"], asked_by=people["E1"], category="how_to", text="Where is X?", actor=actor
    )
    survey = surveys.survey_create(title="Skills", departments=["Sales"], opens_on=TODAY, closes_on=TODAY, actor=actor)
    invitations = list(SurveyInvitation.objects.filter(survey=survey))
    for invitation in invitations:
        invitation.applications = [org["crm"].pk, org["erp"].pk]
        invitation.save()
        surveys.survey_answer(
            invitation=invitation, ratings={org["crm"].pk: (1, True), org["erp"].pk: (5, False)}, actor=actor
        )
    assert SkillRating.objects.count() == 4
    body = api(org["users"]["admin"]).get("/api/v1/insight").json()
    assert body["suggestions"][0]["application"] == "crm"
    codes = {r["code"] for r in body["suggestions"][0]["reasons"]}
    assert {"many_questions", "low_rating", "wants_training", "repeated"} <= codes
    assert body["by_application"] == {"crm": 6, "erp": 1}
    page = web(org["users"]["admin"]).get("/insight/").content.decode()
    assert "low self-rating: 1.0 of 5" in page
    assert page.index("CRM") < page.index("ERP")


def test_survey_form_rates_the_applications_of_ones_accounts(org, actor, write_file) -> None:
    from ordna.accounts.importing import accounts_import

    export = write_file(
        "crm.csv",
        "account_id,email,display_name,employee_id,status,last_login,license\neva,,Eva,E1,active,,\n",
    )
    accounts_import(
        create_application=True, application_slug="crm", path=export, actor=actor, today=TODAY, preset="generic"
    )
    admin = api(org["users"]["admin"])
    made = admin.post(
        "/api/v1/surveys",
        {
            "title": "Skills",
            "departments": ["Sales"],
            "opens_on": str(TODAY),
            "closes_on": str(TODAY + timedelta(days=14)),
        },
        content_type="application/json",
    )
    assert made.status_code == 201
    bad = admin.post(
        "/api/v1/surveys",
        {"title": "x", "departments": ["Nowhere"], "opens_on": str(TODAY), "closes_on": str(TODAY)},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "Nowhere" in bad.json()["detail"]
    survey_id = made.json()["id"]
    employee = api(org["users"]["e1"])
    form = employee.get(f"/api/v1/surveys/{survey_id}/form").json()
    assert [row["application"] for row in form["applications"]] == ["crm"]
    bad = employee.put(
        f"/api/v1/surveys/{survey_id}/form",
        {"ratings": [{"application": "crm", "rating": 7}]},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json() == {"detail": "Rate each application from 1 to 5.", "field": "rating"}
    ok = employee.put(
        f"/api/v1/surveys/{survey_id}/form",
        {"ratings": [{"application": "crm", "rating": 2, "wants_training": True}]},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["applications"][0]["rating"] == 2
    results = admin.get(f"/api/v1/surveys/{survey_id}").json()
    assert (results["invited"], results["answered"]) == (2, 1)
    assert results["by_application"] == [{"label": "CRM", "answers": 1, "mean": 2.0, "want_training": 1}]
    assert results["by_department"][0]["label"] == "Sales"


def test_wishes_votes_and_triage(org) -> None:
    users = org["users"]
    wish = (
        api(users["e1"])
        .post("/api/v1/wishes", {"application": "crm", "title": "Dark mode"}, content_type="application/json")
        .json()
    )
    assert wish["votes"] == 1
    voter = web(users["k2"])
    voter.post(f"/wishes/{wish['id']}/vote/", {"vote": "1"})
    voter.post(f"/wishes/{wish['id']}/vote/", {"vote": "1"})  # twice counts once
    assert api(users["admin"]).get("/api/v1/wishes").json()["items"][0]["votes"] == 2
    no_reason = api(users["k1"]).post(
        f"/api/v1/wishes/{wish['id']}/triage", {"state": "planned", "reason": ""}, content_type="application/json"
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["detail"]
    # The supplier sees the wish only once it is planned (its review agenda).
    assert api(users["s1"]).get("/api/v1/wishes").json()["count"] == 0
    planned = api(users["k1"]).post(
        f"/api/v1/wishes/{wish['id']}/triage",
        {"state": "planned", "reason": "In the spring release"},
        content_type="application/json",
    )
    assert planned.json()["state"] == "planned"
    assert api(users["s1"]).get("/api/v1/wishes").json()["count"] == 1
    assert api(users["s2"]).get("/api/v1/wishes").json()["count"] == 0


def test_published_answers_are_found_by_the_ask_form(org, actor) -> None:
    question = services.question_ask(
        application=org["crm"],
        asked_by=org["people"]["E1"],
        category="how_to",
        text="How to merge contacts?",
        actor=actor,
    )
    k1 = Actor.for_user(org["users"]["k1"])
    services.question_answer(question=question, actor=k1, text="Select both, then Merge.")
    services.question_publish(question=question, actor=k1, title="Merging contacts", answer="Select both, then Merge.")
    page = web(org["users"]["e1"]).post(
        "/questions/ask/",
        {"application": org["crm"].pk, "category": "how_to", "text": "merge contacts", "step": "search"},
    )
    assert "Merging contacts" in page.content.decode()
    assert Question.objects.count() == 1  # searching does not ask
    found = api(org["users"]["e1"]).get("/api/v1/knowledge", {"q": "merge"}).json()
    assert [a["title"] for a in found["items"]] == ["Merging contacts"]
    assert question.state == QuestionState.RESOLVED


def test_catalogue_editing_and_appointments_through_web_and_api(org) -> None:
    admin = web(org["users"]["admin"])
    response = admin.post(
        "/applications/erp/appointments/add/",
        {
            "person": "K2",
            "role": "key_user",
            "primary": "on",
            "starts_on": "2026-11-16",
            "hours_per_month": "6",
            "responsibilities": ["first_line", "test"],
        },
    )
    assert response.status_code == 302
    page = admin.get("/applications/erp/").content.decode()
    assert "Kees Deputy" in page and "Test updates" in page
    bad = api(org["users"]["admin"]).post(
        "/api/v1/appointments",
        {"application": "erp", "person": "K1", "starts_on": "2026-11-16", "primary": True},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "primary" in bad.json()["detail"]
    bad = api(org["users"]["admin"]).post(
        "/api/v1/appointments",
        {"application": "erp", "person": "K1", "starts_on": "2026-11-16", "ends_on": "2026-11-01"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json() == {
        "detail": "The appointment ends (2026-11-01) before it starts (2026-11-16).",
        "field": "ends_on",
    }
    edited = admin.post(
        "/applications/erp/edit/",
        {"name": "ERP", "criticality": "high", "supplier_resolution_hours": "24", "supplier": org["erp"].supplier_id},
    )
    assert edited.status_code == 302
    assert api(org["users"]["admin"]).get("/api/v1/applications/erp").json()["supplier_resolution_hours"] == 24
    # The appointed key user now sees erp (scope through appointments).
    assert web(org["users"]["k2"]).get("/applications/erp/").status_code == 200
    assert date.today()  # the frozen clock is in place


# The insight: 21 with its department list, the effort logged per question and the latest survey per application.
@pytest.mark.parametrize(
    ("url", "budget"),
    [("/questions/", 10), ("/wishes/", 10), ("/applications/crm/", 16), ("/insight/", 21), ("/workload/", 12)],
)
def test_list_pages_stay_within_their_query_budget_with_data(org, actor, url: str, budget: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(30):
        q = services.question_ask(
            application=org["crm"], asked_by=org["people"]["E1"], category="how_to", text=f"Q {i}", actor=actor
        )
        services.effort_log(question=q, actor=actor, minutes=5, person=org["people"]["K1"])
        surveys.wish_propose(application=org["crm"], person=org["people"]["E1"], title=f"W {i}", text="", actor=actor)
    client = web(org["users"]["admin"])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert len(queries) <= budget, [q["sql"][:120] for q in queries.captured_queries]
