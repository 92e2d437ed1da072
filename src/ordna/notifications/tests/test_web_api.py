"""The notification log, run-now, the calendar feed and the API, through the web client and tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ordna.conftest import TODAY
from ordna.core.actor import Actor
from ordna.core.services import token_create
from ordna.notifications.models import Digest, DigestState
from ordna.notifications.services import digests_send_due, reminders_run

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def sent(unseen_org, smtp_server) -> dict[str, Any]:
    reminders_run(actor=Actor.system("test"), today=TODAY)
    digests_send_due()
    return unseen_org


def test_the_log_shows_everyone_to_the_coordinator_and_only_their_own_to_a_manager(sent, make_user) -> None:
    page = signed_in(make_user("coordinator")).get("/notifications/").content.decode()
    assert "4 digests" in page
    assert "lars.leaver.l2@example.org" in page and "The address in the HR file" in page
    assert "hr@example.org" in page and "manager@example.org" in page
    own = signed_in(sent["manager"]).get("/notifications/").content.decode()  # she reads Swedish
    assert "1 sammanställning" in own and "manager@example.org" in own and "hr@example.org" not in own


def test_a_digest_page_lists_its_items_and_others_get_404(sent) -> None:
    digest = Digest.objects.get(recipient=sent["hr"])
    page = signed_in(sent["hr"]).get(f"/notifications/{digest.pk}/").content.decode()
    assert "Payroll (Lena Leaver)" in page and "Due today" in page
    assert signed_in(sent["manager"]).get(f"/notifications/{digest.pk}/").status_code == 404


def test_the_log_filters_by_state_day_and_recipient(sent, make_user) -> None:
    client = signed_in(make_user("auditor"))
    assert "0 digests" in client.get("/notifications/", {"state": "pending"}).content.decode()
    assert "4 digests" in client.get("/notifications/", {"day": TODAY.isoformat()}).content.decode()
    assert "2 digests" in client.get("/notifications/", {"q": "leaver"}).content.decode()  # the user and Lars
    assert "1 digest" in client.get("/notifications/", {"q": "lars"}).content.decode()
    assert "4 digests" in client.get("/notifications/", {"day": "not-a-day"}).content.decode()


def test_the_log_keeps_a_fixed_query_count(sent, make_user) -> None:
    from django.utils import timezone

    now = timezone.now()
    users = [make_user("hr") for _ in range(30)]
    Digest.objects.bulk_create(
        [
            Digest(
                day=TODAY,
                recipient=u,
                address=f"{u.username}@example.org",
                top_step="due",
                next_attempt_at=now,
                created_at=now,
            )
            for u in users
        ]
    )
    client = signed_in(make_user("coordinator"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/notifications/").status_code == 200
    assert len(queries) <= 10, [q["sql"][:100] for q in queries.captured_queries]


def test_run_now_queues_the_run(unseen_org, make_user) -> None:
    # The job goes to huey's queue; running it is the worker's (test_services runs the same service).
    response = signed_in(make_user("coordinator")).post("/notifications/run/")
    assert response.status_code == 302 and response["Location"] == "/notifications/"


def test_api_lists_the_log_and_a_dry_run_shows_the_plan(sent, make_user) -> None:
    token = token_create(user=make_user("coordinator"), actor=Actor.system("test"))
    client = Client(headers={"Authorization": f"Bearer {token}"})
    log = client.get("/api/v1/notifications").json()
    assert log["count"] == 4
    assert {row["recipient"] for row in log["items"]} == {u.username for k, u in sent.items() if k != "director"} | {
        None
    }
    lars = next(row for row in log["items"] if row["recipient"] is None)
    assert (lars["address"], lars["person"], lars["name"], lars["origin"]) == (
        "lars.leaver.l2@example.org",
        "L2",
        "Lars Leaver",
        "hr_file",
    )
    assert all(row["state"] == DigestState.SENT for row in log["items"])
    digest = Digest.objects.get(recipient=sent["manager"])
    detail = client.get(f"/api/v1/notifications/{digest.pk}").json()
    assert [(i["title"], i["step"], i["action"]) for i in detail["items"]] == [
        ("Handover (Lena Leaver)", "due", "lifecycle.line")
    ]
    assert [(a["purpose"], a["used_at"], a["revoked_at"]) for a in detail["action_links"]] == [
        ("lifecycle.line", None, None)
    ]
    plan = client.post("/api/v1/reminders/run").json()
    assert plan["dry_run"] is True and plan["queued"] is False
    assert plan["by_source"] == {
        "feeds.problems": 0,
        "feeds.stale": 0,  # the HR file was imported today
        "lifecycle.lines": 5,
        "suppliers.actions": 0,
        "suppliers.contracts": 0,
        "suppliers.processors": 0,
        "support.questions": 0,
        "support.surveys": 0,
    }
    assert {d["email"]: (d["recipient"], d["origin"], len(d["items"])) for d in plan["digests"]} == {
        "hr@example.org": (sent["hr"].username, "user", 2),
        "leaver@example.org": (sent["leaver"].username, "user", 1),
        "manager@example.org": (sent["manager"].username, "user", 1),
        "lars.leaver.l2@example.org": ("", "hr_file", 1),
    }
    assert Digest.objects.count() == 4  # the dry run claimed nothing


def test_the_calendar_feed_has_my_due_dates_and_leavers_last_days(unseen_org) -> None:
    client = signed_in(unseen_org["manager"])
    assert client.post("/notifications/calendar/new/").status_code == 302
    page = client.get("/notifications/calendar/").content.decode()
    url = page.split("<code>")[1].split("</code>")[0]
    assert url.startswith("http://127.0.0.1:8000/notifications/calendar/") and url.endswith(".ics")
    feed = Client().get(url.removeprefix("http://127.0.0.1:8000"))
    assert feed["Content-Type"] == "text/calendar; charset=utf-8"
    body = feed.content.decode()
    assert body.count("BEGIN:VEVENT") == 3  # her open handover, and both leavers' last days
    assert "SUMMARY:Leaver task: Handover (Lena Leaver)" in body
    assert "SUMMARY:Last day: Lars Leaver" in body
    assert "DTSTART;VALUE=DATE:20261116" in body
    # A new address stops the old one.
    client.post("/notifications/calendar/new/")
    assert Client().get(url.removeprefix("http://127.0.0.1:8000")).status_code == 404
    assert Client().get("/notifications/calendar/wrong.ics").status_code == 404


def test_the_daily_job_is_scheduled_on_the_worker() -> None:
    from django.utils.module_loading import autodiscover_modules
    from huey.contrib.djhuey import HUEY

    from ordna.notifications import tasks

    autodiscover_modules("tasks")  # as the worker (run_huey) does
    due = {task.name for task in HUEY.read_periodic(datetime(2026, 11, 16, 7, 5, tzinfo=ZoneInfo("UTC")))}
    # every five minutes (the runs wait for their hour); the worker's heartbeat and the feeds' tick every minute
    assert due == {"reminders_tick", "service_desk_tick", "worker_heartbeat", "feeds_tick"}
    assert callable(tasks.reminders_tick)
