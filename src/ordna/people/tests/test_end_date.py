"""HR sets a last day by hand (issue 16): in the web and the API, with a reason, audited; the leaver case
follows at once; the next HR file that disagrees shows it in its preview, and applying it is what changes it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client

from ordna.conftest import TODAY, hr_csv, hr_row
from ordna.core.actor import Actor
from ordna.core.models import AuditEvent
from ordna.core.services import token_create
from ordna.people.models import Person
from ordna.people.services import PersonError, people_import, person_end_date_set

pytestmark = pytest.mark.django_db
ROWS = [hr_row("M1"), hr_row("L1", "Åsa", "Öberg", manager_employee_id="M1")]


@pytest.fixture
def hr(load_people, make_user) -> Actor:
    load_people(ROWS)
    return Actor.for_user(make_user("hr"))


def test_hr_sets_a_last_day_with_a_reason_and_the_case_opens_at_once(hr) -> None:
    from ordna.lifecycle.models import Case

    person = Person.objects.get(employee_id="L1")
    last_day = TODAY + timedelta(days=10)
    with pytest.raises(PersonError, match=r"^Reason: say why the last day is set here"):
        person_end_date_set(person=person, end_date=last_day, reason=" ", actor=hr, today=TODAY)
    with pytest.raises(PersonError, match=r"^Last day: 2019-12-31 is before the first day \(2020-01-01\)\.$"):
        person_end_date_set(
            person=person, end_date=TODAY.replace(year=2019, month=12, day=31), reason="x", actor=hr, today=TODAY
        )
    assert Person.objects.get(pk=person.pk).end_date is None and not Case.objects.exists()

    person_end_date_set(
        person=person, end_date=last_day, reason="Resigned; HR system updated Friday", actor=hr, today=TODAY
    )

    person.refresh_from_db()
    assert (person.end_date, person.end_date_set_by, person.end_date_reason) == (
        last_day,
        hr.label,
        "Resigned; HR system updated Friday",
    )
    case = Case.objects.get()
    assert (case.person_id, case.effective_date, case.status) == (person.pk, last_day, "open")
    event = AuditEvent.objects.get(action="person.end_date_set")
    assert (event.before, event.after) == (
        {"end_date": None},
        {"end_date": last_day.isoformat(), "reason": "Resigned; HR system updated Friday"},
    )
    # Removing it again (an extension) cancels the case.
    person_end_date_set(person=person, end_date=None, reason="Contract extended", actor=hr, today=TODAY)
    assert Case.objects.get().status == "cancelled"


def test_the_next_hr_file_that_disagrees_shows_the_hand_set_day_as_a_change(hr, write_file, actor) -> None:
    person = Person.objects.get(employee_id="L1")
    person_end_date_set(person=person, end_date=TODAY + timedelta(days=10), reason="Resigned", actor=hr, today=TODAY)
    rows = [dict(r) for r in ROWS]
    rows[1]["end_date"] = (TODAY + timedelta(days=20)).isoformat()
    path = write_file("hr-late.csv", hr_csv(rows))

    preview = people_import(path=path, actor=actor, today=TODAY, dry_run=True)
    [change] = preview.plan.over_hand_set
    assert (change.employee_id, change.hand_set, change.set_by, change.reason, change.file_says) == (
        "L1",
        TODAY + timedelta(days=10),
        hr.label,
        "Resigned",
        TODAY + timedelta(days=20),
    )
    person.refresh_from_db()
    assert person.end_date == TODAY + timedelta(days=10)  # a preview changes nothing

    people_import(path=path, actor=actor, today=TODAY)
    person.refresh_from_db()
    assert (person.end_date, person.end_date_set_by, person.end_date_set_at) == (TODAY + timedelta(days=20), "", None)
    event = AuditEvent.objects.filter(action="person.updated").latest("seq")
    assert event.after["end_date_set_by_hand"]["reason"] == "Resigned"


def test_a_file_that_agrees_or_a_person_never_set_by_hand_is_no_such_change(hr, write_file, actor) -> None:
    rows = [dict(r) for r in ROWS]
    rows[1]["end_date"] = (TODAY + timedelta(days=20)).isoformat()
    preview = people_import(path=write_file("hr.csv", hr_csv(rows)), actor=actor, today=TODAY, dry_run=True)
    assert [u.employee_id for u in preview.plan.updates] == ["L1"] and preview.plan.over_hand_set == []


def test_the_person_page_shows_accounts_devices_and_cases_and_hr_sets_the_day_there(hr, make_user) -> None:
    from ordna.devices.services import device_register

    person = Person.objects.get(employee_id="L1")
    device_register(asset_tag="LT-3", kind="laptop", actor=Actor.system("test"), holder=person)
    client = Client()
    client.force_login(hr.user)
    refused = client.post("/people/L1/end-date/", {"end_date": "2026-12-01", "reason": ""})
    assert refused.status_code == 422 and "Reason: say why the last day is set here" in refused.content.decode()
    assert client.post("/people/L1/end-date/", {"end_date": "soon", "reason": "x"}).status_code == 422
    done = client.post("/people/L1/end-date/", {"end_date": "2026-11-25", "reason": "Resigned"})
    assert done.status_code == 302
    page = client.get("/people/L1/").content.decode()
    assert "set by hand on" in page and "Resigned" in page and "LT-3" in page
    from ordna.lifecycle.models import Case

    assert f"/cases/{Case.objects.get().pk}/" in page
    employee = Client()
    employee.force_login(make_user("employee", person=person))
    assert employee.post("/people/L1/end-date/", {"end_date": "", "reason": "x"}).status_code == 404


def test_the_api_sets_the_day_and_refuses_without_a_reason(hr, make_user) -> None:
    token = token_create(user=hr.user, actor=Actor.system("test"))
    client = Client(headers={"Authorization": f"Bearer {token}"})

    def put(body: dict) -> object:
        return client.put("/api/v1/people/L1/end-date", data=json.dumps(body), content_type="application/json")

    refused = put({"end_date": "2026-12-01"})
    assert refused.status_code == 422
    assert refused.json() == {
        "detail": "Reason: say why the last day is set here and not in the HR file.",
        "field": "reason",
    }
    answer = put({"end_date": "2026-12-01", "reason": "Resigned"})
    assert answer.status_code == 200
    assert (answer.json()["end_date"], answer.json()["end_date_set_by"], answer.json()["end_date_reason"]) == (
        "2026-12-01",
        hr.label,
        "Resigned",
    )
