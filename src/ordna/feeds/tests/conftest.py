"""Feeds' fixtures: an organisation with three leavers and twelve stayers, its HR file and M365 exports."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from ordna.conftest import hr_csv, hr_row
from ordna.lifecycle.tests.conftest import day

M365_HEADER = "User principal name,Display name,First name,Last name,Block credential,Licenses\n"
E3 = "Microsoft 365 E3"
LEAVERS = ("R1", "R2", "R3")
STAYERS = tuple(f"S{n:02}" for n in range(1, 13))


def person_row(employee_id: str) -> dict[str, str]:
    if employee_id in LEAVERS:
        return hr_row(employee_id, "Rut", f"Leaver{employee_id}", end_date=day(-10))
    return hr_row(employee_id, "Sam", f"Stayer{employee_id}")


HR_FILE = hr_csv([person_row(eid) for eid in (*LEAVERS, *STAYERS)])


def m365(*, blocked: tuple[str, ...] = (), only: tuple[str, ...] | None = None) -> str:
    """The admin centre's export: everyone (or `only` these) with E3, `blocked` ones blocked and unlicensed."""
    rows = []
    for eid in only if only is not None else (*LEAVERS, *STAYERS):
        row = person_row(eid)
        rows.append(
            f"{row['email']},{row['first_name']} {row['last_name']},{row['first_name']},{row['last_name']},"
            f"{'True' if eid in blocked else 'False'},{'Unlicensed' if eid in blocked else E3}\n"
        )
    return M365_HEADER + "".join(rows)


def drop(folder: Path, name: str, content: str | bytes, *, done: bool = False) -> Path:
    """A file put in a watch folder as written now (the suite's clock is frozen and ticks; files' is not)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    moment = timezone.now().timestamp()
    os.utime(path, (moment - 120, moment - 120))  # unchanged for two minutes: complete
    if done:
        (folder / f"{name}.done").write_text("")
    return path


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    return Path(settings.DATA_DIR)


@pytest.fixture
def m365_app(db: None) -> Any:
    from ordna.applications.models import Application

    return Application.objects.create(slug="m365", name="Microsoft 365")


@pytest.fixture
def feeds(data_dir: Path, m365_app: Any, actor: Any) -> Callable[..., Any]:
    """The HR feed and the M365 feed, both watch folders, daily at 06:00."""
    from ordna.feeds.services import feed_save

    def make() -> tuple[Any, Any]:
        hr = feed_save(name="hr", kind="folder", target="hr", actor=actor, now=timezone.now())
        accounts = feed_save(
            name="m365", kind="folder", target="accounts", application="m365", preset="m365", actor=actor,
            now=timezone.now(),
        )  # fmt: skip
        return hr, accounts

    return make
