"""Adding an application and pricing its licences in the web (issue 29): the same services as the command line
and the API; a refusal shows beside its field and changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from ordna.applications.models import Application, License
from ordna.conftest import hr_row

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_the_coordinator_adds_an_application_and_prices_a_licence(make_user, load_people) -> None:
    load_people([hr_row("E1")])
    client = signed_in(make_user("coordinator"))
    assert "Add an application" in client.get("/applications/").content.decode()
    response = client.post(
        "/applications/new/",
        {"slug": "slack", "name": "Slack", "owner": "E1", "criticality": "low", "deprovision_days": "1"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/applications/slack/"
    page = client.get("/applications/slack/").content.decode()
    assert "Add or change a licence price" in page
    response = client.post(
        "/applications/slack/licences/", {"name": "Pro", "monthly_cost": "87.50", "currency": "sek", "seats": "25"}
    )
    assert response.status_code == 302
    assert License.objects.values_list("application__slug", "name", "monthly_cost", "currency", "seats").get() == (
        "slack",
        "Pro",
        Decimal("87.50"),
        "SEK",
        25,
    )
    assert Application.objects.get(slug="slack").owner.employee_id == "E1"


def test_refusals_show_beside_the_field(make_user) -> None:
    client = signed_in(make_user("coordinator"))
    client.post("/applications/new/", {"slug": "slack", "name": "Slack", "criticality": "low", "deprovision_days": "1"})
    again = client.post(
        "/applications/new/", {"slug": "slack", "name": "Slack 2", "criticality": "low", "deprovision_days": "1"}
    )
    assert "An application with the short name &#x27;slack&#x27; exists already." in again.content.decode()
    unknown = client.post(
        "/applications/new/",
        {"slug": "teams", "name": "Teams", "owner": "E404", "criticality": "low", "deprovision_days": "1"},
    )
    assert "No person has employee id E404." in unknown.content.decode()
    price = client.post("/applications/slack/licences/", {"name": "Pro", "monthly_cost": "5", "currency": "kronor"})
    assert price.status_code == 200
    assert License.objects.count() == 0
    assert Application.objects.count() == 1


def test_hr_may_not_add_applications(make_user) -> None:
    client = signed_in(make_user("hr"))
    assert client.get("/applications/new/").status_code == 404  # a capability it lacks: no such page
    assert "Add an application" not in client.get("/applications/").content.decode()


def test_the_price_list_through_the_web_all_or_nothing(make_user, write_file) -> None:
    client = signed_in(make_user("coordinator"))
    good = write_file(
        "prices.csv", "application,license,monthly_cost,currency,seats\nm365,Microsoft 365 E3,390,SEK,40\n"
    )
    with good.open("rb") as handle:
        html = client.post("/accounts/prices/", {"file": handle}, follow=True).content.decode()
    assert "Price list prices.csv applied." in html
    assert License.objects.values_list("application__slug", "name", "monthly_cost", "seats").get() == (
        "m365",
        "Microsoft 365 E3",
        Decimal("390.00"),
        40,
    )
    bad = write_file("bad.csv", "application,license,monthly_cost,currency,seats\nslack,Pro,ten,SEK,\n")
    with bad.open("rb") as handle:
        html = client.post("/accounts/prices/", {"file": handle}).content.decode()
    assert "The file has 1 error; nothing was applied" in html
    assert "&#x27;ten&#x27; is not an amount" in html
    assert not Application.objects.filter(slug="slack").exists()
