"""Devices in the API: the scoped list, registering, handing out and taking back."""

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from ordna.core import access
from ordna.core.access import in_companies
from ordna.core.actor import Actor
from ordna.core.api import Capability, ErrorOut, Refused, changes_of
from ordna.core.errors import no_person
from ordna.core.web import user_of
from ordna.devices import services
from ordna.devices.models import Device
from ordna.devices.scopes import devices_scope
from ordna.people.models import Person

router = Router(tags=["devices"])


class DeviceOut(Schema):
    asset_tag: str
    kind: str
    model: str
    serial: str
    holder: str | None
    status: str
    expected_return: date | None

    @staticmethod
    def resolve_holder(obj: Any) -> str | None:
        return obj.holder.employee_id if obj.holder_id else None


class DeviceIn(Schema):
    asset_tag: str
    kind: str
    model: str = ""
    serial: str = ""
    holder: str | None = None
    expected_return: date | None = None


class DevicePatch(Schema):
    holder: str | None = None
    check_in: bool = False
    model: str | None = None
    serial: str | None = None
    status: str | None = None
    expected_return: date | None = None


def _person(request: HttpRequest, employee_id: str) -> Person:
    """The holder named by employee id, among the people of the user's companies (docs/companies.md)."""
    person = Person.objects.filter(in_companies(user_of(request), "company"), employee_id=employee_id).first()
    if person is None:
        raise Refused(no_person("holder", employee_id))
    return person


@router.get("/devices", response=list[DeviceOut], summary="Devices", auth=Capability("devices.list"))
@paginate
def device_list(request: HttpRequest, kind: str = "", status: str = "", holder: str = "") -> Any:
    devices = devices_scope(user_of(request)).select_related("holder")
    if kind:
        devices = devices.filter(kind=kind)
    if status:
        devices = devices.filter(status=status)
    if holder:
        devices = devices.filter(holder__employee_id=holder)
    return devices


@router.post(
    "/devices", response={201: DeviceOut, 422: ErrorOut}, summary="Register a device", auth=Capability("devices.edit")
)
def device_create(request: HttpRequest, payload: DeviceIn) -> Any:
    holder = _person(request, payload.holder) if payload.holder else None
    try:
        device = services.device_register(
            asset_tag=payload.asset_tag,
            kind=payload.kind,
            model=payload.model,
            serial=payload.serial,
            holder=holder,
            expected_return=payload.expected_return,
            actor=Actor.for_user(user_of(request)),
        )
    except services.DeviceError as exc:
        raise Refused(exc) from exc
    return Status(201, device)


@router.patch(
    "/devices/{asset_tag}",
    response={200: DeviceOut, 404: ErrorOut, 422: ErrorOut},
    summary="Hand out (holder), take back (check_in) or change a device",
    auth=Capability("devices.edit"),
)
def device_patch(request: HttpRequest, asset_tag: str, payload: DevicePatch) -> Any:
    device: Device = access.get_in_scope(devices_scope(user_of(request)), asset_tag=asset_tag)
    actor = Actor.for_user(user_of(request))
    data = changes_of(payload, model=Device)
    try:
        if data.pop("check_in", False):
            device = services.device_check_in(device=device, actor=actor)
        if data.get("holder"):
            device = services.device_issue(
                device=device,
                holder=_person(request, data.pop("holder")),
                actor=actor,
                expected_return=data.pop("expected_return", None),
            )
        data.pop("holder", None)
        if data:
            device = services.device_update(device=device, actor=actor, **data)
    except services.DeviceError as exc:
        raise Refused(exc) from exc
    return device
