"""The admin's privacy in the web and the API: the person's data downloaded, a hold placed, an erasure asked by
one admin and approved by another (never by the same one), a refusal with its reason."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from django.utils import translation

from ordna.core.actor import Actor
from ordna.core.audit import audit_verify
from ordna.core.services import token_create
from ordna.home.tests.privacy_world import build_world
from ordna.people.models import ErasureRequest, LegalHold, Person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """The sentences asserted are the English ones, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


@pytest.fixture
def world(make_user):
    world = build_world(make_user)
    world["admin1"] = make_user("admin")
    world["admin2"] = make_user("admin")
    return world


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_person_page_offers_the_admin_the_data_and_the_erasure(world) -> None:
    page = signed_in(world["admin1"]).get("/people/P1/").content.decode()
    assert "/people/P1/personal-data/?format=pdf" in page and 'action="/people/P1/erase/"' in page
    download = signed_in(world["admin1"]).get("/people/P1/personal-data/")
    assert download["Content-Type"] == "application/json" and download.json()["person"]["last_name"] == "Gone"
    pdf = signed_in(world["admin1"]).get("/people/P1/personal-data/?format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_an_erasure_in_the_web_takes_two_admins(world) -> None:
    first, second = signed_in(world["admin1"]), signed_in(world["admin2"])
    answer = first.post("/people/P1/erase/", {"reason": "Request by mail of 2026-11-10"}, follow=True)
    assert "a second administrator must approve it" in answer.content.decode()
    request = ErasureRequest.objects.get()
    own = first.get("/privacy/").content.decode()
    assert "Approve and erase" not in own and "A second administrator approves." in own
    refused = first.post(f"/privacy/requests/{request.pk}/", {"decision": "approve"}, follow=True)
    assert "A second administrator must approve" in refused.content.decode()
    assert Person.objects.get(pk=world["greta"].pk).erased_at is None
    assert "Approve and erase" in second.get("/privacy/").content.decode()
    done = second.post(f"/privacy/requests/{request.pk}/", {"decision": "approve"}, follow=True)
    greta = Person.objects.get(pk=world["greta"].pk)
    assert f"Erased: the person is now {greta.employee_id}." in done.content.decode()
    assert greta.erased_at is not None and audit_verify().ok
    page = second.get(f"/people/{greta.employee_id}/").content.decode()
    assert "Personal data erased on" in page and "Greta" not in page


def test_a_refused_erasure_says_why_and_a_hold_is_placed_and_released(world) -> None:
    admin = signed_in(world["admin1"])
    answer = admin.post("/people/P3/erase/", {"reason": "Asked"}, follow=True)
    assert "Their leaver case of 2024-01-31 is still open." in answer.content.decode()
    assert not ErasureRequest.objects.exists()
    admin.post("/people/P4/hold/", {"reason": "Audit of 2023"})
    assert LegalHold.objects.get(person=world["nina"]).released_at is None
    assert "A legal hold is in force: Audit of 2023" in admin.get("/people/P4/").content.decode()
    admin.post("/people/P4/hold/", {"reason": "Audit closed", "release": "1"})
    assert LegalHold.objects.get(person=world["nina"]).release_reason == "Audit closed"


def test_the_api_gives_the_admin_the_persons_data(world) -> None:
    token = token_create(user=world["admin1"], actor=Actor.system("test"))
    api = Client(headers={"Authorization": f"Bearer {token}"})
    answer = api.get("/api/v1/people/P1/personal-data")
    assert answer.status_code == 200 and answer.json()["accounts"][0]["display_name"] == "Greta Gone"
    pdf = api.get("/api/v1/people/P1/personal-data?format=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert api.get("/api/v1/people/X9/personal-data").status_code == 404
    assert api.get("/api/v1/people/P1/personal-data?format=xml").status_code == 422
