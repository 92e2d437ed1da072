"""Each list page's and API list's query count does not grow with the data: the same page on 100 and on 2,000
rows of people, accounts and findings issues the same number of queries (issue 24)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ordna.accounts.models import Account, Finding
from ordna.applications.models import Application
from ordna.applications.services import application_create
from ordna.conftest import hr_row
from ordna.core.actor import Actor
from ordna.core.services import token_create
from ordna.people.models import Person

pytestmark = pytest.mark.django_db

PAGES = [
    "/people/",
    "/people/?q=person",
    "/people/?page=2",
    "/accounts/findings/",
    "/accounts/findings/?page=2",
    "/accounts/review/",
    "/applications/m365/",
]
API_LISTS = [
    "/api/v1/people",
    "/api/v1/people?q=person&page=2",
    "/api/v1/accounts",
    "/api/v1/accounts?q=example",
    "/api/v1/findings",
    "/api/v1/review",
]


def grow_to(size: int, load_people: Any) -> None:
    """People E0000.. up to `size`, each with an account in one application (every third waiting for review)
    and a finding on every other account."""
    load_people([hr_row(f"E{i:04}", email=f"e{i:04}@example.org") for i in range(size)])
    app = Application.objects.filter(slug="m365").first() or application_create(
        slug="m365", name="Microsoft 365", actor=Actor.system("test")
    )
    have = Account.objects.count()
    now = timezone.now()
    people = {p.employee_id: p for p in Person.objects.all()}
    accounts = [
        Account(
            application=app,
            key=f"e{i:04}@example.org",
            key_display=f"e{i:04}@example.org",
            email=f"e{i:04}@example.org",
            display_name=f"Test Person {i}",
            person=None if i % 3 == 0 else people[f"E{i:04}"],
            needs_review=i % 3 == 0,
            first_seen=now,
            last_seen=now,
        )
        for i in range(have, size)
    ]
    Account.objects.bulk_create(accounts)
    Finding.objects.bulk_create(
        Finding(
            kind="orphan",
            application=app,
            account=a,
            monthly_cost=Decimal("10.00"),
            currency="SEK",
            since=date(2026, 11, 1),
        )
        for a in Account.objects.filter(key__in=[x.key for x in accounts[::2]])
    )


def queries_of(client: Client, url: str) -> int:
    client.get(url)  # once before: a token's first use of the day and the like are written once, not per page
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_list_pages_issue_as_many_queries_at_2000_rows_as_at_100(make_user, load_people) -> None:
    # Given an organisation of 100, and a signed-in administrator on the web and through the API
    grow_to(100, load_people)
    user = make_user("admin")
    web = Client()
    web.force_login(user)
    api = Client(headers={"Authorization": f"Bearer {token_create(user=user, actor=Actor.system('test'))}"})
    urls = [(web, url) for url in PAGES] + [(api, url) for url in API_LISTS]
    small = {url: queries_of(client, url) for client, url in urls}
    # When it grows to 2,000
    grow_to(2000, load_people)
    assert Account.objects.count() == 2000 and Finding.objects.count() == 1000
    large = {url: queries_of(client, url) for client, url in urls}
    # Then every list asks the database as often as before
    assert large == small
