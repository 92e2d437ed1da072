"""Reads of feeds: how fresh each source is (the one set of figures every surface shows), and the source
health page's rows (every feed and connector, its last run and next one)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, JSONField, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ordna.applications.models import Application
from ordna.connectors.models import Connector
from ordna.core.data_version import cached
from ordna.core.models import ImportRun
from ordna.feeds.failures import failure_sentence
from ordna.feeds.models import Feed, FeedRun, FeedTarget, RunOutcome
from ordna.lifecycle.models import Line, LineKind, LineState

HR = "hr"


@dataclass(frozen=True)
class SourceFreshness:
    """How old one source's data is on a day: the HR file (`key` "hr") or an application's accounts."""

    key: str
    label: str
    application_id: int | None
    owner_id: int | None
    delivered_at: datetime | None  # when the data of its last applied import was taken
    max_age_days: int
    age_days: int | None  # None: never delivered
    blocked_lines: int  # open case lines of the application that cannot be verified until fresh data arrives

    @property
    def stale(self) -> bool:
        return self.age_days is None or self.age_days > self.max_age_days

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.key,
            "label": self.label,
            "delivered_at": self.delivered_at.isoformat() if self.delivered_at else None,
            "age_days": self.age_days,
            "max_age_days": self.max_age_days,
            "stale": self.stale,
            "blocked_lines": self.blocked_lines,
        }


def _day_end(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _age(delivered: datetime | None, day: date) -> int | None:
    return None if delivered is None else max(0, (day - timezone.localtime(delivered).date()).days)


def sources_freshness(*, day: date) -> list[SourceFreshness]:
    """Every source Ordna expects data from, as it stood at the end of `day`: the HR file once it has been
    imported or has a feed, and each application (not attest-only) with an import, a connector or a feed.

    Three queries for all of them, whatever their number (two when no application is expected), once per data
    version, day and language (the start page asks on every request).
    """
    return cached(("sources_freshness", day, get_language()), lambda: _sources_freshness(day))


def _sources_freshness(day: date) -> list[SourceFreshness]:
    end = _day_end(day)
    default_age = settings.ORDNA_SOURCE_MAX_AGE_DAYS
    delivered: dict[int | None, datetime] = {}
    hr_at: datetime | None = None
    for row in (
        ImportRun.objects.filter(
            outcome=ImportRun.Outcome.APPLIED,
            finished_at__lt=end,
            source__in=(ImportRun.Source.HR, ImportRun.Source.ACCOUNTS),
        )
        .values("source", "application_id")
        .annotate(at=Max(Coalesce("taken_at", "finished_at")))
    ):
        if row["source"] == ImportRun.Source.HR:
            hr_at = max(hr_at, row["at"]) if hr_at else row["at"]
        elif row["application_id"] is not None:
            delivered[row["application_id"]] = row["at"]
    # What else makes a source expected: an enabled feed (of the HR file, or of an application), a connector.
    wanted = Feed.objects.filter(enabled=True).order_by().values_list("target", "application_id")
    wanted = wanted.union(
        Connector.objects.order_by()
        .annotate(target=Value(FeedTarget.ACCOUNTS.value))
        .values_list("target", "application_id")
    )
    fed = set(wanted)
    expected = set(delivered) | {app_id for target, app_id in fed if target == FeedTarget.ACCOUNTS and app_id}
    sources = []
    if hr_at is not None or any(target == FeedTarget.HR for target, _app in fed):
        sources.append(SourceFreshness(HR, _("HR file"), None, None, hr_at, default_age, _age(hr_at, day), 0))
    if not expected:
        return sources
    # The lines open at the day's end, one grouped query (the two sides of the OR each through an index).
    blocked = dict(
        Line.objects.filter(
            application_id__in=expected,
            kind__in=(LineKind.ACCOUNT, LineKind.LICENCE),
            case__opened_at__lt=end,
        )
        .filter(Q(state=LineState.OPEN) | Q(closed_at__gte=end))
        .filter(Q(case__cancelled_at__isnull=True) | Q(case__cancelled_at__gte=end))
        .order_by()
        .values("application_id")
        .annotate(n=Count("pk"))
        .values_list("application_id", "n")
    )
    applications = Application.objects.filter(pk__in=expected, attest_only=False).only(
        "pk", "slug", "name", "owner_id", "source_max_age_days"
    )
    for app in sorted(applications, key=lambda a: a.name.lower()):
        at = delivered.get(app.pk)
        sources.append(
            SourceFreshness(
                key=app.slug,
                label=app.name,
                application_id=app.pk,
                owner_id=app.owner_id,
                delivered_at=at,
                max_age_days=app.source_max_age_days or default_age,
                age_days=_age(at, day),
                blocked_lines=blocked.get(app.pk, 0),
            )
        )
    return sources


def stale_sources(*, day: date) -> list[SourceFreshness]:
    """The sources past their age at the end of `day`: a finding on the dashboard, the monthly follow-up and
    the evidence pack."""
    return [source for source in sources_freshness(day=day) if source.stale]


@dataclass(frozen=True)
class HealthRow:
    """One line of the source health page: a feed or a connector."""

    kind: str  # "feed" or "connector"
    name: str
    how: str  # the kind of feed or connector, in words
    source: str  # "HR file" or the application's name
    source_key: str
    last_run_at: datetime | None
    result: str  # in words
    ok: bool | None  # None: never ran
    rows: int | None
    age_days: int | None
    stale: bool
    next_run_at: datetime | None
    error: str  # what happened, in words
    detail: str  # the technical detail
    url: str

    @property
    def state(self) -> str:
        if self.ok is False:
            return "failing"
        return "stale" if self.stale else "ok"

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "name": self.name,
            "how": self.how,
            "source": self.source_key,
            "source_label": self.source,
            "state": self.state,
            "last_run_at": self.last_run_at,
            "result": self.result,
            "rows": self.rows,
            "age_days": self.age_days,
            "stale": self.stale,
            "next_run_at": self.next_run_at,
            "error": self.error,
            "detail": self.detail,
        }


HEALTH_STATES = ("ok", "failing", "stale")
HEALTH_TYPES = ("feed", "connector")


def source_health(*, today: date, state: str = "", kind: str = "", search: str = "") -> list[HealthRow]:
    """Every feed and connector with its last run, result, rows, the age of its data and its next run."""
    fresh = {source.key: source for source in sources_freshness(day=today)}
    rows: list[HealthRow] = []
    last_rows = (
        FeedRun.objects.filter(feed=OuterRef("pk"), outcome=RunOutcome.APPLIED)
        .order_by("-started_at", "-id")
        .values("rows")[:1]
    )
    for feed in Feed.objects.select_related("application").annotate(last_rows=Subquery(last_rows)):
        key = feed.application.slug if feed.application else HR
        freshness = fresh.get(key)
        rows.append(
            HealthRow(
                kind="feed",
                name=feed.name,
                how=str(feed.get_kind_display()),
                source=feed.application.name if feed.application else _("HR file"),
                source_key=key,
                last_run_at=feed.last_run_at,
                result=str(feed.get_last_outcome_display()) if feed.last_outcome else _("Not run yet"),
                ok=None if not feed.last_outcome else not feed.problem,
                rows=feed.last_rows,
                age_days=freshness.age_days if freshness else None,
                stale=freshness.stale if freshness else False,
                next_run_at=feed.next_run_at if feed.enabled else None,
                error=failure_sentence(feed.last_failure) if feed.problem else "",
                detail=feed.last_error if feed.problem else "",
                url=f"/feeds/{feed.name}/",
            )
        )
    last_counts = (
        ImportRun.objects.filter(
            application_id=OuterRef("application_id"),
            source=ImportRun.Source.ACCOUNTS,
            outcome=ImportRun.Outcome.APPLIED,
        )
        .order_by("-finished_at", "-id")
        .values("counts")[:1]
    )
    connectors = Connector.objects.select_related("application").annotate(
        last_counts=Subquery(last_counts, output_field=JSONField())
    )
    for connector in connectors:
        app = connector.application
        freshness = fresh.get(app.slug)
        failed = bool(connector.last_sync_error)
        ran = bool(connector.last_sync_at or failed)
        result = (_("Failed") if failed else _("Synchronised")) if ran else _("Not run yet")
        next_run = None
        if connector.sync_hours:
            next_run = (connector.last_sync_at or timezone.now()) + timedelta(hours=connector.sync_hours)
        rows.append(
            HealthRow(
                kind="connector",
                name=app.slug,
                how=str(connector.get_kind_display()),
                source=app.name,
                source_key=app.slug,
                last_run_at=connector.last_sync_at,
                result=result,
                ok=not failed if ran else None,
                rows=_rows_of(connector.last_counts),
                age_days=freshness.age_days if freshness else None,
                stale=freshness.stale if freshness else False,
                next_run_at=next_run,
                error=_("The last synchronisation failed.") if failed else "",
                detail=connector.last_sync_error,
                url=f"/connectors/{app.slug}/",
            )
        )
    if state:
        rows = [row for row in rows if row.state == state]
    if kind:
        rows = [row for row in rows if row.kind == kind]
    if search:
        needle = search.lower()
        rows = [row for row in rows if needle in f"{row.name} {row.source} {row.source_key}".lower()]
    return rows


def _rows_of(counts: Any) -> int | None:
    if isinstance(counts, str):  # a JSON column read through a subquery, on some databases
        counts = json.loads(counts)
    return int(counts.get("rows", 0)) if isinstance(counts, dict) else None


def feed_problems() -> list[Feed]:
    """Feeds with an open problem (a failed, refused or stopped run), oldest problem first."""
    return list(Feed.objects.exclude(problem="").select_related("application").order_by("problem_since", "pk"))
