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
from typing import TYPE_CHECKING

from django.utils.module_loading import autodiscover_modules

from ordna.notifications.calendar import CalendarEntry
from ordna.notifications.ladder import OpenItem

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from ordna.core.models import User


@dataclass(frozen=True)
class Recipient:
    id: int
    username: str
    name: str
    email: str
    locale: str
    roles: frozenset[str]


@dataclass
class Directory:
    """Who can be reminded: active users with an email address, by person, by role and by supplier.

    Built once per run with two queries and handed to every source, so sources turn "the manager role of
    person 12" or "supplier 3's staff" into user ids without queries of their own.
    """

    by_person: dict[int, int] = field(default_factory=dict)
    by_role: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    supplier_staff: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    role_leads: dict[str, tuple[int, ...]] = field(default_factory=dict)
    users: dict[int, Recipient] = field(default_factory=dict)
    cios: tuple[int, ...] = ()  # who gets the weekly summary (ORDNA_CIO_USERS)

    def person(self, person_id: int | None) -> tuple[int, ...]:
        user = self.by_person.get(person_id) if person_id is not None else None
        return (user,) if user is not None else ()

    def role(self, role: str) -> tuple[int, ...]:
        return tuple(sorted(self.by_role.get(role, ())))

    def supplier(self, supplier_id: int | None) -> tuple[int, ...]:
        return tuple(sorted(self.supplier_staff.get(supplier_id, ()))) if supplier_id is not None else ()

    def lead_of_role(self, role: str) -> tuple[int, ...]:
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
