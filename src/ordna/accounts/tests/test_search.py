"""Search through an index (ordna.core.search): the same searches give the same people and accounts on
SQLite (FTS5 trigram) and PostgreSQL (pg_trgm); the PostgreSQL pass of the suite (`make test-postgres`) runs
these very tests with DATABASE_URL set."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.utils import timezone

from ordna.accounts.models import Account
from ordna.accounts.search import ACCOUNTS_SEARCH
from ordna.accounts.selectors import accounts_filter
from ordna.applications.services import application_create
from ordna.conftest import hr_row
from ordna.core.actor import Actor
from ordna.people.models import Person
from ordna.people.search import PEOPLE_SEARCH
from ordna.people.selectors import people_filter

pytestmark = pytest.mark.django_db

PEOPLE = [
    hr_row("E1", "Anna", "Lindberg", email="anna.lindberg@example.org"),
    hr_row("E2", "Johan", "Berg", email="johan.berg@example.org"),
    hr_row("E3", "Åsa", "Öberg", email="asa.oberg@example.org"),
    hr_row("e4x", "Pieter", "de Vries", email="p.devries@example.org"),
    hr_row("E5", "Maria", "Lind", email="maria@example.net"),
]

# (search, employee ids found): parts of names and addresses in any case, whole employee ids, several words.
PEOPLE_SEARCHES = [
    ("berg", ["E1", "E2", "E3"]),
    ("BERG", ["E1", "E2", "E3"]),
    ("lind", ["E1", "E5"]),
    ("Öberg", ["E3"]),
    ("example.net", ["E5"]),
    ("anna berg", ["E1"]),
    ("de vries", ["e4x"]),
    ("E2", ["E2"]),
    ("E4X", ["e4x"]),
    ("e1", ["E1"]),
    ("li", ["E1", "E5"]),  # two letters: no trigram, a scan finds them all the same
    ('ber"g', []),
    ("nobody", []),
]


def ids(queryset) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(queryset.values_list("employee_id", flat=True))


@pytest.mark.parametrize(("search", "found"), PEOPLE_SEARCHES)
def test_people_are_found_by_part_of_a_name_or_address(load_people, search: str, found: list[str]) -> None:
    load_people(PEOPLE)
    assert ids(people_filter(Person.objects.all(), q=search, today=date(2026, 12, 7))) == found


def test_the_index_follows_changes_and_removals(load_people) -> None:
    load_people(PEOPLE)
    Person.objects.filter(employee_id="E2").update(last_name="Strand", email="johan.strand@example.org")
    Person.objects.filter(employee_id="E5").delete()
    today = date(2026, 12, 7)
    assert ids(people_filter(Person.objects.all(), q="berg", today=today)) == ["E1", "E3"]
    assert ids(people_filter(Person.objects.all(), q="strand", today=today)) == ["E2"]
    assert ids(people_filter(Person.objects.all(), q="example.net", today=today)) == []


ACCOUNTS = [
    ("anna.lindberg@example.org", "alindberg", "Anna Lindberg"),
    ("svc-backup", "backup", "Backup service"),
    ("JBERG", "jberg", "Johan Berg"),
    ("p.devries@example.org", "", "Pieter de Vries"),
]

ACCOUNT_SEARCHES = [
    ("berg", ["anna.lindberg@example.org", "jberg"]),
    ("BACKUP", ["svc-backup"]),
    ("johan b", ["jberg"]),
    ("de vries", ["p.devries@example.org"]),
    ("example.org", ["anna.lindberg@example.org", "p.devries@example.org"]),
    ("svc", ["svc-backup"]),
    ("zz", []),
]


@pytest.mark.parametrize(("search", "found"), ACCOUNT_SEARCHES)
def test_accounts_are_found_by_part_of_key_username_name_or_address(search: str, found: list[str]) -> None:
    app = application_create(slug="m365", name="Microsoft 365", actor=Actor.system("test"))
    now = timezone.now()
    for key, username, name in ACCOUNTS:
        Account.objects.create(
            application=app,
            key=key.casefold(),
            key_display=key,
            username=username,
            display_name=name,
            email=key if "@" in key else "",
            first_seen=now,
            last_seen=now,
        )
    accounts = accounts_filter(Account.objects.all(), q=search)
    assert sorted(accounts.values_list("key", flat=True)) == found


def test_the_search_is_answered_by_the_backends_index(load_people) -> None:
    # Given the indexes the migrations made
    load_people(PEOPLE)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for index in (PEOPLE_SEARCH, ACCOUNTS_SEARCH):
                cursor.execute(f"SELECT count(*) FROM {index.fts}")  # noqa: S608
            fts = PEOPLE_SEARCH.fts
            cursor.execute(f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s", ['"lindb"'])  # noqa: S608
            assert [r[0] for r in cursor.fetchall()] == [Person.objects.get(employee_id="E1").pk]
        else:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE %s", ["%_trgm"])
            names = {row[0] for row in cursor.fetchall()}
            assert {"people_person_last_name_trgm", "accounts_account_key_trgm"} <= names
