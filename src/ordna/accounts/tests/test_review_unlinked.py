"""Unlinked accounts on the review page (issue 29): an active account linked to nobody waits there beside the
ambiguous ones, and is linked to a person (also one who has left) or marked a service account with an owner."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from ordna.accounts.models import Account
from ordna.applications.services import application_create
from ordna.conftest import hr_row
from ordna.core.actor import Actor
from ordna.people.models import Person

pytestmark = pytest.mark.django_db


def an_account(key: str) -> Account:
    app = application_create(slug="m365", name="Microsoft 365", actor=Actor.system("test"))
    now = timezone.now()
    return Account.objects.create(application=app, key=key, key_display=key, first_seen=now, last_seen=now)


def test_an_unlinked_account_is_linked_to_a_former_employee_from_the_review_page(make_user, load_people) -> None:
    # Given someone who left in the HR file and an active account linked to nobody
    load_people([hr_row("E1", end_date="2026-06-30"), hr_row("E2")])
    account = an_account("old.colleague@example.org")
    client = Client()
    client.force_login(make_user("coordinator"))
    # When the coordinator opens the review page, it is there
    page = client.get("/accounts/review/").content.decode()
    assert "old.colleague@example.org" in page
    assert "Someone else, also someone who has left:" in page
    # And linking it to the former employee by employee id keeps the decision
    response = client.post(f"/accounts/review/{account.pk}/", {"person": "other", "other": "E1"}, follow=True)
    assert "Saved: old.colleague@example.org." in response.content.decode()
    account.refresh_from_db()
    assert (account.person.employee_id, account.match_rule, account.non_personal) == ("E1", "manual", False)
    assert "old.colleague@example.org" not in client.get("/accounts/review/").content.decode()


def test_a_service_mailbox_is_marked_with_its_owner_and_an_unknown_id_is_named(make_user, load_people) -> None:
    load_people([hr_row("E2")])
    account = an_account("reception@example.org")
    client = Client()
    client.force_login(make_user("coordinator"))
    wrong = client.post(f"/accounts/review/{account.pk}/", {"person": "other", "other": "E404"}, follow=True)
    assert "No person has employee id E404." in wrong.content.decode()
    account.refresh_from_db()
    assert account.person_id is None
    client.post(f"/accounts/review/{account.pk}/", {"person": "non_personal", "owner": "E2"})
    account.refresh_from_db()
    assert (account.non_personal, account.owner.employee_id, account.person_id) == (True, "E2", None)


def test_a_former_employee_not_in_the_hr_file_is_added_and_linked_or_nothing_is(make_user, load_people) -> None:
    # Given an HR file without the person who left in 2024, and her account still active
    load_people([hr_row("E2")])
    account = an_account("karin.old@example.org")
    client = Client()
    client.force_login(make_user("coordinator"))
    former = {"person": "former", "former_id": "E0900", "former_first": "Karin", "former_last": "Old"}
    # When her last day is in the future, nothing is added and the page says why
    wrong = client.post(f"/accounts/review/{account.pk}/", {**former, "former_end": "2027-01-31"}, follow=True)
    assert "Last day: a former employee&#x27;s last day is today or before." in wrong.content.decode()
    assert not Person.objects.filter(employee_id="E0900").exists()
    # And with her real last day she is added, marked as set by hand, and the account is hers
    client.post(f"/accounts/review/{account.pk}/", {**former, "former_end": "2024-03-31"})
    karin = Person.objects.get(employee_id="E0900")
    assert (karin.full_name, karin.end_date, karin.end_date_reason) == (
        "Karin Old",
        date(2024, 3, 31),
        "A former employee, not in the HR file",
    )
    account.refresh_from_db()
    assert account.person_id == karin.pk
    # An id the HR data has is refused: link to that person as someone else instead
    other = an_account_of(account.application, "e2.again@example.org")
    taken = client.post(
        f"/accounts/review/{other.pk}/", {**former, "former_id": "E2", "former_end": "2024-03-31"}, follow=True
    )
    assert "Employee id: E2 is in the HR data already; link to them as someone else." in taken.content.decode()


def an_account_of(application, key: str) -> Account:  # type: ignore[no-untyped-def]
    now = timezone.now()
    return Account.objects.create(application=application, key=key, key_display=key, first_seen=now, last_seen=now)
