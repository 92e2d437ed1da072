"""The review queue's stored identity keys (accounts/identity_keys.py): made after an HR import has committed,
by the worker, a batch of people per transaction, never inside the import's transaction (issue 24, 26)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from ordna.accounts import identity_keys, tasks
from ordna.accounts.identity_keys import identity_keys_refresh
from ordna.accounts.models import IdentityKey, IdentityKeysStamp
from ordna.conftest import hr_row
from ordna.people.models import Person

pytestmark = pytest.mark.django_db

PEOPLE = [hr_row(f"K{n}", f"Fika{n}", f"Exempel{n}") for n in range(1, 6)]


def keys_of(employee_id: str) -> set[tuple[str, str]]:
    return set(IdentityKey.objects.filter(person__employee_id=employee_id).values_list("kind", "value"))


def test_the_hr_import_leaves_the_keys_to_after_its_commit(load_people: Any, monkeypatch: Any) -> None:
    # Given the job that makes the keys, watched,
    ran: list[str] = []
    monkeypatch.setattr(tasks, "refresh_later", lambda: ran.append("after commit"))
    # when the HR file is imported (its transaction committed here by the test),
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        load_people(PEOPLE)
        # then nothing was made inside the import's transaction,
        assert not IdentityKey.objects.exists() and ran == []
    # and the job runs once the import has committed.
    assert len(callbacks) >= 1 and ran == ["after commit"]


def test_keys_are_made_a_batch_at_a_time_and_only_for_the_people_changed(load_people: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(identity_keys, "BATCH", 2)
    load_people(PEOPLE)
    # Every person's keys, in three batches of at most two people,
    assert identity_keys_refresh(force=True) == 5
    assert all(keys_of(f"K{n}") for n in range(1, 6))
    assert identity_keys_refresh() == 0  # nothing changed since
    # and after one person's name changes, only that person's keys are made again: the old name's are gone.
    before = IdentityKey.objects.count()
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        person = Person.objects.get(employee_id="K3")
        person.last_name = "Nyttnamn"
        person.save()
        assert identity_keys_refresh() == 1
    keys = keys_of("K3")
    assert ("name", "fika3 nyttnamn") in keys and ("name", "fika3 exempel3") not in keys, keys
    assert IdentityKey.objects.count() == before


def test_a_refresh_killed_half_way_is_made_whole_by_the_next(load_people: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(identity_keys, "BATCH", 2)
    load_people(PEOPLE)
    whole = identity_keys_refresh(force=True) and sorted(IdentityKey.objects.values_list("person_id", "kind", "value"))
    IdentityKey.objects.all().delete()
    IdentityKeysStamp.objects.all().delete()
    # Given a refresh that dies in its second batch (the first one committed),
    real = identity_keys.insert_rows
    calls: list[int] = []

    def dying(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("killed")
        real(*args, **kwargs)

    monkeypatch.setattr(identity_keys, "insert_rows", dying)
    with pytest.raises(RuntimeError):
        identity_keys_refresh(force=True)
    assert 0 < IdentityKey.objects.count() < len(whole)
    # then the stamp names no version, so the next refresh makes every key again, once each.
    monkeypatch.setattr(identity_keys, "insert_rows", real)
    assert identity_keys_refresh() == 5
    assert sorted(IdentityKey.objects.values_list("person_id", "kind", "value")) == whole
