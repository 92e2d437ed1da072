"""Reads for reminders: who can be reminded, today's plan over every reminder source, and the log."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from ordna.core.models import ActionLink
from ordna.notifications.calendar import CalendarEntry
from ordna.notifications.ladder import Entry, Ladder, OpenItem, PlannedDigest, horizon, plan_digests, unreached
from ordna.notifications.models import AddressNotice, Digest
from ordna.notifications.recipients import PersonRow, UserRow, directory_build
from ordna.notifications.sources import (
    Directory,
    SourceContext,
    kind_label,
    registered_calendar_sources,
    registered_sources,
    reminder_kind,
)
from ordna.people.models import Person

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
    """The HR file's people, the active users with their roles and companies, and the role mailboxes, in three
    queries."""
    from ordna.core.models import Role, Supplier, User

    roles: dict[int, set[str]] = defaultdict(set)
    # A user limited to companies (docs/companies.md) gets its role's items of those companies' people only: the
    # companies come in the roles' query.
    companies: dict[int, set[int]] = defaultdict(set)
    rows = User.objects.filter(is_active=True, roles__isnull=False).values_list("id", "roles__role", "companies__id")
    for user_id, role, company_id in rows:
        roles[user_id].add(role)
        if company_id is not None:
            companies[user_id].add(company_id)
    users = [
        UserRow(*row, roles=frozenset(roles.get(row[0], ())), companies=frozenset(companies.get(row[0], ())))
        for row in User.objects.filter(is_active=True).values_list(
            "id", "username", "first_name", "last_name", "email", "locale", "person_id", "supplier_id"
        )
    ]
    # Every person of the HR file through a plain cursor: a run reads tens of thousands and needs six plain
    # columns, not model instances.
    people = Person.objects.values_list(*PersonRow._fields)
    sql, params = people.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        person_rows = [PersonRow(*row) for row in cursor.fetchall()]
    return directory_build(
        users=users,
        people=person_rows,
        mailboxes=settings.ORDNA_ROLE_MAILBOXES,
        mailbox_names={role: str(label) for role, label in Role.choices},
        role_leads=settings.ORDNA_ROLE_LEADS,
        cio_usernames=settings.ORDNA_CIO_USERS,
        default_language=settings.LANGUAGE_CODE,
        supplier_desks={
            pk: (name, (contact, desk))
            for pk, name, contact, desk in Supplier.objects.exclude(
                contact_email="", service_desk_email=""
            ).values_list("pk", "name", "contact_email", "service_desk_email")
        },
    )


@dataclass
class ReminderPlan:
    """Today's digests by recipient, the chat channels' summaries by role, and how many items the sources had."""

    today: date
    items: int
    digests: dict[str, PlannedDigest]
    directory: Directory
    webhooks: dict[str, list[Entry]] = field(default_factory=dict)
    by_source: dict[str, int] = field(default_factory=dict)
    notices: dict[int, str] = field(default_factory=dict)  # person id -> item key of today's "no address" notice


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
    notices = address_notices(directory, today=today)
    if notices:
        by_source[NOTICE_SOURCE] = len(notices)
        items.extend(notices)
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
        for key in directory.role(role):
            for entry in digests[key].entries if key in digests else ():
                if entry.item.key not in best:
                    best[entry.item.key] = entry
        if best:
            webhooks[role] = list(best.values())
    return ReminderPlan(
        today, len(items), digests, directory, webhooks, by_source, {int(i.key.split(":")[1]): i.key for i in notices}
    )


# Far enough ahead to take in every open item a source knows (the sources yield what is due by the horizon).
EVERY_ITEM = timedelta(days=3660)


def open_items_reaching_nobody(*, today: date) -> list[OpenItem]:
    """Every open item of every reminder source, due whenever, that no reminder will reach: by the engine's own
    recipients (`directory_load`) and ladder (`unreached`), so the start page's warning and the mail agree."""
    directory = directory_load()
    context = SourceContext(today=today, horizon=today + EVERY_ITEM, directory=directory)
    items = [item for source in registered_sources().values() for item in source(context)]
    addressed = {key for key, recipient in directory.recipients.items() if recipient.address}
    return unreached(items, coordinators=directory.role("coordinator"), addressed=addressed)


NOTICE_SOURCE = "notifications.addresses"
reminder_kind("address.missing", _("No usable address in the HR file"))


def address_notices(directory: Directory, *, today: date) -> list[OpenItem]:
    """ "No address for ..." for the IT coordinators: one item per person a source asked for who has no usable
    address, until a digest has told them (then never again while it stands; see `AddressNotice`)."""
    if not directory.unreachable:
        return []
    told = dict(
        AddressNotice.objects.filter(person_id__in=list(directory.unreachable)).values_list("person_id", "told_on")
    )
    due = [pid for pid in directory.unreachable if told.get(pid) in (None, today)]
    if not due:
        return []
    coordinators = directory.role("coordinator")
    people = Person.objects.filter(pk__in=due).values_list("id", "employee_id", "first_name", "last_name")
    return [
        OpenItem(
            key=f"address:{pk}",
            source=NOTICE_SOURCE,
            kind="address.missing",
            title=f"{first} {last} ({employee_id})".strip(),
            url=f"/people/{employee_id}/",
            due=today,
            assignees=coordinators,
        )
        for pk, employee_id, first, last in people.order_by("last_name", "first_name", "id")
    ]


LOG_READERS = ("admin", "coordinator", "auditor")


def digests_scope(user: User) -> QuerySet[Digest]:
    """The notification log: everything for admins, IT coordinators and auditors; else one's own digests (sent
    to the user, to their person's address, or to their own address)."""
    digests = Digest.objects.all()
    if user.has_role(*LOG_READERS) and user.company_ids is None:  # a user scoped to companies: their own
        return digests
    own = Q(recipient_id=user.pk)
    if user.person_id is not None:
        own |= Q(person_id=user.person_id)
    if user.email:
        own |= Q(address=user.email.strip().lower(), channel="mail")
    return digests.filter(own)


def digests_filter(
    queryset: QuerySet[Digest], *, day: date | None = None, state: str = "", q: str = ""
) -> QuerySet[Digest]:
    if day is not None:
        queryset = queryset.filter(day=day)
    if state:
        queryset = queryset.filter(state=state)
    for word in q.split():
        queryset = queryset.filter(
            Q(recipient__username__icontains=word)
            | Q(address__icontains=word)
            | Q(name__icontains=word)
            | Q(role__iexact=word)
            | Q(mailbox__iexact=word)
        )
    return queryset.select_related("recipient", "person")


def address_notices_open() -> QuerySet[AddressNotice]:
    """The people someone must remind who have no usable address in the HR file (the log shows them)."""
    return AddressNotice.objects.select_related("person").order_by("first_seen", "person__last_name")


def digest_links(digest: Digest) -> QuerySet[ActionLink]:
    """The signed links a digest carried (made when it was sent), with what became of each."""
    return ActionLink.objects.filter(sent_in=digest.pk).order_by("id")


CALENDAR_DAYS_AHEAD = 120


def calendar_entries(user: User, *, today: date) -> list[CalendarEntry]:
    """The user's own open items from every reminder source (due in the next months, or overdue), and what
    the calendar sources add for the user (the last days of the leavers whose cases they may see)."""
    directory = directory_load()
    mine = directory.by_user.get(user.pk, f"user:{user.pk}")
    context = SourceContext(today=today, horizon=today + timedelta(days=CALENDAR_DAYS_AHEAD), directory=directory)
    entries = [
        CalendarEntry(item.key, item.due, f"{kind_label(item.kind)}: {item.title}", settings.BASE_URL + item.url)
        for source in registered_sources().values()
        for item in source(context)
        if mine in item.assignees and not item.finished
    ]
    for calendar_source in registered_calendar_sources().values():
        entries += calendar_source(user, today)
    return entries
