"""Reads for reminders: who can be reminded, today's plan over every reminder source, and the log."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q, QuerySet

from ordna.notifications.calendar import CalendarEntry
from ordna.notifications.ladder import Entry, Ladder, PlannedDigest, horizon, plan_digests
from ordna.notifications.models import Digest
from ordna.notifications.sources import (
    Directory,
    Recipient,
    SourceContext,
    kind_label,
    registered_calendar_sources,
    registered_sources,
)

if TYPE_CHECKING:
    from ordna.core.models import User


def ladder_from_settings() -> Ladder:
    return Ladder(
        remind_before=settings.ORDNA_REMIND_BEFORE_DAYS,
        manager_after=settings.ORDNA_ESCALATE_MANAGER_DAYS,
        coordinator_after=settings.ORDNA_ESCALATE_COORDINATOR_DAYS,
        cio_weekday=settings.ORDNA_CIO_SUMMARY_WEEKDAY - 1,
    )


def directory_load() -> Directory:
    """Active users, their roles and links, in two queries; role leads and CIOs resolved from user names."""
    from ordna.core.models import User, UserRole

    roles: dict[int, set[str]] = defaultdict(set)
    for user_id, role in UserRole.objects.filter(user__is_active=True).values_list("user_id", "role"):
        roles[user_id].add(role)
    directory = Directory()
    by_username: dict[str, int] = {}
    rows = User.objects.filter(is_active=True).values_list(
        "id", "username", "first_name", "last_name", "email", "locale", "person_id", "supplier_id"
    )
    for pk, username, first, last, email, locale, person_id, supplier_id in rows:
        user_roles = frozenset(roles.get(pk, ()))
        directory.users[pk] = Recipient(pk, username, f"{first} {last}".strip() or username, email, locale, user_roles)
        by_username[username] = pk
        if person_id is not None:
            directory.by_person[person_id] = pk
        for role in user_roles:
            directory.by_role[role].add(pk)
        if supplier_id is not None and "supplier" in user_roles:
            directory.supplier_staff[supplier_id].add(pk)
    for role, usernames in settings.ORDNA_ROLE_LEADS.items():
        directory.role_leads[role] = tuple(sorted(by_username[name] for name in usernames if name in by_username))
    directory.cios = tuple(sorted(by_username[name] for name in settings.ORDNA_CIO_USERS if name in by_username))
    return directory


@dataclass
class ReminderPlan:
    """Today's digests by recipient, the chat channels' summaries by role, and how many items the sources had."""

    today: date
    items: int
    digests: dict[int, PlannedDigest]
    directory: Directory
    webhooks: dict[str, list[Entry]] = field(default_factory=dict)
    by_source: dict[str, int] = field(default_factory=dict)


def reminders_plan(*, today: date, ladder: Ladder | None = None) -> ReminderPlan:
    """Read every registered source (a few queries each) and climb the ladder: nothing is written."""
    ladder = ladder or ladder_from_settings()
    country = settings.ORDNA_HOLIDAY_COUNTRY
    directory = directory_load()
    context = SourceContext(today=today, horizon=horizon(today, ladder, country), directory=directory)
    items = []
    by_source: dict[str, int] = {}
    for name, source in registered_sources().items():
        found = list(source(context))
        by_source[name] = len(found)
        items.extend(found)
    digests = plan_digests(
        items,
        today=today,
        country=country,
        ladder=ladder,
        coordinators=directory.role("coordinator"),
        cios=directory.cios,
    )
    webhooks: dict[str, list[Entry]] = {}
    for role in settings.ORDNA_WEBHOOKS:
        best: dict[str, Entry] = {}
        for user_id in directory.role(role):
            for entry in digests[user_id].entries if user_id in digests else ():
                if entry.item.key not in best:
                    best[entry.item.key] = entry
        if best:
            webhooks[role] = list(best.values())
    return ReminderPlan(today, len(items), digests, directory, webhooks, by_source)


LOG_READERS = ("admin", "coordinator", "auditor")


def digests_scope(user: User) -> QuerySet[Digest]:
    """The notification log: everything for admins, IT coordinators and auditors; else one's own digests."""
    digests = Digest.objects.all()
    if user.has_role(*LOG_READERS):
        return digests
    return digests.filter(recipient_id=user.pk)


def digests_filter(
    queryset: QuerySet[Digest], *, day: date | None = None, state: str = "", q: str = ""
) -> QuerySet[Digest]:
    if day is not None:
        queryset = queryset.filter(day=day)
    if state:
        queryset = queryset.filter(state=state)
    for word in q.split():
        queryset = queryset.filter(
            Q(recipient__username__icontains=word) | Q(address__icontains=word) | Q(role__iexact=word)
        )
    return queryset.select_related("recipient")


CALENDAR_DAYS_AHEAD = 120


def calendar_entries(user: User, *, today: date) -> list[CalendarEntry]:
    """The user's own open items from every reminder source (due in the next months, or overdue), and what
    the calendar sources add for the user (the last days of the leavers whose cases they may see)."""
    directory = directory_load()
    context = SourceContext(today=today, horizon=today + timedelta(days=CALENDAR_DAYS_AHEAD), directory=directory)
    entries = [
        CalendarEntry(item.key, item.due, f"{kind_label(item.kind)}: {item.title}", settings.BASE_URL + item.url)
        for source in registered_sources().values()
        for item in source(context)
        if user.pk in item.assignees and not item.finished
    ]
    for calendar_source in registered_calendar_sources().values():
        entries += calendar_source(user, today)
    return entries
