"""The demo's reminders: the last three business days' digests claimed (and, after the load commits, sent to
the outbox directory, or the SMTP server when one is configured), so the notification log has history."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction

from ordna.core.actor import Actor
from ordna.core.business_days import add_business_days
from ordna.notifications.services import digests_send_due, reminders_run


def notifications_demo_load(*, actor: Actor, today: date) -> int:
    """Claim the digests of the last three business days up to `today`; returns how many."""
    country = settings.ORDNA_HOLIDAY_COUNTRY
    last = add_business_days(today, 0, country)
    days = sorted({add_business_days(last, -back, country) for back in range(3)})
    claimed = sum(reminders_run(actor=actor, today=day).created for day in days if day <= today)
    transaction.on_commit(lambda: digests_send_due())
    return claimed
