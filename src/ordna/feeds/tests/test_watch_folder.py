"""Issue 18's watch folders: the worker imports the HR file and the M365 export dropped in, each through the
same import as the command line, and moves them on with a report; a corrupt file and a truncated export stop
their feed and nag until resolved."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from ordna.core.actor import Actor
from ordna.feeds.fetching import feed_folder
from ordna.feeds.models import Feed, FeedRun
from ordna.feeds.services import feed_confirm, feed_run
from ordna.feeds.tasks import feeds_tick
from ordna.feeds.tests.conftest import HR_FILE, LEAVERS, STAYERS, drop, m365, person_row
from ordna.lifecycle.models import Case, Line
from ordna.notifications.selectors import reminders_plan

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(day: int, hour: int = 6, minute: int = 1) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=STOCKHOLM)


def tick() -> dict[str, int]:
    return feeds_tick.call_local()


def names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.is_file()} if folder.exists() else set()


def test_the_worker_imports_both_folders_opens_cases_and_the_next_days_export_verifies_lines(feeds) -> None:
    hr, accounts = feeds()
    hr_inbox, m365_inbox = feed_folder(hr), feed_folder(accounts)
    # Given the HR file and an export with every account active, dropped in before the 06:00 run
    with time_machine.travel(at(17, 5, 30), tick=False):
        drop(hr_inbox, "hr.csv", HR_FILE)
        drop(m365_inbox, "users.csv", m365())
    # When the worker ticks after 06:00 (the HR feed sorts first, so the people exist for the export)
    with time_machine.travel(at(17), tick=True):
        assert tick() == {"feeds": 2, "applied": 2, "problems": 0}
    # Then both are in processed/ with a report, the leavers' cases are open, their lines wait for proof
    assert names(hr_inbox / "processed") == {"hr.csv", "hr.csv.report.txt"}
    assert names(m365_inbox / "processed") == {"users.csv", "users.csv.report.txt"}
    assert names(hr_inbox) == names(m365_inbox) == set()
    assert "outcome: applied" in (m365_inbox / "processed" / "users.csv.report.txt").read_text()
    assert sorted(Case.objects.values_list("person__employee_id", flat=True)) == list(LEAVERS)
    assert set(Line.objects.filter(kind="account").values_list("state", flat=True)) == {"open"}
    assert Feed.objects.get(name="m365").next_run_at == at(18, 6, 0)
    # And a tick before the next run does nothing
    with time_machine.travel(at(17, 12), tick=True):
        assert tick() == {"feeds": 0, "applied": 0, "problems": 0}
    # When the next day's export shows the leavers blocked and unlicensed
    with time_machine.travel(at(18, 5, 30), tick=False):
        drop(m365_inbox, "users.csv", m365(blocked=LEAVERS), done=True)
    with time_machine.travel(at(18), tick=True):
        assert tick() == {"feeds": 2, "applied": 1, "problems": 0}  # the HR folder is empty: nothing to do
    # Then the leavers' account lines are verified by the import, and the file is kept beside the first
    assert set(Line.objects.filter(kind="account").values_list("state", "verified_by")) == {("verified", "import")}
    assert len(names(m365_inbox / "processed")) == 4
    assert list(FeedRun.objects.filter(feed=hr).values_list("outcome", flat=True)) == ["nothing", "applied"]


def test_a_corrupt_file_lands_in_failed_with_its_report_and_changes_nothing(feeds, load_people) -> None:
    _hr, accounts = feeds()
    load_people([person_row(eid) for eid in (*LEAVERS, *STAYERS)])
    inbox = feed_folder(accounts)
    drop(inbox, "users.csv", "User principal name,Display name\nnot-an-address,\x00\x00broken\n")
    result = feed_run(feed=accounts, actor=Actor.system("test"), today=timezone.localdate())
    assert result.outcome == "rejected"
    assert names(inbox / "failed") == {"users.csv", "users.csv.report.txt"}
    report = (inbox / "failed" / "users.csv.report.txt").read_text()
    assert "outcome: rejected" in report and "nothing applied" in report
    accounts.refresh_from_db()
    assert (accounts.problem, accounts.last_failure) == ("rejected", "rows")
    assert accounts.application.accounts.count() == 0


def test_a_truncated_export_trips_the_breaker_nags_the_coordinator_until_confirmed(feeds, make_user) -> None:
    hr, accounts = feeds()
    coordinator = make_user("coordinator")
    coordinator.email = "it-coordinator@example.org"
    coordinator.save()
    inbox = feed_folder(accounts)
    drop(feed_folder(hr), "hr.csv", HR_FILE)
    drop(inbox, "users.csv", m365())
    actor, today = Actor.system("test"), timezone.localdate()
    feed_run(feed=hr, actor=actor, today=today)
    assert feed_run(feed=accounts, actor=actor, today=today).outcome == "applied"
    # Given an export that lists only three stayers: twelve accounts would be gone
    drop(inbox, "users.csv", m365(only=STAYERS[:3]))
    result = feed_run(feed=accounts, actor=actor, today=today)
    # Then the run stops, keeps the file in held/ and every account as it was
    assert result.outcome == "stopped"
    accounts.refresh_from_db()
    assert (accounts.problem, accounts.last_failure) == ("stopped", "breaker")
    assert names(inbox / "held") == {"users.csv", "users.csv.report.txt"}
    assert accounts.application.accounts.filter(status="gone").count() == 0
    # And the coordinator is reminded, today and on the following days, until someone confirms
    for later in (0, 1, 3):
        plan = reminders_plan(today=today + timedelta(days=later))
        keys = {entry.item.key for entry in plan.digests["it-coordinator@example.org"].entries}
        assert f"feed:{accounts.pk}" in keys
    # When the coordinator confirms the mass change
    run = feed_confirm(feed=accounts, actor=Actor.for_user(coordinator), today=today)
    # Then the held file is imported, the twelve accounts are gone, and the nagging stops
    assert run.outcome == "applied"
    assert accounts.application.accounts.filter(status="gone").count() == 12
    accounts.refresh_from_db()
    assert (accounts.problem, accounts.held_file) == ("", "")
    plan = reminders_plan(today=today + timedelta(days=1))
    keys = (
        {entry.item.key for entry in plan.digests.get("it-coordinator@example.org", None).entries}
        if ("it-coordinator@example.org" in plan.digests)
        else set()
    )
    assert f"feed:{accounts.pk}" not in keys


def test_a_half_written_file_is_not_read_until_it_settles_or_is_marked_done(feeds, load_people) -> None:
    _hr, accounts = feeds()
    accounts.options = {"settle_seconds": 3600}
    accounts.save()
    load_people([person_row(eid) for eid in (*LEAVERS, *STAYERS)])
    inbox = feed_folder(accounts)
    drop(inbox, "users.csv", m365()[:40])  # written two minutes ago, still being written by the exporter
    assert feed_run(feed=accounts, actor=Actor.system("test"), today=timezone.localdate()).outcome == "nothing"
    assert names(inbox) == {"users.csv"}
    drop(inbox, "users.csv", m365(only=STAYERS), done=True)
    assert feed_run(feed=accounts, actor=Actor.system("test"), today=timezone.localdate()).outcome == "applied"
    assert names(inbox) == set()


def test_one_run_per_feed_at_a_time(feeds) -> None:
    from ordna.feeds.services import FeedError, feed_claim

    _hr, accounts = feeds()
    now = timezone.now()
    assert feed_claim(feed_id=accounts.pk, now=now) is not None
    assert feed_claim(feed_id=accounts.pk, now=now) is None  # a second worker
    with pytest.raises(FeedError, match="running already"):
        feed_run(feed=accounts, actor=Actor.system("test"), today=timezone.localdate(), now=now)
    assert feed_claim(feed_id=accounts.pk, now=now + timedelta(hours=2)) is not None  # the first one died


def test_a_file_the_import_cannot_even_refuse_goes_to_failed_and_the_feed_gets_a_problem(feeds, monkeypatch) -> None:
    _hr, accounts = feeds()
    inbox = feed_folder(accounts)
    drop(inbox, "users.csv", m365())

    def broken(**kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("ordna.feeds.services.accounts_import", broken)
    result = feed_run(feed=accounts, actor=Actor.system("test"), today=timezone.localdate())
    assert (result.outcome, result.runs[-1].error) == ("failed", "RuntimeError: disk full")
    assert names(inbox / "failed") == {"users.csv", "users.csv.report.txt"} and names(inbox) == set()
    accounts.refresh_from_db()
    assert (accounts.problem, accounts.last_failure) == ("failed", "other")
