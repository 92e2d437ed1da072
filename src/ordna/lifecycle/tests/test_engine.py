"""The case engine's due-date rule (pure): which rule a line follows depends on whether it gives or takes back."""

from __future__ import annotations

from datetime import date

import pytest

from ordna.lifecycle.engine import CaseFacts, line_due

MONDAY = date(2026, 11, 30)
FRIDAY_BEFORE = date(2026, 11, 27)


def facts(kind: str, effective: date, opened_on: date) -> CaseFacts:
    return CaseFacts(1, kind, person_id=2, manager_id=None, effective_date=effective, country="SE", opened_on=opened_on)


@pytest.mark.parametrize(
    ("case_kind", "line_kind", "grant", "offset", "expected"),
    [
        ("leaver", "account", False, 1, date(2026, 12, 1)),  # one business day after the last day
        ("leaver", "task", False, -2, date(2026, 11, 26)),  # two business days before it
        ("joiner", "account", True, 0, FRIDAY_BEFORE),  # ready the business day before the first day
        ("joiner", "device", True, 0, FRIDAY_BEFORE),
        ("joiner", "task", False, 2, date(2026, 12, 2)),  # the template's offset from the first day
        ("mover", "account", False, 2, date(2026, 12, 2)),  # taken back like a leaver's, from the move date
    ],
)
def test_a_line_that_gives_is_due_by_the_joining_rule_and_one_that_takes_back_by_the_leaving_rule(
    case_kind: str, line_kind: str, grant: bool, offset: int, expected: date
) -> None:
    opened = date(2026, 11, 16)
    assert line_due(facts(case_kind, MONDAY, opened), kind=line_kind, grant=grant, offset=offset) == expected


def test_a_mover_gets_what_the_new_template_gives_at_once_not_before_the_case_opened() -> None:
    # The move date is the day the case opens: the business day before it has passed already.
    assert line_due(facts("mover", MONDAY, MONDAY), kind="account", grant=True) == MONDAY
    assert line_due(facts("mover", MONDAY, MONDAY), kind="account", grant=False, offset=1) == date(2026, 12, 1)
