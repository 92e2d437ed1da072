"""The demo organisation's feed: the HR file dropped into a watch folder every morning (docs/feeds.md)."""

from __future__ import annotations

from django.utils import timezone

from ordna.core.actor import Actor
from ordna.feeds.models import Feed
from ordna.feeds.services import feed_save


def feeds_demo_load(*, actor: Actor) -> Feed:
    """The HR system's nightly export lands in DATA_DIR/inbox/hr/; the worker imports it at 06:00."""
    return feed_save(name="hr", kind="folder", target="hr", schedule="daily at 06:00", actor=actor, now=timezone.now())
