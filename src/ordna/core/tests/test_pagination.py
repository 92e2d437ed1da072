"""API pages by number and by keyset cursor (ordna.core.pagination), and counts cached against the data
version (ordna.core.data_version)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ordna.conftest import hr_row
from ordna.core.actor import Actor
from ordna.core.data_version import cached_count, current_token
from ordna.core.pagination import Keyset, _encode
from ordna.core.services import token_create
from ordna.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr_client(make_user) -> Client:
    token = token_create(user=make_user("hr"), actor=Actor.system("test"))
    return Client(headers={"Authorization": f"Bearer {token}"})


def walk(client: Client, size: int, **params: str) -> list[str]:
    seen: list[str] = []
    cursor = ""
    while True:
        body = client.get("/api/v1/people", {"page_size": size, "cursor": cursor, **params}).json()
        seen += [p["employee_id"] for p in body["items"]]
        cursor = body["next"]
        if cursor is None:
            return seen


def test_a_cursor_walks_the_list_in_the_order_of_its_pages_even_through_equal_names(hr_client, load_people) -> None:
    # Given 23 people of whom 20 share one name (only the id tells them apart)
    load_people(
        [hr_row(f"E{i:02}") for i in range(20)]
        + [hr_row("A1", "Anna", "Aalto"), hr_row("Z1", "Zoe", "Zeller"), hr_row("M1", "Max", "Mill")]
    )
    # When the list is read page by page and then by cursor, 4 at a time
    by_page = []
    for page in range(1, 8):
        body = hr_client.get("/api/v1/people", {"page": page, "page_size": 4}).json()
        assert body["count"] == 23
        by_page += [p["employee_id"] for p in body["items"]]
    by_cursor = walk(hr_client, 4)
    # Then both give everyone once, in the same order
    assert by_cursor == by_page
    assert sorted(by_cursor) == sorted(Person.objects.values_list("employee_id", flat=True))
    assert by_cursor[0] == "A1" and by_cursor[-1] == "Z1"
    # And a filtered list's cursor keeps to the filter
    assert walk(hr_client, 2, q="Zeller") == ["Z1"]


def test_the_last_page_has_no_next_and_a_foreign_cursor_is_refused(hr_client, load_people) -> None:
    load_people([hr_row("E1"), hr_row("E2")])
    body = hr_client.get("/api/v1/people", {"page_size": 2}).json()
    assert body["next"] is None and body["count"] == 2
    for bad in ("not-a-cursor", _encode({"offset": 3}), _encode({"after": ["x"]}), _encode({"after": [1, 2, 3, "y"]})):
        response = hr_client.get("/api/v1/people", {"cursor": bad})
        assert response.status_code == 422, bad
        assert response.json()["field"] == "cursor"


@pytest.mark.parametrize("order", ["end_date", "-end_date", "manager__last_name", "-manager__employee_id"])
def test_keyset_follows_the_databases_place_for_nulls(load_people, order: str) -> None:
    # Given people with and without an end date and a manager, in an order over a nullable column
    load_people(
        [
            hr_row("B1", "Boss", "Bee"),
            hr_row("E1", end_date="2027-01-31", manager_employee_id="B1"),
            hr_row("E2"),
            hr_row("E3", end_date="2027-03-31"),
            hr_row("E4", end_date="2027-01-31", manager_employee_id="B1"),
            hr_row("E5"),
        ]
    )
    people = Person.objects.order_by(order)
    keyset = Keyset.of(people)
    assert keyset is not None and keyset.order[-1] in ("pk", "-pk")
    everyone = list(people.order_by(*keyset.order).values_list("employee_id", flat=True))
    # When walked two at a time after each page's last row
    walked: list[str] = []
    page = list(people.order_by(*keyset.order)[:2])
    while page:
        walked += [p.employee_id for p in page]
        page = list(people.order_by(*keyset.order).filter(keyset.after(keyset.values_of(page[-1])))[:2])
    # Then the walk is the order itself, nulls where this database puts them
    assert walked == everyone and len(walked) == 6


def test_an_order_a_keyset_cannot_follow_is_continued_by_position() -> None:
    assert Keyset.of(Person.objects.order_by("manager")) is None  # a relation: ordered by its model's order
    assert Keyset.of(Person.objects.order_by("?")) is None


@pytest.mark.django_db(transaction=True)
def test_a_count_is_counted_once_per_data_version(load_people) -> None:
    # Given people, committed, and a count once taken under the token of that data
    cache.clear()
    load_people([hr_row("E1"), hr_row("E2")])
    token = current_token()
    assert token is not None
    in_it = Person.objects.filter(department="Finance")
    assert cached_count(in_it, token=token) == 0
    # When counted again under the same token, the database is not asked
    with CaptureQueriesContext(connection) as queries:
        assert cached_count(in_it, token=token) == 0
    assert len(queries) == 0
    # And a committed write, even one that bypasses the models, changes the token: the next count is true again
    with connection.cursor() as cursor:
        cursor.execute("UPDATE people_person SET department = %s WHERE employee_id = %s", ["Finance", "E2"])
    assert current_token() not in (token, None)
    assert cached_count(in_it) == 1


@pytest.mark.django_db(transaction=True)
def test_a_token_used_or_a_user_signing_in_keeps_the_data_version(load_people, make_user) -> None:
    # Given committed data and its token
    load_people([hr_row("E1")])
    user = make_user("hr")
    token = current_token()
    assert token is not None
    # When an API token is used (its last use written) and a user signs in (their last sign-in written)
    api_token = token_create(user=user, actor=Actor.system("test"))
    after_create = current_token()
    assert after_create != token  # a new token is a write like any other
    assert Client(headers={"Authorization": f"Bearer {api_token}"}).get("/api/v1/me").status_code == 200
    Client().force_login(user)
    # Then the data version is the same: nothing any list counts has changed
    assert current_token() == after_create
    # And a token revoked is a change again
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_apitoken SET revoked_at = last_used_at WHERE user_id = %s", [user.pk])
    assert current_token() != after_create


def test_inside_a_transaction_that_wrote_nothing_is_reused(load_people) -> None:
    # The test runs in one transaction: once it has written, counts are its own, never cached ones.
    load_people([hr_row("E1")])
    assert current_token() is None
    Person.objects.create(employee_id="E9", first_name="N", last_name="N", start_date=date(2026, 1, 1))
    assert cached_count(Person.objects.all()) == 2


@pytest.mark.parametrize("order", [("last_name", "id"), ("end_date", "id"), ("-end_date", "-id")])
def test_a_deep_web_page_has_the_rows_of_the_plain_slice(load_people, monkeypatch, order) -> None:
    # Given eleven people (some without an end date: NULLs in the order) and pages of three, read by their
    # ids first from the second page on, and from the end in the second half
    from ordna.core import web

    monkeypatch.setattr(web, "DEEP_OFFSET", 3)
    ends = ["", "2026-12-31", "", "2026-12-20", "2027-01-31", "", "2026-12-20", "2027-02-28", "", "", "2026-12-24"]
    load_people(
        [
            hr_row(f"E{n}", last=name, end_date=end)
            for n, (name, end) in enumerate(zip("GBFAEDCKJIH", ends, strict=True))
        ]
    )
    people = Person.objects.order_by(*order)
    paginator = web.CountedOncePaginator(people, 3)
    # Then every page holds the rows of the plain slice, in its order, the last one too
    pages = [[p.employee_id for p in paginator.page(n).object_list] for n in paginator.page_range]
    assert pages == [[p.employee_id for p in people[i : i + 3]] for i in (0, 3, 6, 9)]
    if order[0] == "last_name":
        assert pages == [["E3", "E1", "E6"], ["E5", "E4", "E2"], ["E0", "E10", "E9"], ["E8", "E7"]]
