"""The pure cores: routing, business-hour clocks, workload proration and the insight ranking."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from ordna.support.clocks import BusinessCalendar, Transition, add_business_hours, business_seconds, clocks, median
from ordna.support.insight import Signals, rank, repeated_questions
from ordna.support.routing import Appointee, has_active_key_user, route_question
from ordna.support.workload import Budget, prorated, workload

SE = ZoneInfo("Europe/Stockholm")
CAL = BusinessCalendar.for_country(country="SE", zone="Europe/Stockholm", hours="08:00-17:00", years=[2026, 2027])
DAY = date(2026, 11, 16)


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SE)


def test_primary_gets_the_question_while_present() -> None:
    people = [Appointee(1, "key_user", True, DAY, None), Appointee(2, "deputy", False, DAY, None)]
    assert route_question(people, today=DAY, last_round_robin=None).person_id == 1


def test_round_robin_turns_when_the_primary_is_away() -> None:
    people = [
        Appointee(1, "key_user", True, DAY, None, away_from=DAY, away_until=DAY),
        Appointee(2, "deputy", False, DAY, None),
        Appointee(3, "key_user", False, DAY, None),
        Appointee(4, "coordinator", False, DAY, None),  # coordinators do not answer questions
    ]
    turns = []
    last = None
    for _ in range(3):
        route = route_question(people, today=DAY, last_round_robin=last)
        turns.append((route.person_id, route.via))
        last = route.person_id
    assert turns == [(2, "round_robin"), (3, "round_robin"), (2, "round_robin")]


def test_nobody_when_no_appointment_is_in_force() -> None:
    ended = [Appointee(1, "key_user", True, date(2026, 1, 1), date(2026, 10, 31))]
    assert route_question(ended, today=DAY, last_round_robin=None).via == "nobody"
    assert not has_active_key_user(ended, today=DAY)


def test_business_seconds_skip_nights_weekends_and_holidays() -> None:
    # Friday 16:30 to Monday 08:30 is one business hour.
    assert business_seconds(at(13, 16, 30), at(16, 8, 30), CAL) == 3600
    # Christmas Eve is no Swedish public holiday in the package, Christmas Day and Boxing Day are.
    assert business_seconds(at(24, 16, month=12), at(28, 9, month=12), CAL) == 2 * 3600


def test_add_business_hours_rolls_over_to_the_next_business_day() -> None:
    assert add_business_hours(at(13, 16), 8, CAL) == at(16, 15)  # Friday 16-17, then Monday 08-15
    assert add_business_hours(at(16, 6), 1, CAL) == at(16, 9)  # before opening counts from opening


def test_waiting_on_the_supplier_pauses_the_internal_clock() -> None:
    transitions = [
        Transition(at(16, 9), "new"),
        Transition(at(16, 9), "with_key_user"),
        Transition(at(16, 10), "escalated"),
        Transition(at(17, 10), "with_key_user"),
        Transition(at(17, 11), "resolved"),
    ]
    result = clocks(transitions, now=at(20, 12), calendar=CAL)
    assert (result.internal_seconds, result.supplier_seconds) == (2 * 3600, 9 * 3600)


def test_bad_business_hours_name_the_value() -> None:
    with pytest.raises(ValueError, match="17-08"):
        BusinessCalendar.for_country(country="SE", zone="Europe/Stockholm", hours="17-08", years=[2026])


def test_budget_is_prorated_by_the_days_in_force() -> None:
    budget = Budget(1, 1, Decimal("10"), date(2026, 11, 16), None)
    assert prorated(budget, date(2026, 11, 1)) == Decimal("5.0")
    assert prorated(budget, date(2026, 10, 1)) == Decimal("0")
    rows = workload([budget, Budget(1, 2, Decimal("4"), date(2026, 1, 1), None)], {1: 600, 2: 30}, month=DAY)
    assert (rows[1].budget_hours, rows[1].logged_hours, rows[1].over_budget) == (Decimal("9.0"), Decimal("10.0"), True)
    assert (rows[2].budget_hours, rows[2].over_budget, rows[2].percent) == (Decimal("0"), True, None)


def test_repeated_questions_are_counted_once_each() -> None:
    texts = [
        "How do I print an invoice?",
        "how do i print the invoice",
        "Where is the logout button?",
        "print invoice how",
    ]
    assert repeated_questions(texts) == 2


def test_insight_ranks_many_questions_and_low_ratings_first_with_reasons() -> None:
    ranked = rank(
        [
            Signals(1, questions=3, ratings=10, mean_rating=4.5),
            Signals(2, questions=20, escalated=2, repeated=5, ratings=10, mean_rating=1.8, want_training=6),
            Signals(3, questions=0, active_key_users=0),
            Signals(4, questions=1, ratings=5, mean_rating=4.8),
        ]
    )
    assert [s.application_id for s in ranked] == [2, 3]
    top = ranked[0]
    assert [r.code for r in top.reasons] == ["many_questions", "low_rating", "wants_training", "repeated"]
    # 30 (most questions) + 24 (mean 1.8) + 6 (60 % want training) + 2.5 (repeats) + 0.5 (escalations)
    assert (top.kind, top.score) == ("training", 63)
    assert ranked[1].kind == "capacity" and [r.code for r in ranked[1].reasons] == ["no_key_user"]


def test_median() -> None:
    assert (median([]), median([3, 1, 2]), median([4, 1, 2, 3])) == (None, 2.0, 2.5)
