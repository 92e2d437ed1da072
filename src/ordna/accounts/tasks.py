"""The accounts app's background jobs (huey): the review queue's identity keys after an HR import."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from ordna.accounts.identity_keys import identity_keys_refresh


@db_task()
def identity_keys_refresh_job() -> int:
    """After an HR import has committed: the keys of the people it added or changed (docs/accounts.md)."""
    return identity_keys_refresh(force=True)
