"""Due dates of case lines and the opening rules (pure), in business days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ordna.lifecycle.due_dates import is_urgent, line_due, needs_case

TODAY = date(2026, 11, 16)


@pytest.mark.parametrize(
    ("kind", "last_day", "offset", "expected"),
    [
        ("account", date(2026, 11, 27), 1, date(2026, 11, 30)),  # Friday's leaver: Monday
        ("licence", date(2026, 11, 27), 3, date(2026, 12, 2)),
        ("device", date(2026, 11, 28), 0, date(2026, 11, 27)),  # a Saturday's leaver returns it on Friday
        ("task", date(2026, 11, 27), -5, date(2026, 11, 20)),
        ("task", date(2026, 11, 27), 2, date(2026, 12, 1)),
        ("account", date(2026, 11, 1), 1, TODAY),  # left already: due at once, not born overdue
        ("task", date(2026, 11, 18), -5, TODAY),
    ],
)
def test_line_due(kind: str, last_day: date, offset: int, expected: date) -> None:
    assert line_due(kind=kind, last_day=last_day, country="SE", opened_on=TODAY, offset_days=offset) == expected


def test_a_case_opened_on_a_sunday_is_due_on_monday_at_the_earliest() -> None:
    sunday = date(2026, 11, 22)
    assert line_due(kind="account", last_day=date(2026, 11, 1), country="SE", opened_on=sunday) == date(2026, 11, 23)


def test_unknown_line_kind() -> None:
    with pytest.raises(ValueError, match="parcel"):
        line_due(kind="parcel", last_day=TODAY, country="SE", opened_on=TODAY)


@pytest.mark.parametrize(
    ("last_day", "expected"),
    [(TODAY, True), (TODAY - timedelta(days=3), True), (date(2026, 11, 17), True), (date(2026, 11, 18), False)],
)
def test_urgent(last_day: date, expected: bool) -> None:
    assert is_urgent(last_day=last_day, today=TODAY, country="SE") is expected


def _needs(end: date | None, **kwargs: object) -> bool:
    options = {"has_open_case": False, "completed_this_employment": False, "newly_ended": False, **kwargs}
    return needs_case(end_date=end, today=TODAY, lead_days=14, recent_days=30, **options)  # type: ignore[arg-type]


def test_needs_case_within_the_lead_time_or_recently_left() -> None:
    assert _needs(TODAY + timedelta(days=14))
    assert not _needs(TODAY + timedelta(days=15))
    assert _needs(TODAY)
    assert _needs(TODAY - timedelta(days=30))
    assert not _needs(TODAY - timedelta(days=31))
    assert not _needs(None)


def test_needs_case_late_end_date_open_case_and_completed_history() -> None:
    assert _needs(TODAY - timedelta(days=90), newly_ended=True)
    assert not _needs(TODAY, has_open_case=True)
    assert not _needs(TODAY, completed_this_employment=True)
