"""The contract date rules of issue 9 / docs/suppliers.md, example by example, then as properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordna.suppliers.contract_dates import (
    ContractDateError,
    ContractTerms,
    Notice,
    add_months,
    alert_stage,
    contract_dates,
    parse_alert_stages,
    term_end,
)


def terms(
    start: date,
    initial: int,
    renewal: str = "tacit",
    renewal_months: int | None = 12,
    notice: str = "3 months",
    buffer: int = 0,
) -> ContractTerms:
    return ContractTerms(start, initial, renewal, renewal_months, Notice.parse(notice), buffer)


# Month arithmetic ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year: clamps to the 29th
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2026, 11, 16), 2, date(2027, 1, 16)),
        (date(2026, 1, 1), -1, date(2025, 12, 1)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2028, 3, 31), -1, date(2028, 2, 29)),
        (date(2026, 5, 15), 0, date(2026, 5, 15)),
    ],
)
def test_add_months_clamps_to_the_month_end(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2028, 1, 31), 1, date(2028, 2, 28)),  # the example: ends on 28 February
        (date(2027, 1, 31), 1, date(2027, 2, 27)),
        (date(2026, 1, 1), 12, date(2026, 12, 31)),
        (date(2026, 1, 1), 36, date(2028, 12, 31)),
        (date(2024, 2, 29), 12, date(2025, 2, 27)),
        (date(2026, 8, 31), 6, date(2027, 2, 27)),
        (date(2026, 3, 15), 1, date(2026, 4, 14)),
    ],
)
def test_a_term_ends_the_day_before_start_plus_months(start: date, months: int, end: date) -> None:
    assert term_end(start, months) == end


# Tacit renewals: the current term contains today ---------------------------------------------------------------


def test_tacit_rolls_forward_over_several_renewals() -> None:
    # 2021-01-01 + 24 months -> 2022-12-31; then 12-month renewals: 2023, 2024, 2025, 2026.
    dates = contract_dates(terms(date(2021, 1, 1), 24), today=date(2026, 11, 16))
    assert dates.current_term.number == 4
    assert (dates.current_term_start, dates.current_term_end) == (date(2026, 1, 1), date(2026, 12, 31))
    # (2027-01-01) - 3 months - 1 day: from the CURRENT term, not the initial one (that would be 2022-09-30).
    assert dates.cancel_by == date(2026, 9, 30)
    assert dates.decision_date == date(2026, 9, 30)
    assert dates.status == "notice_passed"
    assert dates.rolls_over


def test_tacit_month_end_start_in_a_leap_year_renews_from_each_new_start() -> None:
    # 2028-01-31 + 1 month = 2028-02-29, so the initial term ends 2028-02-28; the renewal starts 02-29.
    contract = terms(date(2028, 1, 31), 1, renewal_months=1, notice="10 days")
    first = contract_dates(contract, today=date(2028, 2, 10))
    assert (first.current_term_start, first.current_term_end) == (date(2028, 1, 31), date(2028, 2, 28))
    assert first.cancel_by == date(2028, 2, 18)
    second = contract_dates(contract, today=date(2028, 2, 29))
    assert (second.current_term.number, second.current_term_start) == (1, date(2028, 2, 29))
    assert second.current_term_end == date(2028, 3, 28)  # 02-29 + 1 month = 03-29, minus a day
    third = contract_dates(contract, today=date(2028, 3, 29))
    assert (third.current_term_start, third.current_term_end) == (date(2028, 3, 29), date(2028, 4, 28))


def test_the_last_day_of_a_term_belongs_to_it_and_the_next_day_to_the_renewal() -> None:
    contract = terms(date(2025, 6, 1), 12, renewal_months=6)
    assert contract_dates(contract, today=date(2026, 5, 31)).current_term.number == 0
    renewed = contract_dates(contract, today=date(2026, 6, 1))
    assert (renewed.current_term.number, renewed.current_term_end) == (1, date(2026, 11, 30))


@pytest.mark.parametrize(
    ("start", "notice", "end", "cancel_by"),
    [
        (date(2026, 1, 1), "3 months", date(2026, 12, 31), date(2026, 9, 30)),
        (date(2026, 1, 1), "1 month", date(2026, 12, 31), date(2026, 11, 30)),
        (date(2026, 4, 1), "1 month", date(2027, 3, 31), date(2027, 2, 28)),  # (04-01) - 1 month - 1 day
        (date(2026, 1, 1), "90 days", date(2026, 12, 31), date(2026, 10, 2)),  # (2027-01-01) - 90 days - 1 day
        (date(2026, 1, 1), "0 days", date(2026, 12, 31), date(2026, 12, 31)),
        (date(2026, 1, 1), "0 months", date(2026, 12, 31), date(2026, 12, 31)),
        (date(2026, 2, 28), "2 months", date(2027, 2, 27), date(2026, 12, 27)),
        (date(2025, 5, 31), "3 months", date(2026, 5, 30), date(2026, 2, 27)),  # (05-31) - 3 months clamps to 02-28
    ],
)
def test_cancel_by_is_end_plus_one_minus_notice_minus_one(start: date, notice: str, end: date, cancel_by: date) -> None:
    dates = contract_dates(terms(start, 12, renewal="none", notice=notice), today=start)
    assert (dates.current_term_end, dates.cancel_by) == (end, cancel_by)


def test_cancel_by_with_a_month_notice_on_a_leap_february() -> None:
    # Term 2027-03-31 .. 2028-03-30: (2028-03-31) - 1 month = 2028-02-29, minus a day = 2028-02-28.
    contract = terms(date(2027, 3, 31), 12, renewal="none", notice="1 month")
    dates = contract_dates(contract, today=date(2027, 4, 1))
    assert dates.current_term_end == date(2028, 3, 30)
    assert dates.cancel_by == date(2028, 2, 28)


def test_decision_date_is_cancel_by_minus_the_buffer() -> None:
    dates = contract_dates(terms(date(2026, 1, 1), 12, notice="3 months", buffer=30), today=date(2026, 2, 1))
    assert dates.cancel_by == date(2026, 9, 30)
    assert dates.decision_date == date(2026, 8, 31)
    assert dates.status == "active"


def test_status_moves_from_active_to_decision_due_to_notice_passed() -> None:
    contract = terms(date(2026, 1, 1), 12, renewal="tacit", notice="90 days", buffer=14)
    # cancel_by = 2027-01-01 - 90 days - 1 = 2026-10-02; decision date 2026-09-18.
    assert contract_dates(contract, today=date(2026, 9, 17)).status == "active"
    assert contract_dates(contract, today=date(2026, 9, 18)).status == "decision_due"
    assert contract_dates(contract, today=date(2026, 10, 2)).status == "decision_due"
    assert contract_dates(contract, today=date(2026, 10, 3)).status == "notice_passed"
    renewed = contract_dates(contract, today=date(2027, 1, 1))
    assert (renewed.status, renewed.cancel_by) == ("active", date(2027, 10, 2))


def test_a_contract_that_has_not_started_shows_its_initial_term() -> None:
    dates = contract_dates(terms(date(2027, 2, 1), 24), today=date(2026, 11, 16))
    assert dates.status == "not_started"
    assert (dates.current_term.number, dates.current_term_end) == (0, date(2029, 1, 31))
    assert dates.cancel_by == date(2028, 10, 31)


# None and express: no roll-over ---------------------------------------------------------------------------------


def test_none_has_a_cancel_by_until_it_expires_and_none_after() -> None:
    contract = terms(date(2025, 1, 1), 24, renewal="none", renewal_months=None, notice="2 months")
    running = contract_dates(contract, today=date(2026, 11, 16))
    assert (running.cancel_by, running.status, running.rolls_over) == (date(2026, 10, 31), "notice_passed", False)
    ended = contract_dates(contract, today=date(2027, 1, 1))
    assert (ended.cancel_by, ended.decision_date, ended.status) == (None, None, "expired")
    assert ended.current_term_end == date(2026, 12, 31)


def test_express_needs_a_decision_and_does_not_roll_over() -> None:
    contract = terms(date(2025, 1, 1), 12, renewal="express", renewal_months=12, notice="1 month", buffer=10)
    before = contract_dates(contract, today=date(2025, 11, 16))
    assert (before.cancel_by, before.decision_date, before.rolls_over) == (
        date(2025, 11, 30),
        date(2025, 11, 20),
        False,
    )
    after = contract_dates(contract, today=date(2026, 11, 16))
    assert (after.status, after.cancel_by, after.current_term.number) == ("expired", None, 0)


def test_express_renewed_once_by_decision_lasts_one_more_term() -> None:
    contract = terms(date(2025, 1, 1), 12, renewal="express", renewal_months=24, notice="1 month")
    dates = contract_dates(contract, today=date(2026, 11, 16), express_renewals=1)
    assert (dates.current_term.number, dates.current_term_end, dates.cancel_by) == (
        1,
        date(2027, 12, 31),
        date(2027, 11, 30),
    )


def test_tacit_terminated_at_a_term_ends_with_it() -> None:
    contract = terms(date(2024, 1, 1), 12, renewal_months=12)
    terminated = contract_dates(contract, today=date(2026, 11, 16), terminated_at_term=1)
    assert (terminated.status, terminated.current_term_end, terminated.cancel_by) == (
        "expired",
        date(2025, 12, 31),
        None,
    )
    current = contract_dates(contract, today=date(2026, 11, 16), terminated_at_term=2)
    assert (current.status, current.rolls_over) == ("notice_passed", False)


# Validation ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [("3 months", 3, "months"), ("1 month", 1, "months"), ("90 days", 90, "days"), (" 1 DAY ", 1, "days")],
)
def test_notice_parses_months_and_days(text: str, amount: int, unit: str) -> None:
    assert Notice.parse(text) == Notice(amount, unit)


@pytest.mark.parametrize("text", ["", "3", "three months", "3 weeks", "-1 days", "3 months 2 days"])
def test_notice_rejects_anything_else(text: str) -> None:
    with pytest.raises(ContractDateError, match="notice"):
        Notice.parse(text)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"renewal": "auto"}, "renewal"),
        ({"initial": 0}, "initial_term_months"),
        ({"renewal": "tacit", "renewal_months": None}, "renewal_term_months"),
        ({"renewal": "express", "renewal_months": 0}, "renewal_term_months"),
        ({"buffer": -1}, "decision_buffer_days"),
    ],
)
def test_terms_name_the_field_that_is_wrong(kwargs: dict, field: str) -> None:
    args = {"start": date(2026, 1, 1), "initial": 12, **kwargs}
    with pytest.raises(ContractDateError) as refused:
        terms(**args)
    assert refused.value.field == field


# Alert stages -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "stage"),
    [(400, None), (181, None), (180, 180), (91, 180), (90, 90), (31, 90), (30, 30), (8, 30), (7, 7), (0, 7), (-1, 0)],
)
def test_alert_stage_is_the_tightest_stage_reached(days_left: int, stage: int | None) -> None:
    today = date(2026, 11, 16)
    assert alert_stage(today + timedelta(days=days_left), today=today) == stage


def test_alert_stages_are_configurable() -> None:
    stages = parse_alert_stages("60, 14,14")
    assert stages == (60, 14)
    today = date(2026, 11, 16)
    assert alert_stage(today + timedelta(days=100), today=today, stages=stages) is None
    assert alert_stage(today + timedelta(days=20), today=today, stages=stages) == 60
    with pytest.raises(ValueError, match="whole numbers"):
        parse_alert_stages("soon")


# Properties ---------------------------------------------------------------------------------------------------

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))


@st.composite
def tacit_contracts(draw: st.DrawFn) -> ContractTerms:
    unit = draw(st.sampled_from(["months", "days"]))
    amount = draw(st.integers(0, 6)) if unit == "months" else draw(st.integers(0, 200))
    return ContractTerms(
        start=draw(days),
        initial_term_months=draw(st.integers(1, 60)),
        renewal="tacit",
        renewal_term_months=draw(st.integers(1, 36)),
        notice=Notice(amount, unit),
        decision_buffer_days=draw(st.integers(0, 60)),
    )


@given(tacit_contracts(), days)
def test_property_the_current_term_contains_today_once_started(contract: ContractTerms, today: date) -> None:
    dates = contract_dates(contract, today=today)
    if today >= contract.start:
        assert dates.current_term.contains(today)
    else:
        assert dates.status == "not_started" and dates.current_term.number == 0


@given(tacit_contracts(), days)
def test_property_cancel_by_is_before_the_term_end_and_decision_before_cancel_by(
    contract: ContractTerms, today: date
) -> None:
    dates = contract_dates(contract, today=today)
    assert dates.cancel_by is not None and dates.decision_date is not None
    assert dates.cancel_by <= dates.current_term_end
    if contract.notice.amount > 0:
        assert dates.cancel_by < dates.current_term_end
    assert dates.decision_date == dates.cancel_by - timedelta(days=contract.decision_buffer_days)


@given(tacit_contracts(), days)
def test_property_terms_follow_each_other_without_gap(contract: ContractTerms, today: date) -> None:
    dates = contract_dates(contract, today=today)
    term = dates.current_term
    if term.number:
        previous = contract_dates(contract, today=term.start - timedelta(days=1)).current_term
        assert previous.number == term.number - 1
        assert previous.end + timedelta(days=1) == term.start


@given(days, st.integers(-120, 120))
def test_property_add_months_lands_in_the_right_month_and_never_later_day(day: date, months: int) -> None:
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day <= day.day
