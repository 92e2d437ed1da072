"""`accounts.changed`, announced in a transaction of its own right after the accounts' (issue 26).

What the apps above do about changed accounts (offboarding verifies, reopens and adds lines, and syncs
`excess_access`) reads every account of the application: for a million accounts that is seconds of the
write lock. So the transaction that writes the accounts records the announcement it owes
(`AccountsCheckPending`, `pending_record`) instead of sending it, and once it commits `announce_pending`
sends it in a transaction of its own, which also deletes the record: a small write waits for one of the two
at most, never for both. All or nothing holds for each: killed between them, the accounts are applied and the
record stays; the next account import or reconcile sends it (every listener is idempotent: a line verified
once is not verified again). An announcement whose application changed again before it was sent is dropped:
it would name this import as the proof of what a later one wrote, and the later one owes its own.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from ordna.accounts.events import AccountsChanged, accounts_changed
from ordna.accounts.models import AccountsCheckPending
from ordna.applications.models import Application
from ordna.core.actor import Actor
from ordna.core.models import User


def pending_record(change: AccountsChanged) -> int:
    """In the transaction that changed the application's accounts (and raised its accounts_version): record
    the announcement `change` owes; returns its id."""
    version = Application.objects.filter(pk=change.application_id).values_list("accounts_version", flat=True)[0]
    return int(
        AccountsCheckPending.objects.create(
            application_id=change.application_id,
            accounts_version=version,
            change=_as_json(change),
            created_at=timezone.now(),
        ).pk
    )


def announce_pending(application_id: int | None = None) -> int:
    """Send the announcements owed (of one application, or all), oldest first, each in a transaction of its
    own; returns how many were sent (not dropped)."""
    owed = AccountsCheckPending.objects.order_by("pk")
    if application_id is not None:
        owed = owed.filter(application_id=application_id)
    return sum(announce(pk) for pk in owed.values_list("pk", flat=True))


def announce(pending_id: int) -> bool:
    """Send one owed announcement and delete its record, in one transaction; False when another process
    sent it already, or when the application's accounts changed again since (that change owes its own)."""
    with transaction.atomic():
        owed = AccountsCheckPending.objects.select_for_update().filter(pk=pending_id).first()
        if owed is None:
            return False
        owed.delete()
        version = Application.objects.filter(pk=owed.application_id).values_list("accounts_version", flat=True).first()
        if version != owed.accounts_version:
            return False
        accounts_changed.send(_from_json(owed.application_id, owed.change))
    return True


def _as_json(change: AccountsChanged) -> dict[str, Any]:
    def moment(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "actor": [change.actor.ref, change.actor.label],
        "today": change.today.isoformat(),
        "seen_by": change.seen_by,
        "full": change.full,
        "taken_at": moment(change.taken_at),
        "import_run_id": change.import_run_id,
        "proves_status": change.proves_status,
        "proves_licences": change.proves_licences,
        "seen_at": moment(change.seen_at),
    }


def _from_json(application_id: int, values: dict[str, Any]) -> AccountsChanged:
    def moment(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value is not None else None

    ref, label = values["actor"]
    user = User.objects.filter(pk=int(ref.split(":", 1)[1])).first() if ref.startswith("user:") else None
    return AccountsChanged(
        application_id=application_id,
        actor=Actor(ref=ref, label=label, user=user),
        today=date.fromisoformat(values["today"]),
        seen_by=values["seen_by"],
        full=values["full"],
        taken_at=moment(values["taken_at"]),
        import_run_id=values["import_run_id"],
        proves_status=values["proves_status"],
        proves_licences=values["proves_licences"],
        seen_at=moment(values["seen_at"]),
    )
