"""What the devices app announces to the apps above it (ordna.core.events; docs/architecture.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ordna.core.actor import Actor
from ordna.core.events import Event

if TYPE_CHECKING:
    from ordna.devices.models import Device


@dataclass(frozen=True)
class DeviceMoved:
    """A device was handed out (`device.holder` is its new holder) or taken back into stock (`holder_id`
    was its holder before the check-in)."""

    device: Device
    actor: Actor
    holder_id: int | None


# Each handler answers with the number of case lines it closed.
device_issued: Event[DeviceMoved, int] = Event("devices.issued")
device_returned: Event[DeviceMoved, int] = Event("devices.returned")
