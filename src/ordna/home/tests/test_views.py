"""The pages that compose several apps: the user administration (users link to people and suppliers) and the
dashboard."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ordna.conftest import hr_row
from ordna.core.models import Supplier, User
from ordna.people.models import Person

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_coordinator_manages_users_but_cannot_make_an_admin(make_user, load_people) -> None:
    load_people([hr_row("E1")])
    Supplier.objects.create(name="Example IT Services AB")
    client = signed_in(make_user("coordinator"))
    response = client.post("/users/new/", {"username": "boss", "roles": ["admin"], "is_active": "on"})
    assert "only an administrator can grant" in response.content.decode()
    response = client.post(
        "/users/new/",
        {"username": "partner", "roles": ["supplier"], "supplier": "example it services ab", "is_active": "on"},
    )
    assert response.status_code == 302
    assert User.objects.get(username="partner").supplier.name == "Example IT Services AB"
    response = client.post(
        "/users/new/",
        {"username": "vendor", "roles": ["supplier"], "supplier": "Voorbeeld Software BV", "is_active": "on"},
    )
    assert response.status_code == 302
    assert User.objects.get(username="vendor").supplier.name == "Voorbeeld Software BV"
    response = client.post("/users/new/", {"username": "vendor", "roles": ["supplier"], "supplier": "Nieuw BV"})
    assert "a user named &#x27;vendor&#x27; exists already" in response.content.decode()
    assert not Supplier.objects.filter(name="Nieuw BV").exists()  # nothing half-applied
    response = client.post("/users/new/", {"username": "emp", "roles": ["employee"], "person": "E404"})
    assert "No person has employee id E404." in response.content.decode()


def test_disabling_a_user_ends_their_sessions(make_user) -> None:
    coordinator = make_user("coordinator")
    hr = make_user("hr", password=PASSWORD)
    hr_client = Client()
    hr_client.post("/login/", {"username": hr.username, "password": PASSWORD})
    assert hr_client.get("/").status_code == 200
    signed_in(coordinator).post(f"/users/{hr.pk}/", {"username": hr.username, "roles": ["hr"]})  # unchecked: disabled
    assert User.objects.get(pk=hr.pk).is_active is False
    assert hr_client.get("/").status_code == 302


def test_a_new_user_speaks_the_language_of_their_person(make_user, load_people) -> None:
    # Given a Swedish-speaking person and a coordinator
    load_people([hr_row("E1"), hr_row("E2")])
    Person.objects.filter(employee_id="E1").update(locale="sv")
    client = signed_in(make_user("coordinator"))
    # When users are made for them, and one for nobody
    for username, employee_id in (("sven", "E1"), ("erik", "E2"), ("nobody", "")):
        response = client.post(
            "/users/new/", {"username": username, "roles": ["employee" if employee_id else "hr"], "person": employee_id}
        )
        assert response.status_code == 302
    # Then each speaks their person's language, and English without one
    assert dict(User.objects.values_list("username", "locale")) == {
        "coordinator1": "en",
        "sven": "sv",
        "erik": "en",
        "nobody": "en",
    }


def test_the_dashboard_shows_what_the_role_may_see(make_user, load_people) -> None:
    # Given three people, one of them the employee's own
    load_people([hr_row("E1"), hr_row("E2", end_date="2026-11-30"), hr_row("E3")])
    employee = make_user("employee", person=Person.objects.get(employee_id="E1"))
    # When HR and the employee open the dashboard
    hr_page = signed_in(make_user("hr")).get("/")
    own_page = signed_in(employee).get("/")
    # Then HR sees the organisation's figures and the leaver, the employee only their own page
    assert hr_page.context["figures"]["status_counts"]["leaving"] == 1
    assert [p.employee_id for p in hr_page.context["figures"]["leavers_soon"]] == ["E2"]
    assert "status_counts" not in own_page.context["figures"]
    assert own_page.context["figures"]["my_page"] == "E1"
