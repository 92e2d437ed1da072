"""The support sources in the engine: questions past their deadlines and unanswered survey invitations."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ordna.conftest import TODAY, hr_row
from ordna.notifications.selectors import reminders_plan
from ordna.notifications.sources import registered_calendar_sources, registered_sources

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def steps_by_user(plan) -> dict[str, list[tuple[str, str]]]:
    """Steps by the user's name, or by the address for people of the HR file without a user."""
    recipients = plan.directory.recipients
    return {
        recipients[key].username or key: sorted((e.item.kind, e.step) for e in digest.entries)
        for key, digest in plan.digests.items()
    }


def test_every_app_source_is_registered() -> None:
    assert list(registered_sources()) == [
        "feeds.problems",
        "feeds.stale",
        "lifecycle.lines",
        "suppliers.actions",
        "suppliers.contracts",
        "suppliers.processors",
        "support.questions",
        "support.surveys",
    ]


def test_every_app_calendar_source_is_registered() -> None:
    assert list(registered_calendar_sources()) == ["lifecycle.last_days"]


def test_an_overdue_question_nags_the_key_user_then_the_owner_and_an_escalated_one_the_supplier(
    load_people, make_user, actor
) -> None:
    from ordna.applications.services import application_create, appointment_add
    from ordna.core.models import Supplier
    from ordna.people.models import Person
    from ordna.support import services as support
    from ordna.support.models import Question

    load_people([hr_row("K1", "Kim", "Keyuser"), hr_row("O1", "Olga", "Owner"), hr_row("A1", "Ari", "Asker")])
    people = {p.employee_id: p for p in Person.objects.all()}
    supplier = Supplier.objects.create(name="Example IT AB")
    crm = application_create(slug="crm", name="CRM", actor=actor, owner_id=people["O1"].pk, supplier_id=supplier.pk)
    appointment_add(application=crm, person=people["K1"], actor=actor, starts_on=TODAY, primary=True, hours_per_month=8)
    key_user = make_user("key_user", person=people["K1"])
    owner = make_user("manager", person=people["O1"])
    staff = make_user("supplier", supplier=supplier)
    waiting = support.question_ask(
        application=crm, asked_by=people["A1"], category="how_to", text="Export?", actor=actor
    )
    escalated = support.question_ask(
        application=crm, asked_by=people["A1"], category="error", text="Crash", actor=actor
    )
    support.question_escalate(question=escalated, actor=actor, ticket_ref="INC-9")
    # The supplier's deadline comes from a contract's service level; CRM has none here, so set it as one would.
    Question.objects.filter(pk=escalated.pk).update(supplier_due_at=datetime(2026, 11, 20, 17, 0, tzinfo=STOCKHOLM))

    # Days later, both are past their deadlines.
    later = date(2026, 11, 26)
    with time_machine.travel(datetime(2026, 11, 26, 9, 0, tzinfo=STOCKHOLM), tick=False):
        plan = reminders_plan(today=later)
    found = steps_by_user(plan)
    assert found[key_user.username] == [("question.internal", "overdue")]
    assert found[owner.username] == [("question.internal", "manager"), ("question.supplier", "manager")]
    assert found[staff.username] == [("question.supplier", "overdue")]
    assert plan.by_source["support.questions"] == 2
    keys = {e.item.key for d in plan.digests.values() for e in d.entries}
    assert keys == {f"question:{waiting.pk}", f"question:{escalated.pk}"}


def test_an_unanswered_survey_is_reminded_until_it_closes_never_after(load_people, make_user, actor) -> None:
    from ordna.people.models import Person
    from ordna.support import surveys as support

    load_people([hr_row("E1", "Eva", "Employee", department="Sales")])
    employee = make_user("employee", person=Person.objects.get(employee_id="E1"))
    survey = support.survey_create(
        title="Skills 2026", departments=["Sales"], opens_on=TODAY, closes_on=TODAY + timedelta(days=2), actor=actor
    )
    assert survey.invitations.count() == 1
    assert steps_by_user(reminders_plan(today=TODAY)) == {employee.username: [("survey", "before")]}
    assert steps_by_user(reminders_plan(today=TODAY + timedelta(days=2))) == {employee.username: [("survey", "due")]}
    assert steps_by_user(reminders_plan(today=TODAY + timedelta(days=3))) == {}


def test_the_calendar_holds_what_the_calendar_sources_give_the_user(make_user, monkeypatch) -> None:
    from ordna.notifications import sources
    from ordna.notifications.calendar import CalendarEntry
    from ordna.notifications.selectors import calendar_entries

    user = make_user("hr")
    review = CalendarEntry("review:1", TODAY + timedelta(days=9), "Quarterly review", "http://127.0.0.1:8000/r/1/")
    registered_calendar_sources()  # the apps' own sources first, so that the stand-ins below replace them
    monkeypatch.setattr(sources, "_CALENDAR_SOURCES", {})
    sources.calendar_source("test.reviews")(lambda who, today: [review] if who == user and today == TODAY else [])
    assert calendar_entries(user, today=TODAY) == [review]
