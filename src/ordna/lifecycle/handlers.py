"""What the lifecycle does when an app below it announces a change (ordna.core.events, docs/architecture.md).

`subscribe` runs once, from `LifecycleConfig.ready`. Every handler runs inside the sender's transaction, so
the cases and lines it writes commit or roll back with the import or check-in that set it off, and the
audit chain sees one transaction, exactly as when the lower apps called the lifecycle directly.

- `people.changed` (the HR import): open, re-plan and cancel cases; open mover cases.
- `accounts.changed` (an account import, a connector's sync or read-back): reopen the lines it contradicts and
  verify lines, by the facts its source can prove; add lines for accounts that appeared, verify lines that
  give, sync `excess_access`.
- `devices.issued` (a device handed out): verify a line that gives a device of its kind (check-out).
- `devices.returned` (a device checked in): verify the device's lines (check-in).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict

from ordna.accounts.events import AccountsChanged, accounts_changed
from ordna.core.clock import today
from ordna.devices.events import DeviceMoved, device_issued, device_returned
from ordna.lifecycle.leaver import lines_verify_device
from ordna.lifecycle.models import VerifiedBy
from ordna.lifecycle.services import cases_after_hr_import, lines_after_accounts_change
from ordna.lifecycle.verification import grants_verify_device
from ordna.people.events import PeopleChanged, people_changed


def on_people_changed(change: PeopleChanged) -> Mapping[str, int]:
    """Cases opened, re-planned and cancelled, and lines added: the HR import reports them."""
    return cases_after_hr_import(
        actor=change.actor,
        today=change.today,
        newly_ended=change.newly_ended,
        moved=change.moved,
        companies_before=change.companies_before,
    ).counts()


def on_accounts_changed(change: AccountsChanged) -> Mapping[str, int]:
    """Lines verified, reopened and added, and `excess_access` findings opened and resolved."""
    result = lines_after_accounts_change(
        application_id=change.application_id,
        today=change.today,
        actor=change.actor,
        verified_by=VerifiedBy(change.seen_by),
        taken_at=change.taken_at,
        run_id=change.import_run_id,
        full=change.full,
        proves_status=change.proves_status,
        proves_licences=change.proves_licences,
        seen_at=change.seen_at,
    )
    return asdict(result)


def on_device_issued(moved: DeviceMoved) -> int:
    return grants_verify_device(device=moved.device, actor=moved.actor, today=today())


def on_device_returned(moved: DeviceMoved) -> int:
    return lines_verify_device(device=moved.device, actor=moved.actor, today=today())


def subscribe() -> None:
    """Listen to the lower apps' events; calling it again changes nothing."""
    people_changed.subscribe(on_people_changed)
    accounts_changed.subscribe(on_accounts_changed)
    device_issued.subscribe(on_device_issued)
    device_returned.subscribe(on_device_returned)
