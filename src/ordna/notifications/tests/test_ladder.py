"""The ladder and digest planning, pure: given items and a day, who hears about what at which step."""

from __future__ import annotations

from datetime import date

import pytest

from ordna.notifications.ladder import Ladder, OpenItem, horizon, plan_digests, rungs

MONDAY = date(2026, 11, 16)
LADDER = Ladder()


def item(key: str, due: date, assignees=(1,), leads=(2,), finished=False) -> OpenItem:
    return OpenItem(key, "test", "line.task", key, f"/x/{key}/", due, tuple(assignees), tuple(leads), finished)


def plan(items, today=MONDAY, cios=(), ladder=LADDER):
    digests = plan_digests(items, today=today, country="SE", ladder=ladder, coordinators=(9,), cios=cios)
    return {rid: sorted((e.item.key, e.step) for e in d.entries) for rid, d in digests.items()}


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (date(2026, 11, 19), ()),  # three business days ahead: not yet
        (date(2026, 11, 18), ("before",)),
        (date(2026, 11, 17), ("before",)),
        (MONDAY, ("due",)),
        (date(2026, 11, 15), ("overdue", "manager")),  # due on Sunday: Monday is the first business day after
        (date(2026, 11, 13), ("overdue", "manager")),  # Friday: one business day late
        (date(2026, 11, 12), ("overdue", "manager")),
        (date(2026, 11, 11), ("overdue", "manager", "coordinator")),  # three business days late
    ],
)
def test_the_rungs_by_business_days_from_the_due_date(due, expected) -> None:
    assert rungs(due, MONDAY, LADDER, "SE") == expected


def test_horizon_is_the_last_day_reminded_before() -> None:
    assert horizon(date(2026, 11, 19), LADDER, "SE") == date(2026, 11, 23)  # Thu + 2 business days = Mon


def test_each_recipient_gets_each_item_once_at_the_highest_step() -> None:
    items = [
        item("soon", date(2026, 11, 18)),
        item("today", MONDAY),
        item("late", date(2026, 11, 13)),
        item("very-late", date(2026, 11, 11), assignees=(1, 9)),  # 9 is also a coordinator
        item("done", date(2026, 11, 11), finished=True),
        item("later", date(2026, 11, 30)),
    ]
    assert plan(items) == {
        1: [("late", "overdue"), ("soon", "before"), ("today", "due"), ("very-late", "overdue")],
        2: [("late", "manager"), ("very-late", "manager")],
        9: [("very-late", "coordinator")],
    }


def test_nothing_on_weekends_and_holidays() -> None:
    overdue = [item("late", date(2026, 11, 2))]
    assert plan(overdue, today=date(2026, 11, 21)) == {}  # Saturday
    assert plan(overdue, today=date(2026, 12, 24)) == {}  # Christmas Eve, a Swedish day off
    assert plan(overdue, today=date(2026, 12, 23)) != {}


def test_an_item_nobody_can_be_found_for_goes_to_the_coordinators_once_overdue() -> None:
    orphan = item("orphan", MONDAY, assignees=(), leads=())
    assert plan([orphan]) == {}
    assert plan([orphan], today=date(2026, 11, 17)) == {9: [("orphan", "overdue")]}


def test_the_cio_summary_comes_once_a_week() -> None:
    items = [item("very-late", date(2026, 11, 6)), item("late", date(2026, 11, 13))]
    assert plan(items, cios=(7,))[7] == [("very-late", "cio")]
    assert 7 not in plan(items, today=date(2026, 11, 17), cios=(7,))


def test_a_configured_ladder_moves_the_rungs() -> None:
    slow = Ladder(remind_before=0, manager_after=2, coordinator_after=5)
    assert rungs(date(2026, 11, 17), MONDAY, slow, "SE") == ()
    assert rungs(date(2026, 11, 13), MONDAY, slow, "SE") == ("overdue",)
    with pytest.raises(ValueError, match="coordinator_after"):
        Ladder(manager_after=3, coordinator_after=2)


def test_an_item_whose_assignee_cannot_be_reached_goes_to_the_lead_from_the_first_reminder() -> None:
    unreachable = item("handover", date(2026, 11, 18), assignees=(), leads=(2,))
    assert plan([unreachable]) == {2: [("handover", "manager")]}
    # Once overdue, the coordinators still come only at their own rung, as for any item with a lead.
    assert plan([unreachable], today=date(2026, 11, 20)) == {2: [("handover", "manager")]}


def test_only_assignees_act_and_keep_acting_when_also_reached_higher() -> None:
    items = [item("late", date(2026, 11, 11), assignees=(1, 9))]  # 9 is also a coordinator
    digests = plan_digests(items, today=MONDAY, country="SE", ladder=LADDER, coordinators=(9,))
    acts = {rid: [(e.step, e.acts) for e in d.entries] for rid, d in digests.items()}
    assert acts == {1: [("overdue", True)], 2: [("manager", False)], 9: [("coordinator", True)]}
