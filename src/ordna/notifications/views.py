"""Reminder pages: the notification log and one digest, running the reminders now, the calendar feed."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.services import token_digest
from ordna.core.web import capability, paginate, query_without_page, user_of
from ordna.notifications import selectors, services
from ordna.notifications.calendar import calendar_text
from ordna.notifications.models import CalendarFeed, DigestState
from ordna.notifications.tasks import reminders_run_now


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@capability("notifications.log")
def digest_log(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    day_raw, state, q = request.GET.get("day", ""), request.GET.get("state", ""), request.GET.get("q", "")
    digests = selectors.digests_filter(
        selectors.digests_scope(user),
        day=_day(day_raw),
        state=state if state in DigestState.values else "",
        q=q,
    )
    return render(
        request,
        "notifications/log.html",
        {
            "page": paginate(request, digests),
            "states": DigestState.choices,
            "state": state,
            "day": day_raw,
            "q": q,
            "query": query_without_page(request),
            "can_run": access.can(user, "reminders.run"),
            "notices": selectors.address_notices_open()
            if user.has_role(*selectors.LOG_READERS) and user.company_ids is None
            else [],
        },
    )


@capability("notifications.log")
def digest_detail(request: HttpRequest, pk: int) -> HttpResponse:
    digest = access.get_in_scope(selectors.digests_scope(user_of(request)).select_related("recipient"), pk=pk)
    return render(
        request,
        "notifications/detail.html",
        {"digest": digest, "groups": services.digest_groups(digest.items), "links": selectors.digest_links(digest)},
    )


@require_POST
@capability("reminders.run")
def reminders_run(request: HttpRequest) -> HttpResponse:
    actor = Actor.for_user(user_of(request))
    reminders_run_now(actor_ref=actor.ref, actor_label=actor.label)
    messages.success(request, _("The reminders run in the background; the log shows the digests as they go out."))
    return redirect("notifications:log")


@capability("calendar.own")
def calendar(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    return render(
        request,
        "notifications/calendar.html",
        {"feed": CalendarFeed.objects.filter(user=user).first(), "new_url": request.session.pop("calendar_url", "")},
    )


@require_POST
@capability("calendar.own")
def calendar_reset(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    secret = services.calendar_feed_create(user=user, actor=Actor.for_user(user))
    request.session["calendar_url"] = f"{settings.BASE_URL}/notifications/calendar/{secret}.ics"
    return redirect("notifications:calendar")


def calendar_feed(request: HttpRequest, secret: str) -> HttpResponse:
    """The feed itself: the secret in the URL is the only credential (calendar apps cannot sign in)."""
    feed = CalendarFeed.objects.filter(digest=token_digest(secret)).select_related("user").first()
    if feed is None or not feed.user.is_active:
        raise Http404
    body = calendar_text(
        selectors.calendar_entries(feed.user, today=today()),
        name=_("Ordna"),
        stamp=timezone.now(),  # UTC, as USE_TZ keeps it
        domain=request.get_host().split(":")[0],
    )
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")
