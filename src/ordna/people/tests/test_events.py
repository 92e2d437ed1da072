"""The HR import announces `people.changed` inside its transaction, and works without anyone listening."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

import pytest

from ordna.conftest import TODAY, hr_row
from ordna.core.models import ImportRun
from ordna.people.events import PeopleChanged, people_changed
from ordna.people.models import Person

pytestmark = pytest.mark.django_db

LAST_DAY = (TODAY + timedelta(days=3)).isoformat()


def test_the_import_announces_whom_it_ended_and_whom_it_moved(load_people, actor) -> None:
    load_people([hr_row("E1", department="Sales"), hr_row("E2", department="Sales"), hr_row("E3")])
    heard: list[PeopleChanged] = []

    def listen(change: PeopleChanged) -> Mapping[str, int]:
        heard.append(change)
        return {}

    with people_changed.replaced(listen):
        load_people([hr_row("E1", department="Sales", end_date=LAST_DAY), hr_row("E2", department="IT"), hr_row("E3")])
    [change] = heard
    assert (change.actor, change.today) == (actor, TODAY)
    assert list(change.newly_ended) == ["E1"]
    assert dict(change.moved) == {"E2": ("Sales", "employee")}


def test_the_import_sums_what_the_listeners_report(load_people) -> None:
    with people_changed.replaced(lambda change: {"opened": 1, "lines_added": 4}, lambda change: {"opened": 2}):
        result = load_people([hr_row("E1", end_date=LAST_DAY)])
    assert result.cases == {"opened": 3, "lines_added": 4}
    counts = ImportRun.objects.get().counts
    assert (counts["cases_opened"], counts["cases_lines_added"]) == (3, 4)


def test_without_listeners_the_import_applies_and_reports_no_cases(load_people) -> None:
    with people_changed.replaced():
        result = load_people([hr_row("E1", end_date=LAST_DAY), hr_row("E2")])
    assert result.cases == {}
    assert sorted(Person.objects.values_list("employee_id", flat=True)) == ["E1", "E2"]
    assert not any(key.startswith("cases_") for key in ImportRun.objects.get().counts)
