"""The people API: filters, pagination, one person, the HR import endpoint."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ordna.conftest import hr_csv, hr_row
from ordna.core.actor import Actor
from ordna.core.services import token_create
from ordna.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr_client(make_user) -> Client:
    token = token_create(user=make_user("hr"), actor=Actor.system("test"))
    return Client(headers={"Authorization": f"Bearer {token}"})


def test_list_filters_and_pages(hr_client, load_people) -> None:
    load_people(
        [hr_row(f"E{i:03}", department="Sales" if i < 70 else "IT") for i in range(100)]
        + [hr_row("L1", end_date="2026-11-20")]
    )
    body = hr_client.get("/api/v1/people", {"department": "Sales", "page": 2, "page_size": 50}).json()
    assert body["count"] == 70 and len(body["items"]) == 20
    body = hr_client.get("/api/v1/people", {"status": "leaving"}).json()
    assert [p["employee_id"] for p in body["items"]] == ["L1"]
    assert body["items"][0]["status"] == "leaving"
    response = hr_client.get("/api/v1/people", {"status": "gone"})
    assert response.status_code == 422
    assert response.json() == {"detail": "'gone' is not one of future, active, leaving, left.", "field": "status"}


def test_one_person(hr_client, load_people) -> None:
    load_people([hr_row("E1"), hr_row("E2", "Åsa", "Öberg", manager_employee_id="E1")])
    body = hr_client.get("/api/v1/people/E2").json()
    assert (body["first_name"], body["manager_employee_id"], body["status"]) == ("Åsa", "E1", "active")
    assert hr_client.get("/api/v1/people/E404").status_code == 404


def post_file(client: Client, content: str, **form: Any) -> Any:
    return client.post("/api/v1/imports/people", {"file": SimpleUploadedFile("hr.csv", content.encode()), **form})


def test_import_endpoint_applies_and_summarises(hr_client) -> None:
    response = post_file(hr_client, hr_csv([hr_row("E1"), hr_row("E2", end_date="2026-12-01")]))
    assert response.status_code == 200
    body = response.json()
    assert body["outcome"] == "applied"
    assert body["counts"]["created"] == 2 and body["counts"]["newly_leaving"] == 1
    assert Person.objects.count() == 2


def test_import_endpoint_dry_run(hr_client) -> None:
    response = post_file(hr_client, hr_csv([hr_row("E1")]), dry_run="true")
    assert response.json()["outcome"] == "dry_run"
    assert Person.objects.count() == 0


def test_import_endpoint_lists_errors_with_rows(hr_client) -> None:
    response = post_file(hr_client, hr_csv([hr_row("E1", manager_employee_id="E9")]))
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "row": 2,
            "column": "manager_employee_id",
            "reason": "unknown manager 'E9': not in this file and not known to Ordna",
        }
    ]


def test_import_endpoint_breaker_is_409(hr_client, load_people) -> None:
    rows = [hr_row(f"E{i}") for i in range(100)]
    load_people(rows)
    for row in rows[:11]:
        row["end_date"] = "2026-12-31"
    response = post_file(hr_client, hr_csv(rows))
    assert response.status_code == 409 and response.json()["breaker_tripped"] is True
    assert post_file(hr_client, hr_csv(rows), allow_mass_change="true").status_code == 200
