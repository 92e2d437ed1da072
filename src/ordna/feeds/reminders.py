"""The feeds' reminder source for ordna.notifications: a failed or stopped feed, and a stale source.

A feed whose last run failed, was refused or was stopped by the safety breaker is an open item for the IT
coordinators and, for an application's feed, the application's owner, from the day it happened, climbing the
ladder until a run succeeds or the mass change is confirmed. A source past its age (docs/feeds.md) is one
too: a file that did not arrive is chased like one that arrived broken. Titles are data, written in the language
active when the reminders run (ORDNA_LANGUAGE in the worker), as the other sources' names are.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordna.feeds.models import Feed
from ordna.feeds.selectors import HR, feed_problems, stale_sources
from ordna.notifications.ladder import OpenItem
from ordna.notifications.sources import SourceContext, reminder_kind, reminder_source

reminder_kind("feed_problem", _("Feed needs attention"))
reminder_kind("source_stale", _("Source is stale"))


@reminder_source("feeds.problems")
def feeds_failed(context: SourceContext) -> Iterator[OpenItem]:
    coordinators = context.directory.role("coordinator")
    for feed in feed_problems():
        owner = context.directory.person(feed.application.owner_id) if feed.application else ()
        since = timezone.localtime(feed.problem_since).date() if feed.problem_since else context.today
        yield OpenItem(
            key=f"feed:{feed.pk}",
            source="feeds.problems",
            kind="feed_problem",
            title=str(_("Feed %(feed)s: %(problem)s") % {"feed": feed.name, "problem": feed.get_problem_display()}),
            url=f"/feeds/{feed.name}/",
            due=min(since, context.horizon),
            assignees=tuple(sorted({*coordinators, *owner})),
            leads=context.directory.lead_of_role("coordinator"),
        )


@reminder_source("feeds.stale")
def sources_stale(context: SourceContext) -> Iterator[OpenItem]:
    coordinators = context.directory.role("coordinator")
    feeds = {
        (feed.application.slug if feed.application else HR): feed.name
        for feed in Feed.objects.select_related("application").order_by("-pk")
    }
    for source in stale_sources(day=context.today):
        owner = context.directory.person(source.owner_id)
        feed = feeds.get(source.key)
        yield OpenItem(
            key=f"stale:{source.key}",
            source="feeds.stale",
            kind="source_stale",
            title=str(
                _("%(source)s: no fresh data for %(days)s days (%(lines)s open lines wait for it)")
                % {
                    "source": source.label,
                    "days": source.age_days if source.age_days is not None else "?",
                    "lines": source.blocked_lines,
                }
            ),
            url=f"/feeds/{feed}/" if feed else "/feeds/",
            due=context.today,
            assignees=tuple(sorted({*coordinators, *owner})),
            leads=context.directory.lead_of_role("coordinator"),
        )
