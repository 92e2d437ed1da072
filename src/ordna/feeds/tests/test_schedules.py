"""The schedule of a feed, pure: "daily at HH:MM" and cron expressions, across days and daylight saving."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ordna.feeds.schedules import ScheduleInvalid, next_run, schedule_parse

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def after(schedule: str, moment: datetime) -> datetime:
    return next_run(schedule_parse(schedule), after=moment, zone=STOCKHOLM)


def test_daily_at_runs_later_today_or_tomorrow() -> None:
    assert after("daily at 06:00", datetime(2026, 11, 16, 5, 59, tzinfo=STOCKHOLM)) == datetime(
        2026, 11, 16, 6, 0, tzinfo=STOCKHOLM
    )
    assert after("Daily 6:00", datetime(2026, 11, 16, 6, 0, tzinfo=STOCKHOLM)) == datetime(
        2026, 11, 17, 6, 0, tzinfo=STOCKHOLM
    )


def test_cron_weekdays_skip_the_weekend_and_keep_the_wall_clock_across_daylight_saving() -> None:
    friday = datetime(2026, 10, 23, 7, 0, tzinfo=STOCKHOLM)
    assert after("30 5 * * 1-5", friday) == datetime(2026, 10, 26, 5, 30, tzinfo=STOCKHOLM)  # Monday, after DST
    assert after("*/15 * * * *", datetime(2026, 11, 16, 9, 7, tzinfo=STOCKHOLM)).minute == 15
    # Both day fields restricted: either matches, as cron does (the 1st, or any Sunday)
    assert after("0 6 1 * 0", datetime(2026, 11, 16, 7, 0, tzinfo=STOCKHOLM)) == datetime(
        2026, 11, 22, 6, 0, tzinfo=STOCKHOLM
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("every morning", "five cron fields"),
        ("61 * * * *", "the minute '61' is outside 0-59"),
        ("0 6 * * mon", "the day of week 'mon' is not a number"),
        ("daily at 25:00", "five cron fields"),
    ],
)
def test_a_schedule_it_cannot_read_says_which_part(text: str, reason: str) -> None:
    with pytest.raises(ScheduleInvalid, match=reason):
        schedule_parse(text)


def test_a_date_that_never_comes_is_refused() -> None:
    with pytest.raises(ScheduleInvalid, match="no day"):
        after("0 6 31 2 *", datetime(2026, 11, 16, tzinfo=STOCKHOLM))
