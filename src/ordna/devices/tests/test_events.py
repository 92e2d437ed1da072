"""Handing a device out and taking it back announce `devices.issued` and `devices.returned` inside their
transaction, and work without anyone listening."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ordna.conftest import hr_row
from ordna.devices.events import DeviceMoved, device_issued, device_returned
from ordna.devices.models import Device
from ordna.devices.services import device_check_in, device_issue, device_register
from ordna.people.models import Person

pytestmark = pytest.mark.django_db


def recorder(heard: list[tuple[str, str, int | None]], name: str) -> Callable[[DeviceMoved], int]:
    def listen(moved: DeviceMoved) -> int:
        heard.append((name, moved.device.asset_tag, moved.holder_id))
        return 0

    return listen


def test_issuing_and_checking_in_announce_the_device_and_its_holder(load_people, actor) -> None:
    load_people([hr_row("E1"), hr_row("E2")])
    e1, e2 = Person.objects.get(employee_id="E1"), Person.objects.get(employee_id="E2")
    heard: list[tuple[str, str, int | None]] = []
    with device_issued.replaced(recorder(heard, "issued")), device_returned.replaced(recorder(heard, "returned")):
        laptop = device_register(asset_tag="LT-1", kind="laptop", actor=actor, holder=e1)
        device_register(asset_tag="LT-2", kind="laptop", actor=actor)  # into stock: nobody to tell
        device_check_in(device=laptop, actor=actor)
        device_check_in(device=laptop, actor=actor)  # in stock already: nothing happens
        device_issue(device=laptop, holder=e2, actor=actor)
    assert heard == [("issued", "LT-1", e1.pk), ("returned", "LT-1", e1.pk), ("issued", "LT-1", e2.pk)]


def test_without_listeners_devices_are_handed_out_and_taken_back(load_people, actor) -> None:
    load_people([hr_row("E1")])
    with device_issued.replaced(), device_returned.replaced():
        laptop = device_register(asset_tag="LT-1", kind="laptop", actor=actor, holder=Person.objects.get())
        device_check_in(device=laptop, actor=actor)
    assert Device.objects.values_list("asset_tag", "status", "holder")[0] == ("LT-1", "in_stock", None)
