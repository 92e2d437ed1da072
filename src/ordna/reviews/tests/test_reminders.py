"""Review actions reach the reminder engine: open actions due by the horizon, to the supplier's portal users for
theirs and to the named person's user for ours, under the source name they have always had."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ordna.conftest import TODAY
from ordna.core.models import Supplier
from ordna.notifications.sources import Directory, SourceContext, registered_sources
from ordna.reviews import services
from ordna.reviews.reminders import review_actions

pytestmark = pytest.mark.django_db


def test_the_source_keeps_its_name() -> None:
    assert registered_sources()["suppliers.actions"] is review_actions


def test_open_actions_due_by_the_horizon_become_items_for_the_supplier_users(make_user, actor) -> None:
    supplier = Supplier.objects.create(name="Example IT Services AB")
    portal = make_user("supplier", supplier=supplier)
    review = services.review_plan(
        supplier=supplier,
        title="Q4",
        starts_at=datetime(2026, 11, 2, 10, tzinfo=ZoneInfo("Europe/Stockholm")),
        actor=actor,
        today=TODAY,
    )
    late = services.action_add(
        review=review, title="Send the report", owner_side="theirs", due=TODAY - timedelta(days=2), actor=actor
    )
    services.action_add(review=review, title="Later", owner_side="theirs", due=TODAY + timedelta(days=3), actor=actor)
    closed = services.action_add(review=review, title="Done", owner_side="theirs", due=TODAY, actor=actor)
    services.action_close(action=closed, actor=actor)

    directory = Directory(by_user={portal.pk: "portal@example.org"})  # reminders go to addresses (issue 17)
    items = list(review_actions(SourceContext(today=TODAY, horizon=TODAY + timedelta(days=1), directory=directory)))

    assert [(i.key, i.source, i.kind, i.title, i.url, i.due, i.assignees) for i in items] == [
        (
            f"action:{late.pk}",
            "suppliers.actions",
            "review_action",
            "Example IT Services AB: Send the report",
            f"/reviews/{review.pk}/",
            date(2026, 11, 14),
            ("portal@example.org",),
        )
    ]


def test_the_suppliers_own_actions_are_chased_without_portal_users(actor) -> None:
    """Issue 23: a supplier without portal users is chased at its contact and service desk addresses; one with
    no address either is chased by the IT coordinators."""
    reached = Supplier.objects.create(
        name="Example Desk AB", contact_email="anna@desk.example.org", service_desk_email="desk@desk.example.org"
    )
    silent = Supplier.objects.create(name="Example Quiet BV")
    starts = datetime(2026, 11, 2, 10, tzinfo=ZoneInfo("Europe/Stockholm"))
    for supplier in (reached, silent):
        review = services.review_plan(supplier=supplier, title="Q4", starts_at=starts, actor=actor, today=TODAY)
        services.action_add(review=review, title="Send the report", owner_side="theirs", due=TODAY, actor=actor)

    directory = Directory(
        by_role={"coordinator": {"it@example.org"}},
        supplier_desks={reached.pk: ("anna@desk.example.org", "desk@desk.example.org")},
    )
    items = list(review_actions(SourceContext(today=TODAY, horizon=TODAY, directory=directory)))

    assert sorted((i.title, i.assignees) for i in items) == [
        ("Example Desk AB: Send the report", ("anna@desk.example.org", "desk@desk.example.org")),
        ("Example Quiet BV: Send the report", ("it@example.org",)),
    ]
