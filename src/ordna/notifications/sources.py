"""The registries of reminder and calendar sources: each app contributes functions that yield its open items
and the dates a user's calendar shows.

An app adds a module `reminders.py` with a function decorated by `@reminder_source("app.kind")`; the
registry imports every installed app's `reminders` module once (as Django's admin discovers `admin.py`), so
a new source needs no change here. A source receives a `SourceContext` and yields `OpenItem`s (see
`ordna.notifications.ladder`) due on or before `context.horizon`. It must read set-based: a few queries for
all its items, never one per item (the budget is 100,000 open lines in under 5 seconds). See
docs/notifications.md for the contract.

Open items reach a user's calendar feed by themselves (those they are an assignee of). Dates that are no
one's item, such as leavers' last days, come from a `@calendar_source("app.kind")` in the same module: it
receives the user and today and yields `CalendarEntry`s of what that user may see.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from django.utils.module_loading import autodiscover_modules

from ordna.notifications.calendar import CalendarEntry
from ordna.notifications.ladder import OpenItem

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from ordna.core.models import User


class Recipient(NamedTuple):
    """Someone a digest can go to, keyed by their address (lower case): one digest per address and day.

    A person from the HR file, an Ordna user, or a role's shared mailbox (`mailbox` names the role). A person
    with a user is one recipient: at the user's address when the user has one, else at the HR file's. A user
    without any address keeps a key of its own (`user:ID`) and is planned, never sent (it has nowhere to go).
    """

    key: str
    address: str
    name: str
    language: str
    user_id: int | None = None
    username: str = ""
    person_id: int | None = None
    employee_id: str = ""
    roles: frozenset[str] = frozenset()
    mailbox: str = ""  # the role whose shared mailbox this address is (ORDNA_ROLE_MAILBOXES)
    origin: str = ""  # where the address comes from: "user", "hr_file" or "mailbox"

    def describe(self) -> str:
        """Who this is and why this address, for the command line and the API: "Maja Manager (HR file)"."""
        if self.mailbox:
            return f"{self.name} (mailbox of the {self.mailbox} role)"
        if self.username:
            return f"{self.name} (user {self.username})"
        return f"{self.name} (HR file, {self.employee_id})" if self.employee_id else self.name

    @property
    def personal(self) -> bool:
        """One person reads it: signed action links may go there (never to a shared mailbox)."""
        return bool(self.address) and not self.mailbox


@dataclass
class Directory:
    """Who can be reminded, by address: the HR file's people, active users, and the roles' mailboxes.

    Built once per run in a few queries and handed to every source, so sources turn "the manager of person 12",
    "the HR role" or "supplier 3's staff" into recipient keys without queries of their own. A person asked
    for who has no usable address is remembered in `unreachable` (person id -> what the HR file holds), so the
    run can tell the IT coordinators once.
    """

    recipients: dict[str, Recipient] = field(default_factory=dict)
    by_person: dict[int, str] = field(default_factory=dict)
    by_user: dict[int, str] = field(default_factory=dict)
    by_role: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    # Users limited to companies, by role and company (docs/companies.md): not in `by_role`, the group's.
    by_role_company: dict[str, dict[int, set[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )
    supplier_staff: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    # A supplier's contact and service desk addresses (no Ordna user), for the supplier's own review actions.
    supplier_desks: dict[int, tuple[str, ...]] = field(default_factory=dict)
    role_leads: dict[str, tuple[str, ...]] = field(default_factory=dict)
    cios: tuple[str, ...] = ()  # who gets the weekly summary (ORDNA_CIO_USERS)
    without_address: dict[int, str] = field(default_factory=dict)  # person id -> the HR file's (bad) value
    unreachable: dict[int, str] = field(default_factory=dict)

    def person(self, person_id: int | None) -> tuple[str, ...]:
        if person_id is None:
            return ()
        key = self.by_person.get(person_id)
        if key is not None:
            return (key,)
        if person_id in self.without_address:
            self.unreachable[person_id] = self.without_address[person_id]
        return ()

    def user(self, user_id: int | None) -> tuple[str, ...]:
        key = self.by_user.get(user_id) if user_id is not None else None
        return (key,) if key is not None else ()

    def users(self, user_ids: Iterable[int]) -> tuple[str, ...]:
        return tuple(sorted({self.by_user[uid] for uid in user_ids if uid in self.by_user}))

    def role(self, role: str) -> tuple[str, ...]:
        """Everyone with the role for the whole group, and the role's mailbox beside them (or in their stead when
        there are none)."""
        return tuple(sorted(self.by_role.get(role, ())))

    def role_in(self, role: str, company_id: int | None) -> tuple[str, ...]:
        """Who has the role for an item about a person of `company_id`: the group's (`role`), and the users of
        that role limited to that company."""
        limited = self.by_role_company.get(role, {}).get(company_id, set()) if company_id is not None else set()
        return tuple(sorted(self.by_role.get(role, set()) | limited))

    def supplier(self, supplier_id: int | None) -> tuple[str, ...]:
        return tuple(sorted(self.supplier_staff.get(supplier_id, ()))) if supplier_id is not None else ()

    def supplier_desk(self, supplier_id: int | None) -> tuple[str, ...]:
        return self.supplier_desks.get(supplier_id, ()) if supplier_id is not None else ()

    def lead_of_role(self, role: str) -> tuple[str, ...]:
        return self.role_leads.get(role, ())


@dataclass(frozen=True)
class SourceContext:
    today: date
    horizon: date  # yield items due on or before this day
    directory: Directory


ReminderSource = Callable[[SourceContext], Iterable[OpenItem]]
CalendarSource = Callable[["User", date], Iterable[CalendarEntry]]
_SOURCES: dict[str, ReminderSource] = {}
_CALENDAR_SOURCES: dict[str, CalendarSource] = {}
_KIND_LABELS: dict[str, StrOrPromise] = {}
_discovered = False


def reminder_source(name: str) -> Callable[[ReminderSource], ReminderSource]:
    """Register a source under `name` (shown in the notification log); registering a name twice replaces it."""

    def register(function: ReminderSource) -> ReminderSource:
        _SOURCES[name] = function
        return function

    return register


def calendar_source(name: str) -> Callable[[CalendarSource], CalendarSource]:
    """Register a calendar source under `name`; registering a name twice replaces it."""

    def register(function: CalendarSource) -> CalendarSource:
        _CALENDAR_SOURCES[name] = function
        return function

    return register


def reminder_kind(kind: str, label: StrOrPromise) -> None:
    """Name an item kind for digests and the log, translatably (`gettext_lazy`)."""
    _KIND_LABELS[kind] = label


def kind_label(kind: str) -> str:
    registered_sources()
    return str(_KIND_LABELS.get(kind, kind))


def _discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("reminders")
        _discovered = True


def registered_sources() -> dict[str, ReminderSource]:
    _discover()
    return dict(sorted(_SOURCES.items()))


def registered_calendar_sources() -> dict[str, CalendarSource]:
    _discover()
    return dict(sorted(_CALENDAR_SOURCES.items()))
