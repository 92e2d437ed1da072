"""The lifecycle listens to the apps below it (handlers.py), inside their transactions: what it fails to do
rolls their change back, and the audit chain holds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ordna.accounts.announcing import announce_pending
from ordna.accounts.events import accounts_changed
from ordna.accounts.importing import accounts_import
from ordna.accounts.models import Account, AccountsCheckPending
from ordna.applications.models import Application
from ordna.conftest import TODAY, hr_csv, hr_row
from ordna.core.audit import audit_verify
from ordna.core.models import AuditEvent, ImportRun
from ordna.devices.events import device_issued, device_returned
from ordna.devices.models import Device
from ordna.devices.services import device_check_in, device_register
from ordna.lifecycle import handlers
from ordna.lifecycle.models import Case, Line
from ordna.lifecycle.tests.conftest import ACCOUNT_HEADER
from ordna.people.events import people_changed
from ordna.people.models import Person
from ordna.people.services import people_import

pytestmark = pytest.mark.django_db(transaction=True)


class Refused(RuntimeError):
    pass


def refuse(**kwargs: Any) -> Any:
    raise Refused("the lifecycle cannot do it")


def written() -> tuple[int, ...]:
    return (
        Person.objects.count(),
        Account.objects.count(),
        Application.objects.count(),
        ImportRun.objects.count(),
        Case.objects.count(),
        Line.objects.count(),
        AuditEvent.objects.count(),
    )


def test_the_lifecycle_listens_to_people_accounts_and_devices() -> None:
    assert handlers.on_people_changed in people_changed.handlers
    assert handlers.on_accounts_changed in accounts_changed.handlers
    assert handlers.on_device_issued in device_issued.handlers
    assert handlers.on_device_returned in device_returned.handlers


def test_a_failing_subscriber_rolls_the_hr_import_back(load_people, write_file, actor, monkeypatch) -> None:
    load_people([hr_row("E1")])
    before = written()
    monkeypatch.setattr(handlers, "cases_after_hr_import", refuse)
    path = write_file("hr2.csv", hr_csv([hr_row("E1", end_date=(TODAY + timedelta(days=3)).isoformat()), hr_row("E2")]))
    with pytest.raises(Refused):
        people_import(path=path, actor=actor, today=TODAY)
    assert written() == before
    assert Person.objects.get(employee_id="E1").end_date is None
    assert audit_verify().ok


def test_a_failing_subscriber_leaves_the_accounts_applied_and_the_check_owed(
    load_people, write_file, actor, monkeypatch
) -> None:
    """accounts.changed follows the accounts' commit in a transaction of its own (issue 26): a subscriber that
    fails rolls back its own work only, and the announcement stays owed until it is sent."""
    load_people([hr_row("E1", end_date=(TODAY + timedelta(days=3)).isoformat())])
    people, accounts, applications, runs, cases, lines, _events = written()
    monkeypatch.setattr(handlers, "lines_after_accounts_change", refuse)
    path = write_file("crm.csv", ACCOUNT_HEADER + "e1@example.org,,,E1,active,2026-11-10,Pro\n")
    with pytest.raises(Refused):
        accounts_import(
            create_application=True, application_slug="crm", path=path, actor=actor, today=TODAY, preset="generic"
        )
    assert written()[:6] == (people, accounts + 1, applications + 1, runs + 1, cases, lines)  # no line yet
    assert AccountsCheckPending.objects.count() == 1
    assert audit_verify().ok

    monkeypatch.undo()
    assert announce_pending() == 1  # as the next import or reconcile does
    assert not AccountsCheckPending.objects.exists()
    assert Line.objects.count() > lines  # the leaver's new account got its lines
    assert audit_verify().ok


def test_a_failing_subscriber_rolls_the_check_in_back(load_people, actor, monkeypatch) -> None:
    load_people([hr_row("E1")])
    laptop = device_register(asset_tag="LT-1", kind="laptop", actor=actor, holder=Person.objects.get())
    before = written()
    monkeypatch.setattr(handlers, "lines_verify_device", refuse)
    with pytest.raises(Refused):
        device_check_in(device=Device.objects.get(pk=laptop.pk), actor=actor)
    assert Device.objects.values_list("status", "holder__employee_id").get() == ("issued", "E1")
    assert written() == before
    assert audit_verify().ok
