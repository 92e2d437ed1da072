"""Contract decisions reach the reminder engine: a contract is announced on the first business day of each alert
stage, reminded before its decision date and every day after it until decided."""

from __future__ import annotations

from datetime import date

import pytest

from ordna.core.actor import Actor
from ordna.notifications.sources import Directory, SourceContext, registered_sources
from ordna.suppliers import services
from ordna.suppliers.reminders import contract_decisions

pytestmark = pytest.mark.django_db


def items_on(today: date, horizon: date | None = None) -> list:
    return list(contract_decisions(SourceContext(today=today, horizon=horizon or today, directory=Directory())))


@pytest.fixture
def contract():
    # Term 2026-06-01 .. 2027-05-31, three months' notice: cancel by (and decide by) Sunday 2027-02-28.
    contract, _ = services.contract_save(
        data=services.ContractInput(
            supplier="Example IT Services AB",
            title="Workplace services",
            start_date=date(2026, 6, 1),
            initial_term_months=12,
            renewal="tacit",
            renewal_term_months=12,
            notice="3 months",
        ),
        actor=Actor.system("test"),
    )
    return contract


def test_the_source_is_registered() -> None:
    assert registered_sources()["suppliers.contracts"] is contract_decisions


def test_a_stage_is_announced_on_its_first_business_day_only(contract) -> None:
    assert items_on(date(2026, 11, 27)) == []  # in the 180-day stage, not its first day
    (item,) = items_on(date(2026, 11, 30))  # 90 days before: Monday 2026-11-30
    assert (item.key, item.due, item.kind) == (f"contract:{contract.pk}", date(2026, 11, 30), "contract_decision")
    assert items_on(date(2026, 12, 1)) == []


def test_close_to_and_after_the_decision_date_the_ladder_takes_over(contract) -> None:
    (before,) = items_on(date(2027, 2, 26), horizon=date(2027, 3, 2))
    assert before.due == date(2027, 2, 28)
    (overdue,) = items_on(date(2027, 3, 10))
    assert overdue.due == date(2027, 2, 28)  # overdue: reminded daily and escalated until a decision
    services.contract_decide(
        contract=contract, decision="renew", reason="Good service", actor=Actor.system("test"), today=date(2027, 3, 10)
    )
    assert items_on(date(2027, 3, 11)) == []
