"""A feed through every interface: the web form and pages (run now, confirm), the API and the command line,
with bad input named by its field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from ordna.core.actor import Actor
from ordna.core.management.base import InvalidInput
from ordna.core.services import token_create
from ordna.feeds.fetching import feed_folder
from ordna.feeds.models import Feed
from ordna.feeds.tests.conftest import LEAVERS, STAYERS, drop, m365, person_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_web(make_user) -> Client:
    client = Client()
    client.force_login(make_user("coordinator"))
    return client


@pytest.fixture
def api(make_user) -> Client:
    token = token_create(user=make_user("coordinator"), actor=Actor.system("test"))
    return Client(headers={"Authorization": f"Bearer {token}"})


def test_the_web_defines_runs_and_confirms_a_feed(coordinator_web, data_dir, m365_app, load_people) -> None:
    load_people([person_row(eid) for eid in (*LEAVERS, *STAYERS)])
    form = {"name": "m365", "kind": "folder", "target": "accounts", "application": "m365", "preset": "m365",
            "full": "on", "schedule": "daily at 05:30", "options": "", "secret": "", "enabled": "on"}  # fmt: skip
    # A schedule it cannot read is refused on its field, and nothing is saved
    page = coordinator_web.post("/feeds/new/", {**form, "schedule": "every morning"}).content.decode()
    assert "The schedule &#x27;every morning&#x27; cannot be read" in page and not Feed.objects.exists()
    answer = coordinator_web.post("/feeds/new/", form)
    assert answer.status_code == 302 and answer["Location"] == "/feeds/m365/"
    feed = Feed.objects.get(name="m365")
    drop(feed_folder(feed), "users.csv", m365())
    coordinator_web.post("/feeds/m365/run/")
    page = coordinator_web.get("/feeds/m365/").content.decode()
    assert "Run finished: Imported." in page and "users.csv" in page
    # A truncated export stops; the page says so and offers the confirmation
    drop(feed_folder(feed), "users.csv", m365(only=STAYERS[:2]))
    coordinator_web.post("/feeds/m365/run/")
    page = coordinator_web.get("/feeds/m365/").content.decode()
    assert "Stopped by the safety breaker" in page and "Confirm the mass change and import" in page
    health = coordinator_web.get("/feeds/?state=failing").content.decode()
    assert ">m365</a>" in health and "Failing" in health
    coordinator_web.post("/feeds/m365/confirm/")
    page = coordinator_web.get("/feeds/m365/").content.decode()
    assert "Mass change confirmed: Imported." in page and "Needs attention" not in page
    assert m365_app.accounts.filter(status="gone").count() == 13


def test_the_auditor_sees_the_health_page_but_cannot_run_a_feed(make_user, data_dir) -> None:
    Feed.objects.create(name="hr", kind="folder", target="hr")
    client = Client()
    client.force_login(make_user("auditor"))
    assert client.get("/feeds/").status_code == 200
    assert client.post("/feeds/hr/run/").status_code == 404  # as every page outside a role
    employee = Client()
    employee.force_login(make_user("hr"))
    assert employee.get("/feeds/").status_code == 404


def test_the_api_defines_lists_runs_and_refuses_with_the_field(api, data_dir, m365_app) -> None:
    body = {"kind": "sftp", "target": "accounts", "application": "m365", "options": {"host": "127.0.0.1"}}
    answer = api.put("/api/v1/feeds/m365-sftp", data=json.dumps(body), content_type="application/json")
    assert answer.status_code == 422
    assert answer.json() == {"detail": "This kind of feed needs the option username.", "field": "username"}
    body = {"kind": "folder", "target": "accounts", "application": "nope"}
    answer = api.put("/api/v1/feeds/x", data=json.dumps(body), content_type="application/json")
    assert answer.json()["field"] == "application"
    body = {"kind": "https", "target": "hr", "options": {"url": "https://hr.example.org/r.csv"}, "secret": "Bearer s"}
    answer = api.put("/api/v1/feeds/hr", data=json.dumps(body), content_type="application/json")
    assert answer.status_code == 200, answer.content
    shown = answer.json()
    assert (shown["secret_set"], shown["schedule"], shown["application"]) == (True, "daily at 06:00", None)
    assert "Bearer s" not in answer.content.decode()
    sources = api.get("/api/v1/sources?type=feed").json()
    assert [(s["name"], s["state"], s["result"], s["age_days"]) for s in sources] == [
        ("hr", "stale", "Not run yet", None)
    ]
    assert api.get("/api/v1/sources?state=broken").json()["field"] == "state"


def test_the_command_line_adds_runs_lists_and_shows(data_dir, m365_app, load_people, capsys, tmp_path: Path) -> None:
    load_people([person_row(eid) for eid in (*LEAVERS, *STAYERS)])
    call_command("feed", "add", "m365", "--kind", "folder", "--target", "accounts", "--app", "m365",
                 "--preset", "m365", "--schedule", "30 5 * * 1-5")  # fmt: skip
    assert "m365: folder feed saved, folder " in capsys.readouterr().out
    drop(feed_folder(Feed.objects.get(name="m365")), "users.csv", m365())
    call_command("feed", "run", "m365")
    assert "m365: Imported users.csv (15 rows)" in capsys.readouterr().out
    call_command("feed", "list")
    assert "feed      m365" in capsys.readouterr().out
    drop(feed_folder(Feed.objects.get(name="m365")), "users.csv", "nothing,useful\n1,2\n")
    with pytest.raises(InvalidInput, match="m365: Refused"):
        call_command("feed", "run", "m365")
    call_command("feed", "show", "m365")
    assert "The file was refused and nothing was imported" in capsys.readouterr().out
    with pytest.raises(InvalidInput, match="schedule: The schedule '61 \\* \\* \\* \\*' cannot be read"):
        call_command("feed", "add", "x", "--kind", "folder", "--target", "hr", "--schedule", "61 * * * *")
    with pytest.raises(InvalidInput, match="no feed 'nope'"):
        call_command("feed", "run", "nope")


def test_the_health_page_costs_the_same_queries_for_one_feed_or_many(coordinator_web, data_dir, m365_app) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from ordna.feeds.services import feed_run, feed_save

    def feed(name: str) -> None:
        made = feed_save(name=name, kind="folder", target="accounts", application="m365", actor=Actor.system("t"),
                         now=timezone.now())  # fmt: skip
        feed_run(feed=made, actor=Actor.system("t"), today=timezone.localdate())

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert coordinator_web.get("/feeds/").status_code == 200
        return len(queries)

    feed("one")
    few = cost()
    for n in range(5):
        feed(f"more-{n}")
    assert cost() == few


def test_a_watch_folders_path_is_set_on_the_server_only(api, data_dir, tmp_path: Path) -> None:
    body = {"kind": "folder", "target": "hr", "options": {"path": "/etc"}}
    answer = api.put("/api/v1/feeds/hr", data=json.dumps(body), content_type="application/json")
    assert (answer.status_code, answer.json()["field"]) == (422, "path")
    assert not Feed.objects.exists()
    call_command("feed", "add", "hr", "--kind", "folder", "--target", "hr", "--option", f"path={tmp_path / 'drop'}")
    assert feed_folder(Feed.objects.get(name="hr")) == tmp_path / "drop"
    # The web and the API may change the rest of a feed whose folder the server set
    body["options"] = {"path": str(tmp_path / "drop")}
    body["schedule"] = "*/5 * * * *"
    answer = api.put("/api/v1/feeds/hr", data=json.dumps(body), content_type="application/json")
    assert (answer.status_code, answer.json()["schedule"]) == (200, "*/5 * * * *")
