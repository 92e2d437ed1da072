"""The accounts app's background jobs (huey): the review queue's identity keys after an HR import."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from huey.contrib.djhuey import db_task

from ordna.accounts.identity_keys import identity_keys_refresh
from ordna.people.events import PeopleChanged


@db_task()
def identity_keys_refresh_job() -> int:
    """After an HR import has committed: the keys of the people it added or changed (docs/accounts.md)."""
    return identity_keys_refresh(force=True)


def on_people_changed(change: PeopleChanged) -> Mapping[str, int]:
    """After an HR import (people.changed), once it has committed: the worker makes the keys of the people it
    added or changed (`identity_keys_refresh_job`), in batches of their own. Not inside the import's
    transaction: at 100,000 people that is about a million keys, which held the write lock for most of the
    import. Until the worker has done it, the review pages bring the keys up to date themselves
    (`identity_keys_refresh`: the people's version differs from the stamp's)."""
    transaction.on_commit(refresh_later)
    return {}


def refresh_later() -> None:
    identity_keys_refresh_job()
