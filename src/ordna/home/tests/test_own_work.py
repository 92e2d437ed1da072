"""Issue 23, point 9 and every role's start page: the user's own work first, soonest due first, each count linking
to the list filtered to it; the key user's questions with their clocks, tests to run, appointments ending and
absences without a deputy; the coordinator's counts explained."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from ordna.applications.services import appointment_add, appointment_update
from ordna.conftest import TODAY
from ordna.home.work import role_work
from ordna.releases import services as releases
from ordna.support import services, surveys
from ordna.support.tests.test_journeys import org  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def web(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_the_key_users_start_page_lists_their_work_soonest_due_first(org, actor) -> None:  # noqa: F811
    people, crm = org["people"], org["crm"]
    question = services.question_ask(
        application=crm, asked_by=people["E1"], category="how_to", text="How do I merge customers?", actor=actor
    )
    release = releases.release_create(application=crm, version="5.1", actor=actor, planned_go_live=TODAY + timedelta(9))
    releases.test_add(release=release, title="Invoices print", assignee=people["K1"], actor=actor, today=TODAY)
    # The deputy's appointment ends in a week; the deputy is away next week while the primary is away too.
    deputy = crm.appointments.get(person=people["K2"])
    appointment_update(appointment=deputy, actor=actor, ends_on=TODAY + timedelta(days=20))
    primary = crm.appointments.get(person=people["K1"])
    appointment_update(
        appointment=primary, actor=actor, away_from=TODAY + timedelta(days=3), away_until=TODAY + timedelta(days=8)
    )
    appointment_update(
        appointment=deputy, actor=actor, away_from=TODAY + timedelta(days=2), away_until=TODAY + timedelta(days=5)
    )
    kinds = role_work(org["users"]["k1"], today=TODAY)
    assert [(k.key, k.total) for k in kinds] == [
        ("questions", 1),
        ("absences", 2),
        ("tests", 1),
        ("appointments_ending", 1),
    ]
    page = web(org["users"]["k1"]).get("/").content.decode()
    assert page.index("Your work") < page.index("Questions waiting for you") < page.index("Release tests to run")
    assert 'href="/questions/?mine=assigned&amp;state=open"' in page
    assert 'href="/releases/?tests=mine"' in page
    assert f'href="/questions/{question.pk}/"' in page
    assert "first response clock 0.0 of 8 business hours" in page
    mine = web(org["users"]["k1"]).get("/releases/?tests=mine").content.decode()
    assert "5.1" in mine


def test_the_employees_start_page_lists_surveys_to_answer_and_questions_asked_back(org, actor, write_file) -> None:  # noqa: F811
    people, crm = org["people"], org["crm"]
    question = services.question_ask(
        application=crm, asked_by=people["E1"], category="how_to", text="Where is the export?", actor=actor
    )
    services.question_ask_back(question=question, actor=actor, text="Which export do you mean?")
    from ordna.accounts.importing import accounts_import

    export = write_file(
        "crm.csv", "account_id,email,display_name,employee_id,status,last_login,license\neva,,Eva,E1,active,,\n"
    )
    accounts_import(application_slug="crm", path=export, actor=actor, today=TODAY, preset="generic")
    surveys.survey_create(
        title="Skills 2026", departments=["Sales"], opens_on=TODAY, closes_on=TODAY + timedelta(14), actor=actor
    )
    kinds = role_work(org["users"]["e1"], today=TODAY)
    assert [(k.key, k.total) for k in kinds] == [("asked_back", 1), ("surveys", 1)]
    page = web(org["users"]["e1"]).get("/").content.decode()
    assert "Your questions waiting on you" in page and "Surveys to answer" in page


def test_the_coordinators_start_page_explains_its_counts_and_puts_the_figures_first(org, actor) -> None:  # noqa: F811
    services.question_ask(
        application=org["erp"], asked_by=org["people"]["E1"], category="how_to", text="Nobody here?", actor=actor
    )
    from ordna.core.models import Role

    admin = org["users"]["admin"]
    assert admin.has_role(Role.ADMIN)
    page = web(admin).get("/").content.decode()
    assert "leaving within 14 days" in page
    assert "Leaving: the last day is within 14 days; the list of leavers below looks 30 days ahead." in page
    assert page.index("Your work") < page.index("Leavers: what remains") < page.index("People by status")
    assert 'href="/questions/?state=new"' in page
    assert [k.key for k in role_work(admin, today=TODAY)] == ["unrouted"]
    assert appointment_add  # the import is the fixture's way of appointing; kept for readers of this module


def test_the_api_gives_the_same_work(org, actor) -> None:  # noqa: F811
    from ordna.support.tests.test_journeys import api

    services.question_ask(
        application=org["crm"], asked_by=org["people"]["E1"], category="how_to", text="Merge customers?", actor=actor
    )
    answer = api(org["users"]["k1"]).get("/api/v1/work").json()
    assert [(k["key"], k["total"], k["url"]) for k in answer] == [
        ("questions", 1, "/questions/?mine=assigned&state=open")
    ]
    assert answer[0]["items"][0]["text"] == "CRM: Merge customers?"
    assert api(org["users"]["s1"]).get("/api/v1/work").json() == []
