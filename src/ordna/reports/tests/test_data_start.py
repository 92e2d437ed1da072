"""The first report says where its data starts (issue 29): months before the first HR import show "no data
before ..." instead of 0 % on time, and a leaver whose lines are not yet due is never late."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from ordna.conftest import hr_row
from ordna.core.actor import Actor
from ordna.core.services import token_create
from ordna.lifecycle.case_templates import leaver_template_default_add
from ordna.reports.selectors import data_since, monthly_report

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 16)


def test_before_any_import_there_is_no_data(make_user) -> None:
    client = Client()
    client.force_login(make_user("coordinator"))
    assert data_since() is None
    html = client.get("/reports/monthly/?month=2026-11").content.decode()
    assert "No HR file has been imported yet: there is no data." in html


def test_the_first_report_says_where_its_data_starts(make_user, load_people) -> None:
    # Given a first HR import today, with someone who left two weeks ago and someone who leaves next week: both
    # get a case (with the default template's tasks), due from the day Ordna heard of them
    leaver_template_default_add(actor=Actor.system("test"), language="en")
    load_people([hr_row("E1"), hr_row("G1", end_date="2026-11-02"), hr_row("L1", end_date="2026-11-27")])
    assert data_since() == TODAY
    # When the report of November is made
    report = monthly_report(month=date(2026, 11, 1), today=TODAY)
    # Then the months before November say where the data starts, not 0 % on time
    assert [row.no_data_before for row in report.trend[:-1]] == [TODAY] * 11
    assert [row.share_on_time for row in report.trend[:-1]] == [None] * 11
    assert report.trend[-1].no_data_before is None
    # And neither leaver is late on the day the file came in: their lines are not due yet
    assert {row.employee_id: row.on_time for row in report.leavers} == {"G1": None, "L1": None}
    coordinator = make_user("coordinator")
    client = Client()
    client.force_login(coordinator)
    html = client.get("/reports/monthly/?month=2026-11").content.decode()
    assert "The data starts on 2026-11-16, the first HR import: months before it show no data." in html
    assert "no data before 2026-11-16" in html
    assert "not due yet" in html
    token = token_create(user=coordinator, actor=Actor.system("test"))
    body = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/reports/monthly?month=2026-11").json()
    assert body["data_since"] == "2026-11-16"
    assert [row["no_data_before"] for row in body["trend"]] == ["2026-11-16"] * 11 + [None]
