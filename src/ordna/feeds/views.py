"""Feed pages: the source health page (every feed and connector), a feed with its runs (run now, confirm a
held mass change) and the feed form."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.errors import ServiceError
from ordna.core.web import capability, refused, user_of
from ordna.feeds import selectors, services
from ordna.feeds.failures import failure_sentence
from ordna.feeds.fetching import feed_folder
from ordna.feeds.forms import FeedForm, HealthFilterForm
from ordna.feeds.models import Feed


@capability("feeds.view")
def health(request: HttpRequest) -> HttpResponse:
    form = HealthFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows = selectors.source_health(
        today=today(), state=data.get("state", ""), kind=data.get("type", ""), search=data.get("q", "")
    )
    return render(
        request,
        "feeds/health.html",
        {
            "form": form,
            "rows": rows,
            "stale": selectors.stale_sources(day=today()),
            "can_manage": access.can(user_of(request), "feeds.manage"),
        },
    )


@capability("feeds.view")
def feed_detail(request: HttpRequest, name: str) -> HttpResponse:
    feed = get_object_or_404(Feed.objects.select_related("application"), name=name)
    return render(
        request,
        "feeds/detail.html",
        {
            "feed": feed,
            "folder": feed_folder(feed) if feed.kind == "folder" else None,
            "problem": failure_sentence(feed.last_failure) if feed.problem else "",
            "runs": [(run, failure_sentence(run.failure) if run.failure else "") for run in feed.runs.all()[:20]],
            "can_manage": access.can(user_of(request), "feeds.manage"),
        },
    )


@capability("feeds.manage")
def feed_edit(request: HttpRequest, name: str = "") -> HttpResponse:
    feed = get_object_or_404(Feed.objects.select_related("application"), name=name) if name else None
    initial = {}
    if feed is not None:
        initial = {
            "name": feed.name,
            "kind": feed.kind,
            "target": feed.target,
            "application": feed.application.slug if feed.application else "",
            "preset": feed.preset,
            "full": feed.full,
            "schedule": feed.schedule,
            "options": "\n".join(f"{key}={value}" for key, value in sorted(feed.options.items())),
            "enabled": feed.enabled,
        }
    form = FeedForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        options = {}
        for line in data["options"].splitlines():
            key, _sep, value = line.partition("=")
            if key.strip():
                options[key.strip()] = value.strip()
        try:
            saved = services.feed_save(
                name=data["name"],
                kind=data["kind"],
                target=data["target"],
                application=data["application"].strip(),
                preset=data["preset"].strip(),
                full=data["full"],
                options=options,
                secret=data["secret"].strip("\n") or None,
                schedule=data["schedule"],
                enabled=data["enabled"],
                actor=Actor.for_user(user_of(request)),
                now=timezone.now(),
            )
        except ServiceError as exc:
            if exc.field not in form.fields:
                exc.field = "options" if exc.field else ""
            refused(form, exc)
        else:
            messages.success(request, _("Saved. The feed runs on its schedule, or now with Run now."))
            return redirect("feeds:detail", name=saved.name)
    return render(request, "feeds/edit.html", {"form": form, "feed": feed})


@require_POST
@capability("feeds.manage")
def feed_run(request: HttpRequest, name: str) -> HttpResponse:
    feed = get_object_or_404(Feed.objects.select_related("application"), name=name)
    try:
        result = services.feed_run(feed=feed, actor=Actor.for_user(user_of(request)), today=today())
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        run = result.runs[-1]
        (messages.error if feed.problem else messages.success)(
            request, _("Run finished: %(outcome)s.") % {"outcome": run.get_outcome_display()}
        )
    return redirect("feeds:detail", name=feed.name)


@require_POST
@capability("feeds.manage")
def feed_confirm(request: HttpRequest, name: str) -> HttpResponse:
    feed = get_object_or_404(Feed.objects.select_related("application"), name=name)
    try:
        run = services.feed_confirm(feed=feed, actor=Actor.for_user(user_of(request)), today=today())
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Mass change confirmed: %(outcome)s.") % {"outcome": run.get_outcome_display()})
    return redirect("feeds:detail", name=feed.name)
