"""The issue's journey against a real SMTP server on loopback: one digest per recipient with items due, none
for finished items, nothing more on a second run, escalation to the manager a day later; retries when the
mail server is down; chat webhooks; Redis-backed workers sending each digest once."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from ordna.conftest import TODAY
from ordna.core.actor import Actor
from ordna.notifications.models import Digest, DigestState, ReminderRun
from ordna.notifications.services import digest_send, digests_send_due, reminders_run

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def run(day: date = TODAY) -> Any:
    return reminders_run(actor=Actor.system("test"), today=day)


def subjects(messages) -> list[str]:
    return [str(message["Subject"]) for message in messages]


def text_of(message) -> str:
    return next(
        part.get_payload(decode=True).decode() for part in message.walk() if part.get_content_type() == "text/plain"
    )


def html_of(message) -> str:
    return next(
        part.get_payload(decode=True).decode() for part in message.walk() if part.get_content_type() == "text/html"
    )


def test_one_digest_per_recipient_none_for_finished_items_nothing_twice_and_escalation_a_day_later(
    unseen_org, smtp_server
) -> None:
    # Given today's items, when the reminders run, then each address gets exactly one digest: Lars, who has
    # no Ordna user, at the HR file's address.
    result = run()
    assert result.created == 4
    assert digests_send_due() == {"sent": 4, "retry": 0, "skipped": 0}
    assert smtp_server.recipients() == [
        "hr@example.org",
        "lars.leaver.l2@example.org",
        "leaver@example.org",
        "manager@example.org",
    ]
    manager_mail = smtp_server.to("manager@example.org")[0]
    manager_text = text_of(manager_mail)
    assert "Handover (Lena Leaver)" in manager_text
    assert "Lars Leaver" not in manager_text  # the attested handover is finished
    assert manager_mail["Subject"] == "Ordna: 1 sak behöver din uppmärksamhet"  # her language: Swedish
    assert "Förfaller i dag" in manager_text
    assert 'href="http://127.0.0.1:8000/cases/' in html_of(manager_mail)
    hr_text = text_of(smtp_server.to("hr@example.org")[0])
    assert "Payroll (Lena Leaver)" in hr_text and "Payroll (Lars Leaver)" in hr_text
    assert "Due today" in hr_text

    # When the reminders run again the same day, nothing more is sent.
    again = run()
    assert again.created == 0
    assert digests_send_due() == {"sent": 0, "retry": 0, "skipped": 0}
    assert len(smtp_server.messages) == 4

    # A day later the overdue handover escalates to the manager's manager, in Dutch.
    with time_machine.travel(datetime(2026, 11, 17, 9, 0, tzinfo=STOCKHOLM), tick=True):
        run(date(2026, 11, 17))
        digests_send_due()
    director = smtp_server.to("director@example.org")
    assert len(director) == 1
    assert "Handover (Lena Leaver)" in text_of(director[0])
    assert "Geëscaleerd naar u als manager of leidinggevende" in text_of(director[0])
    assert len(smtp_server.to("manager@example.org")) == 2
    assert "== Försenade ==" in text_of(smtp_server.to("manager@example.org")[1])
    # Lars's overdue badge escalates to his manager Maja as well, in her one digest of the day.
    assert "Return badge (Lars Leaver)" in text_of(smtp_server.to("manager@example.org")[1])
    assert Digest.objects.filter(state=DigestState.SENT).count() == 9


def test_nothing_is_sent_on_a_weekend(unseen_org, smtp_server) -> None:
    with time_machine.travel(datetime(2026, 11, 21, 9, 0, tzinfo=STOCKHOLM), tick=True):
        assert run(date(2026, 11, 21)).created == 0
    assert Digest.objects.count() == 0


def test_a_mail_server_that_is_down_delays_the_digest_with_backoff_and_never_loses_it(unseen_org, settings) -> None:
    from .conftest import Inbox, free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    run()
    assert digests_send_due() == {"sent": 0, "retry": 4, "skipped": 0}
    digest = Digest.objects.get(recipient=unseen_org["hr"])
    assert (digest.state, digest.attempts) == (DigestState.PENDING, 1)
    assert "mail:" in digest.last_error
    first_retry = digest.next_attempt_at
    # Not yet due again: nothing is tried.
    assert digests_send_due() == {"sent": 0, "retry": 0, "skipped": 0}
    # The second failure waits twice as long.
    later = first_retry + timedelta(seconds=1)
    assert digest_send(digest_id=digest.pk, now=later) == "retry"
    digest.refresh_from_db()
    assert digest.next_attempt_at - later == timedelta(minutes=2)

    # When the server is back, the waiting digests go out, each once.
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=settings.EMAIL_PORT)
    controller.start()
    try:
        assert digests_send_due(now=later + timedelta(minutes=5)) == {"sent": 4, "retry": 0, "skipped": 0}
    finally:
        controller.stop()
    assert inbox.recipients() == [
        "hr@example.org",
        "lars.leaver.l2@example.org",
        "leaver@example.org",
        "manager@example.org",
    ]


def test_a_role_webhook_gets_one_message_a_day(unseen_org, smtp_server, webhook, settings) -> None:
    settings.ORDNA_WEBHOOKS = {"hr": [webhook.url]}
    run()
    run()
    digests_send_due()
    assert len(webhook.posts) == 1
    text = webhook.posts[0]["text"]
    assert "Payroll (Lena Leaver)" in text and "Payroll (Lars Leaver)" in text
    assert "http://127.0.0.1:8000/cases/" in text


def test_remind_dry_run_prints_recipients_items_and_steps_and_sends_nothing(unseen_org, smtp_server, capsys) -> None:
    call_command("remind", "--dry-run")
    out = capsys.readouterr().out
    assert "manager@example.org [sv] Maja Manager (user manager2): 1 item(s)" in out
    assert "lars.leaver.l2@example.org [en] Lars Leaver (HR file, L2): 1 item(s)" in out
    handover = next(line for line in out.splitlines() if "Handover (Lena Leaver)" in line)
    assert handover.startswith("  due         2026-11-16  line.task          Handover (Lena Leaver)  /cases/")
    assert handover.endswith("/ [link]")  # Maja does it by a signed link
    assert "dry run: nothing claimed or sent" in out
    assert Digest.objects.count() == 0 and smtp_server.messages == []
    call_command("remind")
    assert "sent 4" in capsys.readouterr().out
    assert len(smtp_server.messages) == 4


def test_the_scheduled_run_claims_its_day_once(unseen_org, smtp_server) -> None:
    from ordna.notifications.tasks import reminders_if_due

    assert reminders_if_due() == {"claimed": 4, "sent": 4, "retry": 0, "skipped": 0}
    assert reminders_if_due() == {"claimed": 0, "sent": 0, "retry": 0, "skipped": 0}
    assert ReminderRun.objects.filter(trigger="schedule").count() == 1
    assert len(smtp_server.messages) == 4


def test_before_the_reminder_hour_the_schedule_waits(unseen_org, smtp_server, settings) -> None:
    from ordna.notifications.tasks import reminders_if_due

    settings.ORDNA_REMIND_HOUR = 10  # it is 09:00
    assert reminders_if_due()["claimed"] == 0
    assert smtp_server.messages == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_redis_send_each_digest_once(unseen_org, smtp_server, redis_url) -> None:
    """Two runs enqueue every digest twice on a real Redis; two consumers take turns at the queue (one task
    each in turn: SQLite's in-memory test database refuses concurrent writers from threads); the claim in the
    database lets exactly one of them send each digest."""
    from huey import RedisHuey

    def send_digest(digest_id: int) -> str:
        return digest_send(digest_id=digest_id)

    huey = RedisHuey("ordna-test", url=redis_url)
    send = huey.task(name="send-digest")(send_digest)
    consumers = [RedisHuey("ordna-test", url=redis_url) for _ in range(2)]
    for consumer in consumers:
        consumer.task(name="send-digest")(send_digest)

    for _ in range(2):
        run()
        for digest_id in Digest.objects.values_list("id", flat=True):
            send(digest_id)
    assert len(huey) == 8

    outcomes = []
    turn = 0
    while (task := consumers[turn % 2].dequeue()) is not None:
        outcomes.append((turn % 2, consumers[turn % 2].execute(task)))
        turn += 1
    assert len(huey) == 0
    assert sorted(outcome for _, outcome in outcomes) == ["sent"] * 4 + ["skipped"] * 4
    assert {worker for worker, _ in outcomes} == {0, 1}
    assert smtp_server.recipients() == [
        "hr@example.org",
        "lars.leaver.l2@example.org",
        "leaver@example.org",
        "manager@example.org",
    ]
    assert Digest.objects.filter(state=DigestState.SENT).count() == 4
    huey.flush()


def test_ordna_redis_url_makes_the_worker_use_redis(redis_url, tmp_path) -> None:
    code = (
        "import django; django.setup(); from huey.contrib.djhuey import HUEY; "
        "print(type(HUEY).__name__, HUEY.storage.conn.ping())"
    )
    env = {"ORDNA_REDIS_URL": redis_url, "ORDNA_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "ordna.settings"}
    import os

    out = subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "RedisHuey True"
