"""Issue 18's freshness: a source past its age is a finding, with the open case lines it blocks, and every
surface (the dashboard, the source health page, the monthly follow-up as a page, a workbook and JSON, the
evidence pack, the API and the reminders) shows the same stale sources with the same numbers."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook

from ordna.accounts.importing import accounts_import
from ordna.applications.models import Application
from ordna.conftest import TODAY
from ordna.core.actor import Actor
from ordna.core.services import token_create
from ordna.feeds.selectors import sources_freshness, stale_sources
from ordna.feeds.tests.conftest import HR_FILE, drop, m365
from ordna.lifecycle.models import Line
from ordna.notifications.selectors import reminders_plan
from ordna.people.services import people_import
from ordna.reports.tests.packs import evidence_pack_through_api

pytestmark = pytest.mark.django_db
NOV_2 = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Europe/Stockholm"))


@pytest.fixture
def delivered_on_2_november(tmp_path: Path, m365_app) -> int:
    """The HR file and M365's export imported on 2 November (14 days before TODAY); the leavers' cases open
    and their account and licence lines wait for a fresher export. Returns how many lines wait."""
    with time_machine.travel(NOV_2, tick=True):
        hr = drop(tmp_path, "hr.csv", HR_FILE)
        assert people_import(path=hr, actor=Actor.system("test"), today=NOV_2.date()).outcome == "applied"
        export = drop(tmp_path, "users.csv", m365())
        result = accounts_import(
            create_application=True,
            application_slug="m365",
            path=export,
            actor=Actor.system("test"),
            today=NOV_2.date(),
            preset="m365",
        )
        assert result.outcome == "applied"
    waiting = Line.objects.filter(application=m365_app, state="open", kind__in=["account", "licence"]).count()
    assert waiting > 0
    return waiting


def test_a_source_past_its_age_is_stale_with_the_lines_it_blocks(delivered_on_2_november, m365_app) -> None:
    sources = {s.key: s for s in sources_freshness(day=TODAY)}
    assert (sources["hr"].age_days, sources["hr"].stale, sources["hr"].blocked_lines) == (14, True, 0)
    m365 = sources["m365"]
    assert (m365.age_days, m365.max_age_days, m365.stale, m365.blocked_lines) == (14, 7, True, delivered_on_2_november)
    # On 9 November both were within their age of 7 days
    assert stale_sources(day=date(2026, 11, 9)) == []
    # An application may be given longer
    m365_app.source_max_age_days = 30
    m365_app.save()
    assert [s.key for s in stale_sources(day=TODAY)] == ["hr"]


def test_every_surface_shows_the_same_stale_sources(delivered_on_2_november, make_user) -> None:
    admin = make_user("admin")
    web = Client()
    web.force_login(admin)
    api = Client(headers={"Authorization": f"Bearer {token_create(user=admin, actor=Actor.system('test'))}"})
    waiting = delivered_on_2_november
    sentence = f"{waiting} open case lines cannot be verified until it arrives"
    # The dashboard and the source health page
    for page in ("/", "/feeds/"):
        html = web.get(page).content.decode()
        assert "Stale sources" in html and "Microsoft 365" in html and sentence in html, page
    # The monthly follow-up: page, workbook, JSON
    assert sentence in web.get("/reports/monthly/?month=2026-11").content.decode()
    workbook = load_workbook(io.BytesIO(web.get("/reports/monthly/?month=2026-11&format=xlsx").content))
    rows = list(workbook["Stale sources"].iter_rows(values_only=True))
    assert [(r[0], r[2], r[3], r[4]) for r in rows[1:]] == [("hr", 14, 7, 0), ("m365", 14, 7, waiting)]
    monthly = api.get("/api/v1/reports/monthly?month=2026-11").json()
    assert [(s["source"], s["age_days"], s["blocked_lines"]) for s in monthly["stale_sources"]] == [
        ("hr", 14, 0),
        ("m365", 14, waiting),
    ]
    # October's follow-up: at its end nothing had been delivered yet, so nothing was expected either
    assert api.get("/api/v1/reports/monthly?month=2026-10").json()["stale_sources"] == []
    # The evidence pack: the manifest and sources.csv
    payload = {"start": "2026-11-01", "end": "2026-11-30", "sample": 1, "seed": 7}
    pack = zipfile.ZipFile(io.BytesIO(evidence_pack_through_api(api, payload)[1]))
    manifest = json.loads(pack.read("manifest.json"))
    assert [(s["source"], s["stale"], s["blocked_lines"]) for s in manifest["stale_sources"]] == [
        ("hr", True, 0),
        ("m365", True, waiting),
    ]
    assert "m365,Microsoft 365,2026-11-02" in pack.read("sources.csv").decode()
    # The API's freshness list and source health
    fresh = api.get("/api/v1/sources/freshness").json()
    assert [(s["source"], s["stale"], s["blocked_lines"]) for s in fresh] == [("hr", True, 0), ("m365", True, waiting)]
    # And the reminders chase both, with the coordinators
    coordinator = make_user("coordinator")
    coordinator.email = "it@example.org"
    coordinator.save()
    digest = reminders_plan(today=TODAY).digests["it@example.org"]
    assert {"stale:hr", "stale:m365"} <= {entry.item.key for entry in digest.entries}


def test_a_fresh_export_ends_the_finding(delivered_on_2_november, tmp_path: Path) -> None:
    export = drop(tmp_path, "today.csv", m365())
    accounts_import(
        create_application=True,
        application_slug="m365",
        path=export,
        actor=Actor.system("test"),
        today=TODAY,
        preset="m365",
    )
    assert [s.key for s in stale_sources(day=TODAY)] == ["hr"]
    assert Application.objects.get(slug="m365").source_max_age_days is None


def test_an_applications_maximum_age_is_set_in_the_api_and_checked(make_user, m365_app) -> None:
    api = Client(headers={"Authorization": f"Bearer {token_create(user=make_user('admin'), actor=Actor.system('t'))}"})
    answer = api.patch("/api/v1/applications/m365", data={"source_max_age_days": 0}, content_type="application/json")
    assert (answer.status_code, answer.json()["field"]) == (422, "source_max_age_days")
    answer = api.patch("/api/v1/applications/m365", data={"source_max_age_days": 30}, content_type="application/json")
    assert answer.json()["source_max_age_days"] == 30
    assert Application.objects.get(slug="m365").source_max_age_days == 30
