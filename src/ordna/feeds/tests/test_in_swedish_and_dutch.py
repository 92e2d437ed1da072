"""The feeds' pages in Swedish and Dutch: the source health page with a stale source, a feed stopped by the
safety breaker, and the feed form refusing a schedule. No English on any of them
(ordna.core.tests.test_translations.untranslated)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ordna.core.actor import Actor
from ordna.core.tests.test_translations import untranslated
from ordna.feeds.fetching import feed_folder
from ordna.feeds.services import feed_run, feed_save
from ordna.feeds.tests.conftest import LEAVERS, STAYERS, drop, m365, person_row

pytestmark = pytest.mark.django_db


def signed_in(user: Any, language: str) -> Client:
    client = Client()
    client.force_login(user)
    client.post("/language/", {"language": language, "next": "/"})
    return client


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("sv", ("Källornas hälsa", "Stoppad av säkerhetsspärren", "Bekräfta massändringen", "kan inte läsas")),
        (
            "nl",
            ("Gezondheid van de bronnen", "Gestopt door de veiligheidsstop", "Bevestig de massawijziging", "kan niet"),
        ),
    ],
)
def test_the_feed_pages_in_swedish_and_dutch(language, words, make_user, data_dir, m365_app, load_people) -> None:
    load_people([person_row(eid) for eid in (*LEAVERS, *STAYERS)])
    feed = feed_save(name="m365", kind="folder", target="accounts", application="m365", preset="m365",
                     actor=Actor.system("t"), now=timezone.now())  # fmt: skip
    drop(feed_folder(feed), "users.csv", m365())
    feed_run(feed=feed, actor=Actor.system("t"), today=timezone.localdate())
    drop(feed_folder(feed), "users.csv", m365(only=STAYERS[:2]))
    feed_run(feed=feed, actor=Actor.system("t"), today=timezone.localdate())
    feed_save(name="hr", kind="folder", target="hr", actor=Actor.system("t"), now=timezone.now())  # never delivered
    client = signed_in(make_user("coordinator"), language)
    health, detail = client.get("/feeds/").content.decode(), client.get("/feeds/m365/").content.decode()
    form = {"name": "x", "kind": "folder", "target": "hr", "schedule": "61 * * * *", "options": "", "secret": ""}
    refused = client.post("/feeds/new/", form).content.decode()
    assert words[0] in health and words[1] in detail and words[2] in detail and words[3] in refused
    for page in (health, detail, refused, client.get("/").content.decode()):
        assert untranslated(page, language) == []
