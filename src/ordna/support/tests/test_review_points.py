"""Issue 23, points 5 to 8: a survey's audience is chosen from the departments, the escalation note reaches the
supplier, a key user records a colleague's question as theirs, publishing starts from the answer and a refused
attempt records nothing, and the identical question finds the published answer."""

from __future__ import annotations

import pytest

from ordna.core.models import AuditEvent
from ordna.people.models import Person
from ordna.support import selectors, services
from ordna.support.models import Article, EventKind, Question
from ordna.support.tests.test_journeys import api, org, web  # noqa: F401  (org is the fixture)

pytestmark = pytest.mark.django_db


def test_the_survey_form_offers_each_department_once(org) -> None:  # noqa: F811
    for n in range(30):  # thirty more people in Sales, copies of Eva
        person = Person.objects.get(employee_id="E1")
        person.pk, person.employee_id, person.email = None, f"S{n}", f"s{n}@example.org"
        person.save()
    page = web(org["users"]["admin"]).get("/surveys/add/").content.decode()
    assert page.count('value="Sales"') == 1
    assert page.count('value="IT"') == 1
    assert page.count('name="departments"') == 2


def test_the_escalation_note_is_kept_in_the_history_and_shown_to_the_supplier(org, actor) -> None:  # noqa: F811
    question = services.question_ask(
        application=org["crm"], asked_by=org["people"]["E1"], category="error", text="Export fails", actor=actor
    )
    key_user = web(org["users"]["k1"])
    key_user.post(
        f"/questions/{question.pk}/escalate/",
        {"escalate-ticket_ref": "T-77", "escalate-text": "Fails only for invoices over 1000 rows"},
    )
    event = question.events.get(kind=EventKind.ESCALATED)
    assert (event.text, event.for_supplier) == ("Fails only for invoices over 1000 rows", True)
    supplier_page = web(org["users"]["s1"]).get(f"/questions/{question.pk}/").content.decode()
    assert "Fails only for invoices over 1000 rows" in supplier_page
    detail = api(org["users"]["s1"]).get(f"/api/v1/questions/{question.pk}").json()
    assert "Fails only for invoices over 1000 rows" in [e["text"] for e in detail["events"]]


def test_a_key_user_records_a_colleagues_question_by_name(org) -> None:  # noqa: F811
    key_user = web(org["users"]["k1"])
    form = {"application": org["crm"].pk, "category": "how_to", "text": "How do I merge two customers?"}
    # A name that fits two people lists them; nothing is registered.
    page = key_user.post("/questions/ask/", {**form, "asked_by": "Er", "step": "ask"}).content.decode()
    assert "Er fits several people (" in page and "give more of the name or the employee id" in page
    page = key_user.post("/questions/ask/", {**form, "asked_by": "Nobody Here", "step": "ask"}).content.decode()
    assert "No person is called Nobody Here." in page
    assert Question.objects.count() == 0
    key_user.post("/questions/ask/", {**form, "asked_by": "Eva Asker", "step": "ask"})
    question = Question.objects.get()
    assert question.asked_by == org["people"]["E1"]
    assert question.entered_by == org["users"]["k1"].username
    # The API too: a key user may name the colleague by employee id.
    made = api(org["users"]["k1"]).post(
        "/api/v1/questions", {"application": "crm", "text": "Why is it slow?", "asked_by": "E2"},
        content_type="application/json",
    )  # fmt: skip
    assert made.status_code == 201 and made.json()["asked_by"] == "E2"
    Question.objects.filter(asked_by__employee_id="E2").delete()
    # The analysis per department counts the asker's department, not the key user's.
    insight = selectors.insight(applications=org["crm"].__class__.objects.all(), since=question.asked_at.date())
    assert insight.by_department == [{"asked_by__department": "Sales", "n": 1}]


def test_publishing_a_refused_attempt_records_nothing_and_the_same_question_finds_it(org, actor) -> None:  # noqa: F811
    question = services.question_ask(
        application=org["crm"],
        asked_by=org["people"]["E1"],
        category="how_to",
        text="How do I export the customer list to Excel?",
        actor=actor,
    )
    services.question_answer(question=question, actor=actor, text="Use Reports, then Download.")
    key_user = web(org["users"]["k1"])
    page = key_user.get(f"/questions/{question.pk}/").content.decode()
    assert "Use Reports, then Download.</textarea>" in page  # the form starts from the answer given
    refused = key_user.post(
        f"/questions/{question.pk}/publish/", {"publish-title": " ", "publish-answer": "Use Reports, then Download."}
    )
    assert refused.status_code == 422
    assert not Article.objects.exists()
    assert not question.events.filter(kind=EventKind.PUBLISHED).exists()
    assert not AuditEvent.objects.filter(action__startswith="article.").exists()
    key_user.post(
        f"/questions/{question.pk}/publish/",
        {"publish-title": "Exporting customers", "publish-answer": "Use Reports, then Download."},
    )
    assert Article.objects.count() == 1
    # Asking the identical question again finds the answer, though the title and answer hold none of its words.
    found = selectors.articles_search(Article.objects.all(), q="How do I export the customer list to Excel?")
    assert [a.title for a in found] == ["Exporting customers"]
    employee = web(org["users"]["e1"])
    ask = {"application": org["crm"].pk, "category": "how_to", "text": "How do I export the customer list to Excel?"}
    page = employee.post("/questions/ask/", {**ask, "step": "search"}).content.decode()
    assert "Exporting customers" in page
    assert Person.objects.filter(employee_id="E1").exists()
