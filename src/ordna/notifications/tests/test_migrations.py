"""Digests keyed by address instead of by user (issue 17): an existing log survives the migration whole."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("notifications", "0001_initial")]
AFTER = [("notifications", "0002_digests_by_address")]
AT = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Europe/Stockholm"))


@pytest.mark.django_db(transaction=True)
def test_the_log_is_kept_with_lower_case_addresses_names_and_people() -> None:
    from ordna.notifications.models import Digest

    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    MigrationExecutor(connection).migrate(BEFORE)
    try:
        apps = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        person = apps.get_model("people", "Person").objects.create(employee_id="M1", first_name="Maja", last_name="M")
        users = apps.get_model("core", "User").objects
        maja = users.create(username="maja", first_name="Maja", last_name="Manager", person_id=person.pk)
        twin = users.create(username="twin")
        old = apps.get_model("notifications", "Digest").objects
        common = {"top_step": "due", "next_attempt_at": AT, "created_at": AT, "state": "sent", "sent_at": AT}
        first = old.create(day=date(2026, 11, 2), recipient=maja, address="Maja@Example.org", **common)
        # Two users who shared one address were two digests on one day: both stay, the later as it was written.
        shared = old.create(day=date(2026, 11, 2), recipient=twin, address="maja@example.org", **common)
        later = old.create(day=date(2026, 11, 3), recipient=maja, address="Maja@Example.org", **common)
        webhook = old.create(day=date(2026, 11, 2), channel="webhook", role="hr", **common)
        MigrationExecutor(connection).migrate(AFTER)
    finally:
        MigrationExecutor(connection).migrate(latest)

    rows = {d.pk: d for d in Digest.objects.all()}
    assert (rows[first.pk].address, rows[first.pk].origin, rows[first.pk].name, rows[first.pk].person_id) == (
        "maja@example.org",
        "user",
        "Maja Manager",
        person.pk,
    )
    assert (rows[shared.pk].address, rows[shared.pk].recipient_id) == (f"maja@example.org#{shared.pk}", twin.pk)
    assert rows[later.pk].address == "maja@example.org"
    assert (rows[webhook.pk].channel, rows[webhook.pk].role) == ("webhook", "hr")
    assert len(rows) == 4
