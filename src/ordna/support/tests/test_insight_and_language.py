"""Issue 23, points 10 and 16: the insight links to the questions and survey answers behind its advice, explains
its score, is cut by department, advises no capacity on a handful of questions and gives the median effort
logged; numbers read in the reader's language ("0,0 h", "100,0 %"), plurals agree, the employee's menu names
questions, wishes and surveys, and the audit log shows before -> after per field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import translation

from ordna.conftest import TODAY
from ordna.core import formats
from ordna.core.models import AuditEvent
from ordna.core.templatetags.ordna import audit_changes
from ordna.support import services
from ordna.support.insight import Signals, rank
from ordna.support.templatetags.support import reason_text
from ordna.support.tests.test_journeys import api, org, web  # noqa: F401  (org is the fixture)

pytestmark = pytest.mark.django_db


def in_language(user, language: str) -> Client:  # type: ignore[no-untyped-def]
    client = web(user)
    client.post("/language/", {"language": language, "next": "/"})
    return client


def test_one_or_two_questions_advise_no_capacity_and_the_score_says_how_it_adds_up() -> None:
    few = rank([Signals(application_id=1, questions=2), Signals(application_id=2, questions=1)])
    assert few == []  # one or two questions are no signal at all
    many = rank([Signals(application_id=1, questions=12, mean_rating=2.0, ratings=4)])
    assert [(s.kind, s.score, s.parts) for s in many] == [("training", 52, (("load", 30), ("gap", 22)))]


def test_the_insight_is_cut_by_department_and_links_to_its_questions(org, actor) -> None:  # noqa: F811
    people, crm = org["people"], org["crm"]
    for n in range(6):
        question = services.question_ask(
            application=crm, asked_by=people["E1"], category="how_to", text=f"How do I do thing {n}?", actor=actor
        )
        services.effort_log(question=question, actor=actor, minutes=30 + n * 12, person=people["K1"])
    services.question_ask(application=crm, asked_by=people["K1"], category="how_to", text="Mine", actor=actor)
    admin = web(org["users"]["admin"])
    page = admin.get("/insight/").content.decode()
    assert 'href="/questions/?application=crm"' in page
    assert "The score (0 to 100) adds up" in page
    assert "30: questions, against the application with the most" in page
    assert "1.0 h</span> median effort logged per question" in page  # the median of 30, 42, ... 90 minutes
    sales = admin.get("/insight/?department=Sales").content.decode()
    assert "6 questions from Sales since" in sales
    it = api(org["users"]["admin"]).get("/api/v1/insight?department=IT").json()
    assert (it["questions"], it["department"], it["median_effort_hours"]) == (1, "IT", None)
    bad = api(org["users"]["admin"]).get("/api/v1/insight?department=Nowhere")
    assert bad.status_code == 422
    assert bad.json() == {"detail": "Nobody works in the department 'Nowhere'.", "field": "department"}
    swedish = in_language(org["users"]["admin"], "sv").get("/insight/").content.decode()
    assert "1,0 h</span>" in swedish and "1.0 h" not in swedish


def test_numbers_hours_and_percent_follow_the_language() -> None:
    with translation.override("sv"):
        assert (formats.hours(0), formats.percent(100, 1), formats.number(2.0, 1)) == ("0,0 h", "100,0 %", "2,0")
    with translation.override("nl"):
        assert (formats.hours(1.5), formats.percent(12.5, 1)) == ("1,5 u", "12,5 %")
    with translation.override("en"):
        assert (formats.hours(0), formats.percent(100, 1)) == ("0.0 h", "100.0 %")


def test_plurals_agree_in_swedish() -> None:
    from ordna.support.insight import Reason

    with translation.override("sv"):
        assert reason_text(Reason("repeated", {"repeated": 1})) == "1 fråga upprepar en tidigare"
        assert reason_text(Reason("low_rating", {"mean": 2.0, "ratings": 3})) == (
            "låg självskattning: 2,0 av 5 över 3 svar"
        )
        assert reason_text(Reason("wants_training", {"percent": 100})) == "100 % av de tillfrågade vill ha utbildning"


def test_the_employees_menu_names_questions_wishes_and_surveys(org) -> None:  # noqa: F811
    page = web(org["users"]["e1"]).get("/").content.decode()
    assert ">Questions, wishes and surveys<" in page and ">Key users<" not in page
    assert ">Key users<" in web(org["users"]["k1"]).get("/").content.decode()
    swedish = in_language(org["users"]["e1"], "sv").get("/").content.decode()
    assert ">Frågor, önskemål och enkäter<" in swedish


def test_the_audit_log_shows_before_and_after_per_field(org, actor) -> None:  # noqa: F811
    services.question_ask(
        application=org["crm"], asked_by=org["people"]["E1"], category="how_to", text="Q", actor=actor
    )
    event = AuditEvent.objects.get(action="question.asked")
    rows = {name: after for name, _before, after in audit_changes(event)}
    assert rows["application"] == "crm" and rows["state"] == "with_key_user"
    page = web(org["users"]["admin"]).get("/audit/").content.decode()
    assert '<code>application</code>: <span class="after">crm</span>' in page
    assert "{&#x27;" not in page  # no Python dictionary on the page
    assert TODAY + timedelta(days=0) == TODAY


def test_one_contracts_status_agrees_with_it_in_swedish_and_dutch() -> None:
    from django.template.loader import render_to_string

    with translation.override("sv"):
        assert render_to_string("suppliers/partials/contract_status.html", {"status": "active"}).strip() == "aktivt"
    with translation.override("nl"):
        assert render_to_string("suppliers/partials/contract_status.html", {"status": "active"}).strip() == "actief"
