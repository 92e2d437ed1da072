"""What the accounts app announces to the apps above it (ordna.core.events; docs/architecture.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from ordna.core.actor import Actor
from ordna.core.events import Event

IMPORT = "import"  # how the accounts were seen: an export read by an import ...
READ_BACK = "read-back"  # ... or a connector reading the directory back


@dataclass(frozen=True)
class AccountsChanged:
    """An application's accounts were written by an import or a connector read, and its findings synced.

    `seen_by` says how they were seen (IMPORT or READ_BACK); `full` is true for a full snapshot (accounts
    missing from it are gone), false for a delta.
    """

    application_id: int
    actor: Actor
    today: date
    seen_by: str = IMPORT
    full: bool = True


# Each handler answers with counts ("verified": 3, ...) that the import may report.
accounts_changed: Event[AccountsChanged, Mapping[str, int]] = Event("accounts.changed")
