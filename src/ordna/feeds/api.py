"""Feeds in the API: the source health list, freshness, define a feed, run it now, confirm a held mass change."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema

from ordna.core.actor import Actor
from ordna.core.api import Capability
from ordna.core.clock import today
from ordna.core.errors import not_one_of
from ordna.core.web import user_of
from ordna.feeds import selectors, services
from ordna.feeds.failures import failure_sentence
from ordna.feeds.models import Feed, FeedRun

router = Router(tags=["feeds"])


class SourceOut(Schema):
    type: str
    name: str
    how: str
    source: str
    source_label: str
    state: str  # ok, failing or stale
    last_run_at: datetime | None
    result: str
    rows: int | None
    age_days: int | None
    stale: bool
    next_run_at: datetime | None
    error: str  # what happened, in the user's language
    detail: str  # the technical detail


class FreshnessOut(Schema):
    source: str
    label: str
    delivered_at: str | None
    age_days: int | None
    max_age_days: int
    stale: bool
    blocked_lines: int


class SourceFilter(Schema):
    state: str = ""
    type: str = ""
    q: str = ""


class FeedOut(Schema):
    name: str
    kind: str
    target: str
    application: str | None
    preset: str
    full: bool
    options: dict[str, Any]
    secret_set: bool
    schedule: str
    enabled: bool
    next_run_at: datetime | None
    last_run_at: datetime | None
    last_outcome: str
    problem: str
    problem_since: datetime | None
    problem_text: str  # what happened and what to do, in the user's language
    last_error: str
    held_file: bool

    @staticmethod
    def resolve_application(obj: Feed) -> str | None:
        return obj.application.slug if obj.application else None

    @staticmethod
    def resolve_secret_set(obj: Feed) -> bool:
        return bool(obj.secret)

    @staticmethod
    def resolve_problem_text(obj: Feed) -> str:
        return failure_sentence(obj.last_failure) if obj.problem else ""

    @staticmethod
    def resolve_held_file(obj: Feed) -> bool:
        return bool(obj.held_file)


class FeedIn(Schema):
    kind: str
    target: str
    application: str = ""
    preset: str = ""
    full: bool = True
    options: dict[str, Any] = {}
    secret: str | None = None
    schedule: str = "daily at 06:00"
    enabled: bool = True


class RunOut(Schema):
    outcome: str
    file_name: str
    rows: int
    counts: dict[str, Any]
    failure: str
    failure_text: str
    error: str
    started_at: datetime
    finished_at: datetime

    @staticmethod
    def resolve_failure_text(obj: FeedRun) -> str:
        return failure_sentence(obj.failure) if obj.failure else ""


@router.get(
    "/sources",
    response=list[SourceOut],
    summary="Source health: every feed and connector (filters: state ok|failing|stale, type feed|connector, q)",
    auth=Capability("feeds.view"),
)
def source_list(request: HttpRequest, filters: Query[SourceFilter]) -> Any:
    if filters.state and filters.state not in selectors.HEALTH_STATES:
        raise not_one_of("state", filters.state, selectors.HEALTH_STATES)
    if filters.type and filters.type not in selectors.HEALTH_TYPES:
        raise not_one_of("type", filters.type, selectors.HEALTH_TYPES)
    rows = selectors.source_health(today=today(), state=filters.state, kind=filters.type, search=filters.q)
    return [row.as_dict() for row in rows]


@router.get(
    "/sources/freshness",
    response=list[FreshnessOut],
    summary="How old each source's data is, and the open lines a stale one blocks (day: YYYY-MM-DD, default today)",
    auth=Capability("feeds.view"),
)
def source_freshness(request: HttpRequest, day: date | None = None) -> Any:
    return [source.as_dict() for source in selectors.sources_freshness(day=day or today())]


@router.get("/feeds", response=list[FeedOut], summary="Feeds (secrets never shown)", auth=Capability("feeds.view"))
def feed_list(request: HttpRequest) -> Any:
    return Feed.objects.select_related("application")


@router.get("/feeds/{name}", response=FeedOut, summary="One feed", auth=Capability("feeds.view"))
def feed_get(request: HttpRequest, name: str) -> Any:
    return get_object_or_404(Feed.objects.select_related("application"), name=name)


@router.get("/feeds/{name}/runs", response=list[RunOut], summary="A feed's last runs", auth=Capability("feeds.view"))
def feed_runs(request: HttpRequest, name: str) -> Any:
    return get_object_or_404(Feed, name=name).runs.all()[:50]


@router.put("/feeds/{name}", response=FeedOut, summary="Define or change a feed", auth=Capability("feeds.manage"))
def feed_put(request: HttpRequest, name: str, body: FeedIn) -> Any:
    return services.feed_save(
        name=name, actor=Actor.for_user(user_of(request)), now=timezone.now(), **body.dict()
    )  # fmt: skip


@router.post("/feeds/{name}/run", response=list[RunOut], summary="Run a feed now", auth=Capability("feeds.manage"))
def feed_run(request: HttpRequest, name: str) -> Any:
    feed = get_object_or_404(Feed.objects.select_related("application"), name=name)
    return services.feed_run(feed=feed, actor=Actor.for_user(user_of(request)), today=today()).runs


@router.post(
    "/feeds/{name}/confirm",
    response=RunOut,
    summary="Confirm the mass change a stopped run holds, and import it",
    auth=Capability("feeds.manage"),
)
def feed_confirm(request: HttpRequest, name: str) -> Any:
    feed = get_object_or_404(Feed.objects.select_related("application"), name=name)
    return services.feed_confirm(feed=feed, actor=Actor.for_user(user_of(request)), today=today())
