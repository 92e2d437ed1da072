"""The device list, within the user's scope."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ordna.core import access
from ordna.core.web import capability, paginate, query_without_page, user_of
from ordna.devices.models import DeviceKind, DeviceStatus
from ordna.devices.scopes import devices_scope


@capability("devices.list")
def device_list(request: HttpRequest) -> HttpResponse:
    devices = devices_scope(user_of(request)).select_related("holder")
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    if q:
        devices = devices.filter(
            Q(asset_tag__icontains=q)
            | Q(serial__icontains=q)
            | Q(model__icontains=q)
            | Q(holder__last_name__icontains=q)
            | Q(holder__employee_id__iexact=q)
        )
    if kind in DeviceKind.values:
        devices = devices.filter(kind=kind)
    if status in DeviceStatus.values:
        devices = devices.filter(status=status)
    return render(
        request,
        "devices/list.html",
        {
            "page": paginate(request, devices),
            "q": q,
            "kind": kind,
            "status": status,
            "kinds": DeviceKind.choices,
            "statuses": DeviceStatus.choices,
            "query": query_without_page(request),
            "can_check_in": access.can(user_of(request), "devices.edit"),
        },
    )
