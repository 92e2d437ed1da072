"""A first HR import's preview tells the truth (issue 29): people who had left already are counted and listed,
the leaver cases that applying would open are counted by the lifecycle's own rules (and nothing opens until it is
applied), and a cut list says how many more there are."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client

from ordna.conftest import hr_csv, hr_row
from ordna.lifecycle.models import Case
from ordna.people.models import Person
from ordna.people.services import people_import

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 16)


def first_file() -> list[dict[str, str]]:
    rows = [hr_row(f"E{i}") for i in range(1, 121)]
    rows += [hr_row("L1", end_date="2026-11-20"), hr_row("L2", end_date="2026-11-27")]  # leaving: cases open
    rows += [hr_row("L3", end_date="2027-03-31")]  # leaving, beyond the lead time: no case yet
    rows += [hr_row("G1", end_date="2026-11-02"), hr_row("G2", end_date="2025-01-31")]  # left already
    return rows


def test_the_dry_run_counts_people_gone_and_cases_that_will_open_and_opens_nothing(write_file, actor) -> None:
    path = write_file("hr.csv", hr_csv(first_file()))
    preview = people_import(path=path, actor=actor, today=TODAY, dry_run=True)
    assert preview.outcome == "dry_run"
    counts = preview.preview_counts()
    assert (counts["created"], counts["newly_leaving"], counts["already_left"]) == (125, 3, 2)
    # G1 left 10 business days ago (within the recent days: a case), G2 long ago (no case), L1 and L2 leave soon
    assert counts["cases_opened"] == 3
    assert not Person.objects.exists()
    assert not Case.objects.exists()
    # And the import itself opens what the preview said
    applied = people_import(path=path, actor=actor, today=TODAY)
    assert applied.cases["opened"] == 3
    assert sorted(Case.objects.values_list("person__employee_id", flat=True)) == ["G1", "L1", "L2"]


def test_the_preview_page_says_and_n_more_and_lists_who_had_left(make_user, write_file) -> None:
    client = Client()
    client.force_login(make_user("hr"))
    path = write_file("hr.csv", hr_csv(first_file()))
    with path.open("rb") as handle:
        html = client.post("/people/import/", {"file": handle}).content.decode()
    assert "Preview: nothing has been applied yet" in html
    assert "and 25 more" in html  # 125 new people, the first 100 listed
    assert "Had left already" in html
    assert re.search(r'<span class="figure">3</span> cases opened', html)
    assert re.search(r'<span class="figure">2</span> had left already', html)
