"""What the accounts app announces to the apps above it (ordna.core.events; docs/architecture.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from ordna.core.actor import Actor
from ordna.core.events import Event

IMPORT = "import"  # how the accounts were seen: an export read by an import ...
READ_BACK = "read-back"  # ... or a connector reading the directory back


@dataclass(frozen=True)
class AccountsChanged:
    """An application's accounts were written by an import or a connector read, and its findings synced.

    `seen_by` says how they were seen (IMPORT or READ_BACK); `full` is true for a full snapshot (accounts
    missing from it are gone), false for a delta. `taken_at` is when the accounts were taken from the source
    (the export made, the directory read; None: now), and `import_run_id` the import run that wrote them, if
    any: the proof the lifecycle records on the lines it verifies.
    """

    application_id: int
    actor: Actor
    today: date
    seen_by: str = IMPORT
    full: bool = True
    taken_at: datetime | None = None
    import_run_id: int | None = None


# Each handler answers with counts ("verified": 3, ...) that the import may report.
accounts_changed: Event[AccountsChanged, Mapping[str, int]] = Event("accounts.changed")
