"""Fixtures for offboarding tests: an organisation with leavers, and account exports written as files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from ordna.conftest import TODAY, hr_row
from ordna.core.actor import Actor

ACCOUNT_HEADER = "account_id,email,display_name,employee_id,status,last_login,license\n"


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


@pytest.fixture
def import_accounts(write_file: Callable[..., Path], actor: Actor) -> Callable[..., Any]:
    """Import a generic export for `app`: rows of (employee_id, status, licences)."""
    from ordna.accounts.importing import accounts_import

    def run(app: str, rows: list[tuple[str, str, str]], *, today: date = TODAY, **options: Any) -> Any:
        lines = [
            f"{eid.lower()}@{app}.example.org,,{eid},{eid},{status},{TODAY.isoformat()},{licences}\n"
            for eid, status, licences in rows
        ]
        path = write_file(f"{app}.csv", ACCOUNT_HEADER + "".join(lines))
        result = accounts_import(
            create_application=True,
            application_slug=app,
            path=path,
            actor=actor,
            today=today,
            preset="generic",
            **options,
        )
        assert result.outcome == "applied", [str(e) for e in result.errors]
        return result

    return run


@pytest.fixture
def org(load_people: Callable[..., Any]) -> dict[str, Any]:
    """M1 manages everyone. L1 leaves in 5 days, L2 in 14 (the lead time's edge), F1 in 15 (not yet), R1 left
    10 days ago, O1 left 45 days ago (too long ago for a case on a first import), A1 stays."""
    rows = [
        hr_row("M1", "Maria", "Manager"),
        hr_row("L1", "Lena", "Leaver", manager_employee_id="M1", end_date=day(5)),
        hr_row("L2", "Lars", "Later", manager_employee_id="M1", end_date=day(14)),
        hr_row("F1", "Frida", "Future", manager_employee_id="M1", end_date=day(15)),
        hr_row("R1", "Rolf", "Recent", manager_employee_id="M1", end_date=day(-10)),
        hr_row("O1", "Olle", "Old", manager_employee_id="M1", end_date=day(-45)),
        hr_row("A1", "Anna", "Active", manager_employee_id="M1"),
    ]
    load_people(rows)
    return {"rows": rows}


@pytest.fixture
def it(make_user: Callable[..., Any]) -> Actor:
    """An IT coordinator: responsible for the lines of applications without an owner or supplier, and the
    coordinator's tasks; anyone else's lines only by override."""
    return Actor.for_user(make_user("coordinator"))


@pytest.fixture
def it2(make_user: Callable[..., Any]) -> Actor:
    """A second IT coordinator, to approve what the first asks for."""
    return Actor.for_user(make_user("coordinator"))


def after(days: int, hour: int = 9) -> Any:
    """Travel to `days` after TODAY at `hour` o'clock in Stockholm (the clock ticks from there)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import time_machine

    moment = datetime.combine(TODAY + timedelta(days=days), datetime.min.time()).replace(
        hour=hour, tzinfo=ZoneInfo("Europe/Stockholm")
    )
    return time_machine.travel(moment, tick=True)
