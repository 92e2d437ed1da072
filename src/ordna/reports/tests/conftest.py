"""An organisation whose figures are known: two October leavers (one on time, one late), licences and
accounts whose findings give a known licence waste, and a September leaver for the trend."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from ordna.conftest import TODAY, hr_row
from ordna.core.actor import Actor

ACCOUNT_HEADER = "account_id,email,display_name,employee_id,status,last_login,license\n"


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def org(load_people: Callable[..., Any], write_file: Callable[..., Path], actor: Actor) -> dict[str, Any]:
    from ordna.accounts.importing import accounts_import
    from ordna.accounts.services import licenses_import
    from ordna.core.models import Supplier
    from ordna.devices.services import device_register
    from ordna.lifecycle.models import Case, Line
    from ordna.people.models import Person

    load_people(
        [
            hr_row("L1", "Åsa", "Öberg", end_date="2026-10-05"),  # a Monday
            hr_row("L2", "Joost", "van der Berg", end_date="2026-10-09"),  # a Friday
            hr_row("L3", "Sven", "Sept", end_date="2026-09-10"),
            hr_row("A1", "Anna", "Active"),
        ]
    )
    people = {p.employee_id: p for p in Person.objects.all()}
    supplier = Supplier.objects.create(name="Exempel IT AB")
    # L2's laptop, handed out in the summer and never returned.
    with time_machine.travel(at(date(2026, 6, 1)), tick=False):
        device_register(asset_tag="LT-9", kind="laptop", actor=actor, holder=people["L2"])
    licenses_import(
        path=write_file("prices.csv", "application,license,monthly_cost,currency,seats\ncrm,Pro,100.00,SEK,10\n"),
        actor=actor,
        today=TODAY,
    )
    rows = [
        "l1,,Åsa Öberg,L1,active,2026-10-01,Pro",  # a leaver still active: leaver_active and waste
        "l2,,Joost,L2,disabled,2026-10-01,Pro",  # disabled with a licence: waste
        "a1,,Anna,A1,active,2026-11-10,Pro",  # in use
        "ghost,,Nobody,,active,2026-11-10,Pro",  # an orphan: orphan and waste
    ]
    result = accounts_import(
        create_application=True,
        application_slug="crm",
        path=write_file("crm.csv", ACCOUNT_HEADER + "\n".join(rows) + "\n"),
        actor=actor,
        today=TODAY,
        preset="generic",
    )
    assert result.outcome == "applied", result.errors

    def case(person: str, last_day: date, status: str = "completed") -> Case:
        return Case.objects.create(
            person=people[person],
            effective_date=last_day,
            status=status,
            opened_by="test",
            opened_at=at(last_day),
            completed_at=at(last_day) if status == "completed" else None,
        )

    def line(case: Case, subject: str, due: date, closed: date | None, **extra: Any) -> Line:
        state = "attested" if closed else "open"
        return Line.objects.create(
            case=case,
            kind=extra.pop("kind", "task"),
            subject=subject,
            responsible=extra.pop("responsible", "hr"),
            due=due,
            state=state,
            closed_by="hr" if closed else "",
            closed_at=at(closed) if closed else None,
            **extra,
        )

    # L1: both lines closed by their due dates (on time).
    c1 = case("L1", date(2026, 10, 5))
    line(c1, "Final pay", date(2026, 10, 5), date(2026, 10, 5))
    line(c1, "Disable CRM", date(2026, 10, 6), date(2026, 10, 6), responsible="supplier", responsible_supplier=supplier)
    # L2: the laptop is still out (due Friday 9 October), the supplier closed its line 3 business days late.
    c2 = case("L2", date(2026, 10, 9), status="open")
    line(c2, "LT-9", date(2026, 10, 9), None, kind="device", responsible="manager")
    line(
        c2, "Disable CRM", date(2026, 10, 12), date(2026, 10, 15), responsible="supplier", responsible_supplier=supplier
    )
    # L3: September, on time.
    c3 = case("L3", date(2026, 9, 10))
    line(c3, "Final pay", date(2026, 9, 10), date(2026, 9, 9))
    return {"people": people, "cases": {"L1": c1, "L2": c2, "L3": c3}, "supplier": supplier, "waste": Decimal("300")}
