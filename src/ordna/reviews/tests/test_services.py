"""Service levels measured from questions and offboarding lines, the generated agenda and its documents, review
actions and their reminders, and the portal: each supplier sees only its own."""

from __future__ import annotations

import subprocess
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from ordna.conftest import TODAY, hr_row, require_server
from ordna.core.actor import Actor
from ordna.core.models import Supplier
from ordna.core.services import token_create
from ordna.reviews import selectors, services
from ordna.reviews.models import ActionItem
from ordna.suppliers import services as contracts

pytestmark = pytest.mark.django_db


def test_service_levels_list_breaches_of_questions_and_lines(load_people, make_user, make_contract, actor) -> None:
    import time_machine

    from ordna.applications.models import Application
    from ordna.applications.services import application_create
    from ordna.people.models import Person
    from ordna.support import services as support

    load_people([hr_row("E1")])
    supplier = Supplier.objects.create(name="Example IT Services AB")
    application_create(slug="crm", name="CRM", actor=actor, supplier_id=supplier.pk)
    crm = Application.objects.get(slug="crm")
    contract = make_contract(applications=("crm",))
    portal = Actor.for_user(make_user("supplier", supplier=supplier))
    contracts.service_level_set(contract=contract, metric="resolution", priority="", target=8, target_percent=90,
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
    # The contract's page and its API, in the suppliers app, show these figures: this app gives them the measure.
    admin = make_user("admin")
    api = Client(headers={"Authorization": f"Bearer {token_create(user=admin, actor=actor)}"})
    (measured,) = api.get(f"/api/v1/contracts/{contract.pk}/service-levels?since=2026-11-01").json()
    assert (measured["measured"], measured["met"], measured["percent_met"]) == (2, 1, 50.0)
    assert [(b["subject"], b["measured"]) for b in measured["breaches"]] == [(f"Q{slow.pk} SLOW", 27.0)]
    page = Client()
    page.force_login(admin)
    (shown,) = page.get(f"/contracts/{contract.pk}/").context["reports"]  # since the quarter before: 2026-07-01
    assert (shown.measured, shown.met) == (2, 1)


def test_review_agenda_from_data_carries_open_actions_and_exports(make_contract, actor, tmp_path) -> None:
    supplier = Supplier.objects.create(name="Example IT Services AB")
    make_contract(start_date=date(2026, 4, 1))
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
    from ordna.reviews.documents import review_ics, review_pdf

    second.title = "Q4 \N{EN DASH} årsgenomgång för Öst"
    pdf = review_pdf(second, list(second.action_items.all()))
    assert pdf.startswith(b"%PDF")
    pdftotext = require_server("pdftotext (poppler-utils)", "pdftotext", "apt-get install poppler-utils")
    (tmp_path / "agenda.pdf").write_bytes(pdf)
    text = subprocess.run([pdftotext, str(tmp_path / "agenda.pdf"), "-"], capture_output=True, text=True).stdout
    assert second.title in text and "Example IT Services AB" in text and "?" not in text
    second.title = "Q4"
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
def two_suppliers(make_user, make_contract, actor):
    s1 = Supplier.objects.create(name="Example IT Services AB")
    s2 = Supplier.objects.create(name="Voorbeeld Software BV")
    c1 = make_contract(supplier=s1.name, title="Office IT")
    c2 = make_contract(supplier=s2.name, title="ERP hosting")
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


def test_portal_isolation_in_pages_lists_search_and_counts(two_suppliers) -> None:
    u1, _u2 = two_suppliers["users"]
    s1, s2 = two_suppliers["suppliers"]
    _r1, r2 = two_suppliers["reviews"]
    a1, a2 = two_suppliers["actions"]
    client = Client()
    client.force_login(u1)
    for url in (
        f"/suppliers/{s2.pk}/",
        f"/reviews/{r2.pk}/",
        f"/reviews/{r2.pk}/agenda.pdf",
        f"/reviews/{r2.pk}/invitation.ics",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/actions/{a2.pk}/close/").status_code == 404
    reviews = client.get("/reviews/").content.decode()
    assert "Office review" in reviews and "ERP review" not in reviews and "ERP action" not in reviews
    assert client.get("/reviews/?q=ERP").context["page"].paginator.count == 0
    portal = client.get(f"/suppliers/{s1.pk}/")
    assert "Office action" in portal.content.decode() and "ERP" not in portal.content.decode()  # contracts too
    assert (portal.context["counts"]["contracts"], portal.context["counts"]["actions_open"]) == (1, 1)
    assert client.post(f"/actions/{a1.pk}/close/", {"note": "sent"}).status_code == 302
    assert ActionItem.objects.get(pk=a1.pk).closed_by == u1.username


def test_portal_isolation_in_the_api(two_suppliers) -> None:
    u1, _u2 = two_suppliers["users"]
    _r1, r2 = two_suppliers["reviews"]
    _a1, a2 = two_suppliers["actions"]
    token = token_create(user=u1, actor=Actor.system("test"))
    api = Client(headers={"Authorization": f"Bearer {token}"})
    assert [r["title"] for r in api.get("/api/v1/reviews").json()["items"]] == ["Office review"]
    assert api.get("/api/v1/reviews?q=ERP").json()["count"] == 0
    assert api.get(f"/api/v1/reviews/{r2.pk}").status_code == 404
    assert [a["title"] for a in api.get("/api/v1/actions").json()["items"]] == ["Office action"]
    response = api.post(f"/api/v1/actions/{a2.pk}/close", data="{}", content_type="application/json")
    assert response.status_code == 404


def test_supplier_users_cannot_close_our_actions(two_suppliers, load_people, actor) -> None:
    from ordna.people.models import Person

    load_people([hr_row("E1")])
    u1, _u2 = two_suppliers["users"]
    ours = services.action_add(review=two_suppliers["reviews"][0], title="Ours", owner_side="ours",
                               owner_person=Person.objects.get(), due=TODAY, actor=actor)  # fmt: skip
    client = Client()
    client.force_login(u1)
    assert client.post(f"/actions/{ours.pk}/close/").status_code == 404
    with pytest.raises(services.ReviewError, match=r"^Only the supplier's own actions can be closed") as refused:
        services.action_close(action=ours, actor=Actor.for_user(u1))
    assert refused.value.field == "owner"


def test_the_reviews_and_a_suppliers_page_issue_the_same_queries_for_3_or_30_reviews(
    make_user, make_contract, actor
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(make_user("admin"))

    def counts() -> tuple[int, ...]:
        result = []
        first = Supplier.objects.get(name="Supplier 0")
        for url in ("/reviews/", f"/suppliers/{first.pk}/"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return tuple(result)

    def add(start: int, stop: int) -> None:
        for n in range(start, stop):
            contract = make_contract(supplier=f"Supplier {n % 4}", title=f"Contract {n}", start_date=date(2026, 4, 1))
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
    from ordna.support import surveys as support
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


def test_the_audit_chain_names_reviews_and_actions_as_before_they_moved_here(actor) -> None:
    from ordna.core.models import AuditEvent

    supplier = Supplier.objects.create(name="Example IT Services AB")
    review = services.review_plan(
        supplier=supplier, title="Q4", starts_at=datetime(2026, 12, 1, 10, tzinfo=ZoneInfo("Europe/Stockholm")),
        actor=actor, today=TODAY,
    )  # fmt: skip
    action = services.action_add(review=review, title="Share the roadmap", owner_side="theirs", due=TODAY, actor=actor)
    services.action_close(action=action, actor=actor)
    assert list(AuditEvent.objects.values_list("action", "target_type", "target_id")) == [
        ("review.planned", "suppliers.review", str(review.pk)),
        ("action.added", "suppliers.actionitem", str(action.pk)),
        ("action.closed", "suppliers.actionitem", str(action.pk)),
    ]


def test_a_review_is_held_only_once_it_has_started_and_the_list_names_who_owes_an_action(make_user, actor) -> None:
    """Issue 23: a review dated next year cannot be marked held; /reviews/ says which supplier owes each action."""
    import time_machine

    from ordna.reviews.services import ReviewError

    supplier = Supplier.objects.create(name="Example Owing AB")
    stockholm = ZoneInfo("Europe/Stockholm")
    with time_machine.travel(datetime(2026, 11, 16, 9, tzinfo=stockholm)):
        future = services.review_plan(
            supplier=supplier,
            title="Q1",
            starts_at=datetime(2027, 2, 1, 10, tzinfo=stockholm),
            actor=actor,
            today=TODAY,
        )
        with pytest.raises(ReviewError, match="has not been held yet") as refused:
            services.review_update(review=future, status="held", actor=actor)
        assert refused.value.field == "status"
        future.refresh_from_db()
        assert future.status == "planned"
        past = services.review_plan(
            supplier=supplier,
            title="Q4",
            starts_at=datetime(2026, 11, 2, 10, tzinfo=stockholm),
            actor=actor,
            today=TODAY,
        )
        assert services.review_update(review=past, status="held", actor=actor).status == "held"
        services.action_add(review=past, title="Send the SLA report", owner_side="theirs", due=TODAY, actor=actor)

        web = Client()
        web.force_login(make_user("coordinator"))
        page = web.get("/reviews/").content.decode()
    assert '<span data-owes="supplier">Example Owing AB</span>' in page


def test_one_rule_decides_a_questions_service_level_on_its_page_the_contract_and_the_agenda(
    load_people, make_user, make_contract, actor
) -> None:
    """Issue 23: a contract that lists no applications covers all the supplier's; the question's page said "no
    service level, met" while the contract counted it against 16 hours. Now the page, the contract's measured
    levels and the agenda name the same level, with its unit."""
    import time_machine

    from ordna.applications.models import Application
    from ordna.applications.services import application_create
    from ordna.people.models import Person
    from ordna.support import services as support

    load_people([hr_row("E1")])
    supplier = Supplier.objects.create(name="Example IT Services AB")
    application_create(slug="crm", name="CRM", actor=actor, supplier_id=supplier.pk)
    contract = make_contract()  # no applications listed: it covers all of the supplier's
    contracts.service_level_set(
        contract=contract, metric="resolution", priority="", target=16, target_percent=90, actor=actor
    )
    stockholm = ZoneInfo("Europe/Stockholm")
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=stockholm), tick=False):
        question = support.question_ask(
            application=Application.objects.get(slug="crm"),
            asked_by=Person.objects.get(),
            category="how_to",
            text="slow",
            actor=actor,
        )
        support.question_escalate(question=question, actor=actor, ticket_ref="T-1")
    with time_machine.travel(datetime(2026, 11, 3, 9, 0, tzinfo=stockholm), tick=False):
        portal = Actor.for_user(make_user("supplier", supplier=supplier))
        support.question_supplier_answer(question=question, actor=portal, text="Done")
    question.refresh_from_db()
    assert question.supplier_target_hours == 16  # the clock runs against the contract's level

    (report,) = selectors.service_level_report(contract, since=date(2026, 11, 1), until=TODAY)
    assert (report.level.target_text, report.measured, report.met) == ("16 business hours", 1, 1)
    web = Client()
    web.force_login(make_user("admin"))
    page = web.get(f"/questions/{question.pk}/").content.decode()
    assert "Service level: Office IT, Resolution of an escalated question within 16 business hours." in page
    assert "no service level" not in page

    # The agenda: the level with its unit, and every open line past its due date (also one due long ago).
    agenda = selectors.review_agenda(supplier=supplier, today=TODAY)
    assert (
        "- Office IT: Resolution of an escalated question 1 of 1 within 16 business hours (100.0%, promised 90%)"
        in agenda
    )
