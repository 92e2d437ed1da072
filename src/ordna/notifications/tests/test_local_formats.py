"""Dates and times in each language's own form, on the reminders page and in the reminder mail (issue 29): one
mechanism (Django's formats per language, Ordna's own for English), never a US date or a.m./p.m."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from ordna.core.models import User
from ordna.notifications.models import Digest, DigestState
from ordna.notifications.services import digest_message, webhook_text

pytestmark = pytest.mark.django_db
US_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b")
TWELVE_HOUR = re.compile(r"\b(a\.m\.|p\.m\.|AM|PM)\b|\b\d{1,2}:\d{2} ?[ap]m\b", re.IGNORECASE)
# The form each language writes 7 December 2026 in (Swedish year first, Dutch day first), and 03:58.
EXPECTED = {"en": "2026-12-07", "sv": "2026-12-07", "nl": "7-12-2026"}


def a_digest(language: str) -> Digest:
    sent = datetime(2026, 12, 7, 3, 58, tzinfo=ZoneInfo("Europe/Stockholm"))
    return Digest.objects.create(
        day=date(2026, 12, 7),
        address=f"lisa.{language}@example.org",
        name="Lisa",
        language=language,
        items=[
            {
                "key": "line:1",
                "source": "lifecycle.lines",
                "kind": "line.account",
                "title": "Disable the account lisa@example.org",
                "url": "/cases/1/",
                "due": "2026-12-07",
                "step": "due",
                "days_late": 0,
            }
        ],
        item_count=1,
        top_step="due",
        state=DigestState.SENT,
        next_attempt_at=sent,
        created_at=sent,
        sent_at=sent,
    )


def assert_local(text: str, language: str) -> None:
    assert not US_DATE.search(text), US_DATE.search(text)
    assert not TWELVE_HOUR.search(text), TWELVE_HOUR.search(text)
    assert EXPECTED[language] in text


@pytest.mark.parametrize("language", ["sv", "nl", "en"])
def test_the_reminders_page_writes_dates_and_times_the_language_s_way(make_user, language) -> None:
    # Given a digest sent at 03:58 on 7 December, and a coordinator who reads Ordna in `language`
    a_digest(language)
    user = make_user("coordinator")
    User.objects.filter(pk=user.pk).update(locale=language)
    client = Client()
    client.force_login(user)
    # When the reminders page and the digest's page are shown
    html = client.get("/notifications/").content.decode()
    detail = client.get(f"/notifications/{Digest.objects.get().pk}/").content.decode()
    # Then the day and the time are in the language's form, never 12/07/2026 or 3:58 a.m.
    assert_local(html, language)
    assert_local(detail, language)
    assert f"{EXPECTED[language]} 03:58" in html


@pytest.mark.parametrize("language", ["sv", "nl", "en"])
def test_the_reminder_mail_writes_dates_the_recipient_s_way(language) -> None:
    message = digest_message(a_digest(language))
    html = message.alternatives[0][0]
    assert_local(message.body, language)
    assert_local(str(html), language)
    assert_local(webhook_text(Digest.objects.get()), language)


@pytest.mark.parametrize(
    ("language", "day", "moment"),
    [
        ("en", "2026-12-07", "2026-12-07 03:58"),
        ("sv", "2026-12-07", "2026-12-07 03:58"),
        ("nl", "7-12-2026", "7-12-2026 03:58"),
    ],
)
def test_dates_written_in_code_follow_the_same_formats(language, day, moment) -> None:
    """Messages, PDFs and the import preview's values write dates through the same formats as the templates."""
    from django.utils import translation

    from ordna.core.formats import short_date, short_datetime
    from ordna.core.templatetags.ordna import value

    with translation.override(language):
        assert short_date(date(2026, 12, 7)) == day
        assert value(date(2026, 12, 7)) == day
        assert short_datetime(datetime(2026, 12, 7, 3, 58, tzinfo=ZoneInfo("Europe/Stockholm"))) == moment
