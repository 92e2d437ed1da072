"""Business days (pure): weekends, Swedish and Dutch holidays, offsets both ways."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordna.core.business_days import add_business_days, business_days_between, is_business_day, next_business_day


@pytest.mark.parametrize(
    ("day", "country", "expected"),
    [
        (date(2026, 11, 16), "SE", True),  # a Monday
        (date(2026, 11, 14), "SE", False),  # Saturday
        (date(2026, 11, 15), "NL", False),  # Sunday
        (date(2026, 12, 24), "SE", False),  # Christmas Eve: a de facto day off in Sweden
        (date(2026, 12, 24), "NL", True),  # but not in the Netherlands
        (date(2026, 12, 25), "NL", False),
        (date(2026, 12, 26), "NL", False),  # Boxing Day (a Saturday anyway)
        (date(2026, 4, 27), "NL", False),  # King's Day
        (date(2026, 4, 27), "SE", True),
        (date(2026, 6, 19), "SE", False),  # Midsummer Eve
        (date(2026, 6, 19), "NL", True),
        (date(2026, 5, 14), "SE", False),  # Ascension Day, both
        (date(2026, 5, 14), "NL", False),
        (date(2026, 5, 25), "NL", False),  # Whit Monday: a holiday in NL, not in SE
        (date(2026, 5, 25), "SE", True),
        (date(2026, 1, 6), "SE", False),  # Epiphany
        (date(2026, 12, 31), "SE", False),  # New Year's Eve
    ],
)
def test_business_days(day: date, country: str, expected: bool) -> None:
    assert is_business_day(day, country) is expected


def test_unknown_country_is_refused() -> None:
    with pytest.raises(ValueError, match="DE"):
        is_business_day(date(2026, 1, 2), "DE")


@pytest.mark.parametrize(
    ("start", "count", "country", "expected"),
    [
        (date(2026, 11, 16), 1, "SE", date(2026, 11, 17)),
        (date(2026, 11, 20), 1, "SE", date(2026, 11, 23)),  # Friday + 1 = Monday
        (date(2026, 12, 23), 1, "SE", date(2026, 12, 28)),  # over Christmas Eve, Christmas and Boxing Day
        (date(2026, 12, 23), 1, "NL", date(2026, 12, 24)),
        (date(2026, 12, 30), 1, "SE", date(2027, 1, 4)),  # over New Year's Eve and Day, and a weekend
        (date(2026, 11, 16), -1, "SE", date(2026, 11, 13)),  # Monday - 1 = Friday
        (date(2026, 11, 16), -5, "SE", date(2026, 11, 9)),
        (date(2026, 11, 14), 0, "SE", date(2026, 11, 13)),  # a Saturday's "same day" is the Friday before
        (date(2026, 11, 16), 0, "SE", date(2026, 11, 16)),
        (date(2026, 4, 2), 1, "SE", date(2026, 4, 7)),  # over Good Friday, the weekend and Easter Monday
    ],
)
def test_add_business_days(start: date, count: int, country: str, expected: date) -> None:
    assert add_business_days(start, count, country) == expected


@given(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=1, max_value=40),
    st.sampled_from(["SE", "NL"]),
)
def test_adding_then_counting_gives_the_count_back(start: date, count: int, country: str) -> None:
    end = add_business_days(start, count, country)
    assert is_business_day(end, country)
    assert business_days_between(start, end, country) == count
    assert business_days_between(end, start, country) == -count


def test_next_business_day() -> None:
    assert next_business_day(date(2026, 11, 14), "SE") == date(2026, 11, 16)
    assert next_business_day(date(2026, 11, 16), "SE") == date(2026, 11, 16)
