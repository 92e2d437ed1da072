"""The worker's scheduled jobs run on the organisation's clock (ORDNA_TIME_ZONE), in summer and in winter, and
docs/operations.md lists every one of them."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from django.utils.module_loading import autodiscover_modules
from huey.contrib.djhuey import HUEY

OPERATIONS = Path(__file__).resolve().parents[4] / "docs" / "operations.md"


def periodic_jobs() -> dict[str, object]:
    autodiscover_modules("tasks")
    return {task_class.__name__: task_class() for task_class in HUEY._registry._periodic_tasks}


def due_minutes(job: object, day: str) -> list[str]:
    """The UTC minutes of `day` at which huey (whose clock is UTC) would start `job`."""
    start = datetime.fromisoformat(f"{day}T00:00")
    return [
        f"{hour:02d}:{minute:02d}"
        for hour in range(24)
        for minute in range(60)
        if job.validate_datetime(start.replace(hour=hour, minute=minute))  # type: ignore[attr-defined]
    ]


@pytest.mark.parametrize(
    ("job", "winter_utc", "summer_utc"),
    [
        ("leavers_sign_in_end_daily", ["23:15"], ["22:15"]),  # 00:15 in Stockholm: the day before in UTC
        ("cases_open_daily", ["04:30"], ["03:30"]),  # 05:30 in Stockholm
        ("retention_daily", ["01:30"], ["00:30"]),  # 02:30 in Stockholm
        ("monthly_report_mail", ["06:00"], ["05:00"]),  # 07:00 in Stockholm
    ],
)
def test_daily_jobs_run_at_the_same_local_time_all_year(job: str, winter_utc: list[str], summer_utc: list[str]) -> None:
    jobs = periodic_jobs()
    assert due_minutes(jobs[job], "2026-01-15") == winter_utc
    assert due_minutes(jobs[job], "2026-07-15") == summer_utc


def test_a_half_hour_zone_is_followed(settings: object) -> None:
    settings.TIME_ZONE = "Asia/Kolkata"  # type: ignore[attr-defined]  # UTC+05:30
    assert due_minutes(periodic_jobs()["cases_open_daily"], "2026-07-15") == ["00:00"]


def test_the_case_opening_runs_before_the_first_reminders_in_summer(settings: object) -> None:
    """The reminders start at ORDNA_REMIND_HOUR local time; the day's cases must be open by then."""
    opening = due_minutes(periodic_jobs()["cases_open_daily"], "2026-07-15")[0]
    first_reminder_utc = f"{settings.ORDNA_REMIND_HOUR - 2:02d}:00"  # type: ignore[attr-defined]  # CEST
    assert opening < first_reminder_utc


def test_every_job_is_listed_in_the_operations_docs_and_nothing_else() -> None:
    text = OPERATIONS.read_text(encoding="utf-8")
    section = text.split("## Background jobs", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE))
    assert listed == set(periodic_jobs())
