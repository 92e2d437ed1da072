"""A release from the supplier's notes to go-live: tested by named key users, approved by key user and owner."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ordna.conftest import TODAY, hr_row
from ordna.core.actor import Actor
from ordna.releases import selectors, services
from ordna.releases.models import ReleaseStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def crm(load_people, make_user, actor):
    from ordna.applications.models import Application
    from ordna.applications.services import application_create, appointment_add
    from ordna.people.models import Person

    load_people([hr_row("E1"), hr_row("E2"), hr_row("E3")])
    people = {p.employee_id: p for p in Person.objects.all()}
    application_create(slug="crm", name="CRM", actor=actor, owner_id=people["E1"].pk)
    app = Application.objects.get(slug="crm")
    appointment_add(application=app, person=people["E2"], actor=actor, starts_on=TODAY, primary=True)
    return {
        "app": app,
        "people": people,
        "owner": Actor.for_user(make_user("manager", person=people["E1"])),
        "key_user": Actor.for_user(make_user("key_user", person=people["E2"])),
    }


def test_a_release_goes_live_only_tested_and_approved_by_key_user_and_owner(crm, actor) -> None:
    release = services.release_create(application=crm["app"], version="2.0", supplier_notes="New UI", actor=actor)
    with pytest.raises(services.ReleaseError, match=r"^Test Person is not a key user of CRM\.$") as refused:
        services.test_add(release=release, title="x", assignee=crm["people"]["E3"], actor=actor, today=TODAY)
    assert refused.value.field == "assignee"
    test = services.test_add(release=release, title="Log in", assignee=crm["people"]["E2"], actor=actor, today=TODAY)
    with pytest.raises(services.ReleaseError, match=r"^Not approved: not run yet: Log in\.$"):
        services.release_approve(release=release, actor=crm["key_user"], today=TODAY)
    with pytest.raises(services.ReleaseError, match=r"^Only the key user the test is assigned to records") as refused:
        services.test_record(test=test, result="passed", actor=crm["owner"])
    assert refused.value.field == "assignee"
    services.test_record(test=test, result="failed", note="Error 500", actor=crm["key_user"])
    services.test_record(test=test, result="passed", actor=crm["key_user"])
    services.release_approve(release=release, actor=crm["key_user"], today=TODAY)
    with pytest.raises(
        services.ReleaseError, match=r"^A release goes live once a key user and the owner have approved"
    ):
        services.release_go_live(release=release, actor=actor, on=TODAY)
    services.release_approve(release=release, actor=crm["owner"], today=TODAY)
    assert release.status == ReleaseStatus.APPROVED
    services.release_go_live(release=release, actor=actor, on=TODAY)
    services.release_announce(release=release, actor=actor, text="CRM 2.0 is live")
    release.refresh_from_db()
    assert (release.status, release.went_live_on, release.announcement) == ("live", TODAY, "CRM 2.0 is live")


def test_question_count_two_weeks_after_against_two_weeks_before(crm, actor) -> None:
    from ordna.support.services import question_ask

    release = services.release_create(application=crm["app"], version="3.0", actor=actor)
    release.status, release.went_live_on = ReleaseStatus.LIVE, TODAY - timedelta(days=20)
    release.key_user_approved_at = release.owner_approved_at = datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC"))
    release.save()
    asker = crm["people"]["E3"]
    for days_before_today in (30, 25, 19, 18, 17, 10, 5):  # live on day 20 before: 2 before, 4 after, 1 later
        with time_machine.travel(datetime.combine(TODAY - timedelta(days=days_before_today), datetime.min.time(),
                                 tzinfo=ZoneInfo("Europe/Stockholm")) + timedelta(hours=10), tick=False):  # fmt: skip
            question_ask(application=crm["app"], asked_by=asker, category="how_to", text="?", actor=actor)
    impact = selectors.question_impact(release, today=TODAY)
    assert impact is not None and (impact.before, impact.after, impact.complete) == (2, 4, True)
