"""The demo's devices: laptops, phones and tokens, some still with people who left; loaded in bulk (no service
for thousands of hand-outs yet), audited as one step."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction

from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.demo.people import CONTRACTOR, EMPLOYEE, LONG_GONE, DemoPerson, day_at
from ordna.devices.models import Device, DeviceHolding


@dataclass(frozen=True)
class DemoDevice:
    asset_tag: str
    kind: str
    model: str
    serial: str
    holder: str  # employee id, "" in stock
    status: str
    expected_return: date | None
    issued_at: datetime | None
    former_holder: str = ""  # employee id of the leaver who returned it (the demo's history: ordna.demo.history)


LAPTOP_MODELS = (
    "Lenovo ThinkPad T14 Gen 4",
    "Lenovo ThinkPad T14s Gen 3",
    "Dell Latitude 5440",
    "HP EliteBook 840 G10",
    "MacBook Air 13 M2",
)
PHONE_MODELS = ("iPhone 14", "iPhone 15", "Samsung Galaxy S23", "Samsung Galaxy A54")
TOKEN_MODELS = ("YubiKey 5 NFC", "YubiKey 5C NFC")
TAG_PREFIX = {"laptop": "LT", "phone": "PH", "token": "TK"}
SERIAL_CHARACTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"


def demo_devices(*, people: Sequence[DemoPerson], seed: int, today: date, until: datetime) -> list[DemoDevice]:
    """A laptop for everyone who has started, phones for staff, tokens for some; a fifth of past leavers
    never returned theirs (still issued to the leaver); a few spares in stock."""
    rng = random.Random(f"ordna-demo:{seed}:devices")
    counters: Counter[str] = Counter()
    devices: list[DemoDevice] = []

    def device(
        kind: str,
        models: Sequence[str],
        holder: DemoPerson | None,
        expected_return: date | None,
        former_holder: str = "",
    ) -> None:
        counters[kind] += 1
        issued_at = None
        if holder is not None and holder.start_date is not None:
            issued_at = min(day_at(holder.start_date, 8) + timedelta(minutes=rng.randint(0, 120)), until)
        devices.append(
            DemoDevice(
                asset_tag=f"{TAG_PREFIX[kind]}-{counters[kind]:06d}",
                kind=kind,
                model=rng.choice(models),
                serial="".join(rng.choices(SERIAL_CHARACTERS, k=10)),
                holder=holder.employee_id if holder else "",
                status="issued" if holder else "in_stock",
                expected_return=expected_return,
                issued_at=issued_at,
                former_holder=former_holder,
            )
        )

    kept_any = False
    for person in people:
        phase = person.phase(today)
        if phase == "future":
            continue
        holder: DemoPerson | None = person
        expected_return = person.end_date
        former = ""
        if phase == "left":
            kept = rng.random() < 0.2
            if person.end_date is not None and person.end_date < today - LONG_GONE:
                kept = False  # long gone: returned (the draw stays, so the others do not change)
            kept_any = kept_any or kept
            holder = person if kept else None
            expected_return = person.end_date if kept else None
            former = "" if kept else person.employee_id
        device("laptop", LAPTOP_MODELS, holder, expected_return, former)
        if person.employment_type == EMPLOYEE:
            device("phone", PHONE_MODELS, holder, expected_return, former)
        wants_token = person.department in ("IT", "Finance", "Management") or rng.random() < 0.03
        if wants_token and person.employment_type != CONTRACTOR:
            device("token", TOKEN_MODELS, holder, expected_return, former)
    if not kept_any:
        # However small the demo, one leaver still has the laptop: the manager's task to collect it.
        leaver = next(p for p in people if p.phase(today) == "left")
        for number, item in enumerate(devices):
            if item.kind == "laptop" and item.status == "in_stock":
                devices[number] = DemoDevice(
                    item.asset_tag,
                    item.kind,
                    item.model,
                    item.serial,
                    leaver.employee_id,
                    "issued",
                    leaver.end_date,
                    day_at(leaver.start_date or today, 8),
                )
                break
    for _ in range(max(3, len(people) // 100)):
        device("laptop", LAPTOP_MODELS, None, None)
    return devices


def devices_demo_load(devices: Sequence[DemoDevice], *, pk_of: Mapping[str, int], actor: Actor, seed: int) -> None:
    """Write the devices, and the hand-outs of those out now, with bulk statements and one audit event."""
    rows = [
        Device(
            asset_tag=d.asset_tag,
            kind=d.kind,
            model=d.model,
            serial=d.serial,
            holder_id=pk_of[d.holder] if d.holder else None,
            status=d.status,
            expected_return=d.expected_return,
            issued_at=d.issued_at,
        )
        for d in devices
    ]
    with transaction.atomic():
        Device.objects.bulk_create(rows, batch_size=2000)
        ids = dict(Device.objects.filter(holder__isnull=False).values_list("asset_tag", "id"))
        DeviceHolding.objects.bulk_create(
            [
                DeviceHolding(
                    device_id=ids[d.asset_tag],
                    holder_id=pk_of[d.holder],
                    issued_at=d.issued_at,
                    expected_return=d.expected_return,
                )
                for d in devices
                if d.holder and d.issued_at is not None and d.asset_tag in ids
            ],
            batch_size=2000,
        )
        audit_record(
            actor=actor,
            action="demo.devices",
            target_type="devices.device",
            target_id=f"demo-seed-{seed}",
            after={"count": len(rows)},
        )
