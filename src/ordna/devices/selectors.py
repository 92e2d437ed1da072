"""Reads of devices: the figure of devices not returned, as every report and page shows it (issue 16)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from ordna.core.companies import CompanyFilter, of_company
from ordna.devices.models import DeviceHolding, DeviceKind


def _end_of(day: date) -> datetime:
    """The first moment after `day`, in the organisation's time zone."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


@dataclass(frozen=True)
class DeviceOut:
    """A device still held at the end of a day after it was due back: past the hand-out's expected return, or
    past the last day of a holder who left, whichever came first (`due`)."""

    asset_tag: str
    kind: str
    employee_id: str
    name: str
    last_day: date | None  # the holder's last day, when they have one
    issued_at: datetime
    due: date  # the day it was expected back

    @property
    def kind_label(self) -> str:
        return str(DeviceKind(self.kind).label) if self.kind in DeviceKind.values else self.kind


def due_back(expected_return: date | None, last_day: date | None) -> date | None:
    """The one rule for when a held device is due back: the hand-out's expected return or the holder's last day,
    whichever is first; None when neither is set (held with no end in sight)."""
    days = [day for day in (expected_return, last_day) if day is not None]
    return min(days, default=None)


def devices_not_returned(days: Sequence[date], *, company: CompanyFilter = None) -> dict[date, list[DeviceOut]]:
    """For each day: the devices held at its end after they were due back (`due_back`: the expected return of the
    hand-out, or the holder's last day), from the hand-out history (of one company's people: `company`); one query
    for all the days. The check-in page, the dashboard, the monthly follow-up and its trend, the evidence pack and
    the API all count these (issue 23: a device past its expected return is not returned, whoever holds it)."""
    if not days:
        return {}
    first, last = min(days), max(days)
    rows = (
        DeviceHolding.objects.filter(of_company(company, person="holder"))
        .filter(issued_at__lt=_end_of(last))
        .filter(Q(holder__end_date__lt=last) | Q(expected_return__lt=last))
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=_end_of(first)))
        .order_by("holder__end_date", "expected_return", "device__asset_tag")
        .values_list(
            "device__asset_tag",
            "device__kind",
            "holder__employee_id",
            "holder__first_name",
            "holder__last_name",
            "holder__end_date",
            "expected_return",
            "issued_at",
            "ended_at",
        )
    )
    held = []
    for tag, kind, eid, first_name, last_name, left, expected, issued, ended in rows:
        due = due_back(expected, left)
        if due is not None:
            held.append((DeviceOut(tag, kind, eid, f"{first_name} {last_name}".strip(), left, issued, due), ended))
    result: dict[date, list[DeviceOut]] = {}
    for day in days:
        end = _end_of(day)
        result[day] = sorted(
            (out for out, ended in held if out.due < day and out.issued_at < end and (ended is None or ended >= end)),
            key=lambda out: (out.due, out.asset_tag),
        )
    return result
