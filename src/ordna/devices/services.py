"""Writes to devices: register, hand out, take back; audited."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.core.errors import ServiceError
from ordna.devices.events import DeviceMoved, device_issued, device_returned
from ordna.devices.models import Device, DeviceHolding, DeviceKind, DeviceStatus
from ordna.people.models import Person

DEVICE_FIELDS = ("kind", "model", "serial", "status", "holder_id", "expected_return")


class DeviceError(ServiceError):
    """A device cannot be registered or changed as asked; `field` names the input."""


def _state(device: Device) -> dict[str, Any]:
    return {f: getattr(device, f) for f in DEVICE_FIELDS}


def _holding_end(device: Device, at: datetime) -> None:
    """The device's current holding, if any, ends `at` (checked in, lost, retired or handed to someone else)."""
    DeviceHolding.objects.filter(device=device, ended_at__isnull=True).update(ended_at=at)


def _holding_start(device: Device, holder: Person, at: datetime) -> None:
    _holding_end(device, at)
    DeviceHolding.objects.create(device=device, holder=holder, issued_at=at, expected_return=device.expected_return)


def device_register(
    *,
    asset_tag: str,
    kind: str,
    actor: Actor,
    model: str = "",
    serial: str = "",
    holder: Person | None = None,
    expected_return: date | None = None,
) -> Device:
    """Register a device, in stock or handed out to `holder`."""
    asset_tag = asset_tag.strip()
    if not asset_tag:
        raise DeviceError(_("Fill in the asset tag."), field="asset_tag")
    if kind not in DeviceKind.values:
        raise DeviceError(_("The kind is one of %(kinds)s."), field="kind", kinds=", ".join(DeviceKind.values))
    if Device.objects.filter(asset_tag=asset_tag).exists():
        raise DeviceError(
            _("A device with the asset tag %(tag)s exists already."), field="asset_tag", tag=repr(asset_tag)
        )
    with transaction.atomic():
        device = Device.objects.create(
            asset_tag=asset_tag,
            kind=kind,
            model=model,
            serial=serial,
            holder=holder,
            status=DeviceStatus.ISSUED if holder else DeviceStatus.IN_STOCK,
            expected_return=expected_return,
            issued_at=timezone.now() if holder else None,
        )
        audit_record(actor=actor, action="device.registered", target=device, after=_state(device))
        if holder is not None and device.issued_at is not None:
            _holding_start(device, holder, device.issued_at)
            device_issued.send(DeviceMoved(device=device, actor=actor, holder_id=holder.pk))
    return device


def device_issue(*, device: Device, holder: Person, actor: Actor, expected_return: date | None = None) -> Device:
    with transaction.atomic():
        before = _state(device)
        device.holder, device.status = holder, DeviceStatus.ISSUED
        device.expected_return, device.issued_at = expected_return, timezone.now()
        device.save()
        _holding_start(device, holder, device.issued_at)
        audit_record(actor=actor, action="device.issued", target=device, before=before, after=_state(device))
        # The check-out is evidence for the apps above (it verifies a joiner's or mover's device line).
        device_issued.send(DeviceMoved(device=device, actor=actor, holder_id=holder.pk))
    return device


def device_check_in(*, device: Device, actor: Actor) -> Device:
    """Take a device back into stock; idempotent."""
    if device.status == DeviceStatus.IN_STOCK:
        return device
    with transaction.atomic():
        before = _state(device)
        device.holder, device.status, device.expected_return = None, DeviceStatus.IN_STOCK, None
        device.save()
        _holding_end(device, timezone.now())
        audit_record(actor=actor, action="device.checked_in", target=device, before=before, after=_state(device))
        # The check-in is evidence for the apps above (it verifies the device's line in a leaver case).
        device_returned.send(DeviceMoved(device=device, actor=actor, holder_id=before["holder_id"]))
    return device


def device_update(*, device: Device, actor: Actor, **changes: Any) -> Device:
    """Change descriptive fields or mark a device lost or retired (retiring releases its holder)."""
    allowed = {"model", "serial", "status", "expected_return"}
    unknown = set(changes) - allowed
    if unknown:
        raise DeviceError(_("These cannot be changed here: %(names)s."), names=", ".join(sorted(unknown)))
    status = changes.get("status")
    if status is not None and status not in (DeviceStatus.LOST, DeviceStatus.RETIRED, device.status):
        raise DeviceError(_("Hand a device out or take it back with issue or check-in."), field="status")
    with transaction.atomic():
        before = _state(device)
        for name, value in changes.items():
            setattr(device, name, value)
        if device.status == DeviceStatus.RETIRED:
            device.holder = None
        device.save()
        if device.status in (DeviceStatus.LOST, DeviceStatus.RETIRED):
            _holding_end(device, timezone.now())  # written off: no longer a device to collect
        elif "expected_return" in changes:  # the hand-out's expected return moves with it
            DeviceHolding.objects.filter(device=device, ended_at__isnull=True).update(
                expected_return=device.expected_return
            )
        audit_record(actor=actor, action="device.updated", target=device, before=before, after=_state(device))
    return device
