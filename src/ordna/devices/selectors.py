"""Reads of devices: the figure of devices not returned, as every report and page shows it (issue 16)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from ordna.core.companies import CompanyFilter, of_company
from ordna.devices.models import DeviceHolding


def _end_of(day: date) -> datetime:
    """The first moment after `day`, in the organisation's time zone."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


@dataclass(frozen=True)
class DeviceOut:
    """A device held at the end of a day by someone whose last day was before it."""

    asset_tag: str
    kind: str
    employee_id: str
    name: str
    last_day: date
    issued_at: datetime


def devices_not_returned(days: Sequence[date], *, company: CompanyFilter = None) -> dict[date, list[DeviceOut]]:
    """For each day: the devices held at its end by people whose last day was before it (they had left),
    from the hand-out history (of one company's people: `company`); one query for all the days. The dashboard,
    the monthly follow-up and its trend, the evidence pack and the API all count these."""
    if not days:
        return {}
    first, last = min(days), max(days)
    rows = (
        DeviceHolding.objects.filter(of_company(company, person="holder"))
        .filter(issued_at__lt=_end_of(last), holder__end_date__lt=last)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=_end_of(first)))
        .order_by("holder__end_date", "device__asset_tag")
        .values_list(
            "device__asset_tag",
            "device__kind",
            "holder__employee_id",
            "holder__first_name",
            "holder__last_name",
            "holder__end_date",
            "issued_at",
            "ended_at",
        )
    )
    held = list(rows)
    result: dict[date, list[DeviceOut]] = {}
    for day in days:
        end = _end_of(day)
        result[day] = [
            DeviceOut(tag, kind, eid, f"{first_name} {last_name}".strip(), left, issued)
            for tag, kind, eid, first_name, last_name, left, issued, ended in held
            if left is not None and left < day and issued < end and (ended is None or ended >= end)
        ]
    return result
