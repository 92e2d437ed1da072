"""What an account import reads before it plans: the preset, the people (indexed once per process), the
application's stored accounts (light, then the identity columns of those a plan compares) and the digests
of the export rows they were read from. Reads only.

Rows are read raw, without Django's per-value converters: a million accounts and a hundred thousand people
of dates, booleans and JSON lists that are only compared as stored (ordna.accounts.planning).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max
from django.utils.translation import gettext_lazy as _

from ordna.accounts.correlation import PersonIndex, PersonKey
from ordna.accounts.errors import AccountsError
from ordna.accounts.findings import PersonDates
from ordna.accounts.planning import (
    IDENTITY_COLUMNS,
    LIGHT_COLUMNS,
    PeopleSnapshot,
    StoredAccounts,
    known_digests,
)
from ordna.accounts.presets import PRESETS, ColumnMapping, Preset, detect_preset, mapping_preset
from ordna.applications.models import Application
from ordna.core.bulk import chunks, placeholders
from ordna.core.memory import gc_paused, keep_for_process
from ordna.core.models import Company, ImportRun
from ordna.people.models import Person

# The preset ---------------------------------------------------------------------------------------------


def saved_format(application: Application | None) -> Preset | None:
    """The format saved for the application's export files: its column mapping, else its preset; None when
    it has neither (a new application, one whose accounts come from a connector, or known only from the price
    list)."""
    if application is None:
        return None
    if application.account_mapping:
        return mapping_preset(ColumnMapping.from_json(application.account_mapping))
    return PRESETS.get(application.account_source)


def named_preset(name: str, application: Application | None) -> Preset:
    """The preset `name`, or for "mapping" the application's saved column mapping."""
    if name == "mapping":
        if application is None or not application.account_mapping:
            raise AccountsError(
                _(
                    "This application has no saved column mapping: set one up on the first upload in the web "
                    "(Imports → Import accounts)."
                ),
                field="preset",
            )
        return mapping_preset(ColumnMapping.from_json(application.account_mapping))
    if name not in PRESETS:
        raise AccountsError(
            _("Unknown preset %(name)s; the presets are %(presets)s."),
            field="preset",
            name=repr(name),
            presets=", ".join([*PRESETS, "mapping"]),
        )
    return PRESETS[name]


def detected_preset(header: Sequence[str]) -> Preset | None:
    """The preset whose headers the file has, if any."""
    detected = detect_preset(header)
    return PRESETS[detected] if detected else None


def previous_columns(application: Application | None) -> tuple[int | None, list[str]]:
    """The last applied import of the application's files that recorded the columns it read: (its run, those
    columns); (None, []) when there is none."""
    if application is None:
        return None, []
    previous = (
        ImportRun.objects.filter(
            application=application,
            source=ImportRun.Source.ACCOUNTS,
            outcome=ImportRun.Outcome.APPLIED,
            columns__isnull=False,
        )
        .order_by("-started_at", "-id")
        .values_list("id", "columns")
        .first()
    )
    return (previous[0], list(previous[1] or ())) if previous else (None, [])


# People, indexed once per process and reused until HR data changes --------------------------------------

_snapshot: tuple[tuple[Any, ...], PeopleSnapshot] | None = None


def forget_people_snapshot() -> None:
    """Drop the cached index, for when the database went back to an earlier state (a test's rollback).

    The version below cannot see a rollback that is followed by the same number of people with the same
    highest id and the same last change to the microsecond: real clocks do not repeat, frozen test clocks do.
    """
    global _snapshot
    _snapshot = None


def people_version() -> tuple[Any, ...]:
    """A stamp that changes whenever people are added or changed."""
    stamp = Person.objects.aggregate(count=Count("id"), last_id=Max("id"), changed=Max("updated_at"))
    return (
        stamp["count"],
        stamp["last_id"],
        stamp["changed"],
        tuple(settings.ORDNA_MAIL_DOMAINS),
        tuple(sorted(company_domains().items())),
    )


def company_domains() -> dict[str, int]:
    """Each company's mail domain and the company's id (docs/companies.md)."""
    return {
        domain: pk
        for pk, domains in Company.objects.exclude(mail_domains=[]).values_list("id", "mail_domains")
        for domain in domains or ()
    }


_PEOPLE_COLUMNS = (
    "id",
    "employee_id",
    "first_name",
    "last_name",
    "email",
    "email_aliases",
    "start_date",
    "end_date",
    "company_id",
)
_SELECT_PEOPLE = {
    "default": f"SELECT {', '.join(_PEOPLE_COLUMNS)} FROM people_person",  # noqa: S608 - constant names
    # `|| ''` and `+ 0`-style wrapping drop the declared type, so sqlite3 hands back plain text.
    "sqlite": "SELECT id, employee_id, first_name, last_name, email, email_aliases || '', "
    "start_date || '', end_date || '', company_id FROM people_person",
}


def _date_from_db(raw: Any) -> date | None:
    """A stored date read raw: ISO text on SQLite, a date on PostgreSQL."""
    if raw is None or isinstance(raw, date):
        return raw
    return date.fromisoformat(raw)


def _json_list(raw: Any) -> list[Any]:
    """A stored JSON list read raw: text on SQLite, already parsed on PostgreSQL."""
    return json.loads(raw) if isinstance(raw, str) else list(raw)


def people_snapshot() -> PeopleSnapshot:
    """The correlation index and dates of all people; rebuilt only when people changed since last time."""
    global _snapshot
    key = people_version()
    if _snapshot is not None and _snapshot[0] == key:
        return _snapshot[1]
    keys, dates = [], {}
    to_date = lru_cache(maxsize=8192)(_date_from_db)
    with gc_paused(), connection.cursor() as cursor:
        cursor.execute(_SELECT_PEOPLE.get(connection.vendor, _SELECT_PEOPLE["default"]))
        while batch := cursor.fetchmany(10000):
            for pid, employee_id, first, last, email, aliases, start, end, company in batch:
                aliases = () if aliases in (None, "[]") else tuple(_json_list(aliases))
                keys.append(PersonKey(pid, employee_id, first, last, email, aliases, company))
                dates[pid] = PersonDates(to_date(start), to_date(end))
    _snapshot = None  # the previous one can go before the next is built
    with gc_paused():
        snapshot = PeopleSnapshot(
            PersonIndex(keys, mail_domains=settings.ORDNA_MAIL_DOMAINS, company_domains=dict(key[4])), dates, key
        )
    keep_for_process()
    _snapshot = (key, snapshot)
    return snapshot


# Stored accounts ----------------------------------------------------------------------------------------


def _sqlite_raw(column: str) -> str:
    """Wrap a column so that SQLite reports no declared type, and Django's per-value Python converters
    (datetime and bool parsing) do not run on a million rows that are only compared as stored."""
    if column == "last_login":
        return "last_login || ''"
    if column in ("needs_review", "non_personal"):
        return f"{column} + 0"
    return column


def _select(columns: Sequence[str], where: str) -> dict[str, str]:
    return {
        "default": f"SELECT {', '.join(columns)} FROM accounts_account WHERE {where}",  # noqa: S608
        "sqlite": f"SELECT {', '.join(map(_sqlite_raw, columns))} FROM accounts_account WHERE {where}",  # noqa: S608
    }


_SELECT_LIGHT = _select(LIGHT_COLUMNS, "application_id = %s")
_SELECT_IDENTITY = _select(("id", *IDENTITY_COLUMNS), "application_id = %s")
_LICENSES_AT = LIGHT_COLUMNS.index("licenses")


def _licenses_to_db(raw: Any) -> str:
    return raw if isinstance(raw, str) else json.dumps(raw or [])


def stored_accounts(application: Application | None) -> StoredAccounts:
    """The application's accounts as stored (LIGHT_COLUMNS), with the version and the people stamp of its
    links; nothing for an application that does not exist yet."""
    stored = StoredAccounts()
    if application is None:
        return stored
    stored.version, stored.links_stamp = (
        Application.objects.filter(pk=application.pk).values_list("accounts_version", "accounts_people_stamp").first()
    ) or (None, "")
    rows = stored.rows
    licenses_at = _LICENSES_AT
    with connection.cursor() as cursor:
        cursor.execute(_SELECT_LIGHT.get(connection.vendor, _SELECT_LIGHT["default"]), [application.pk])
        while batch := cursor.fetchmany(10000):
            for row in batch:
                licenses = row[licenses_at]
                if not isinstance(licenses, str):  # PostgreSQL hands JSON back parsed
                    row = (*row[:licenses_at], _licenses_to_db(licenses), *row[licenses_at + 1 :])
                rows[row[1]] = row
    return stored


def account_identities(application_id: int, ids: Sequence[int], stored: StoredAccounts) -> dict[int, tuple[Any, ...]]:
    """The identity columns (IDENTITY_COLUMNS) of some of the application's `stored` accounts, by id; of all
    of them in one pass when most are wanted."""
    found: dict[int, tuple[Any, ...]] = {}
    with connection.cursor() as cursor:
        if len(ids) > len(stored.rows) // 2:
            cursor.execute(_SELECT_IDENTITY.get(connection.vendor, _SELECT_IDENTITY["default"]), [application_id])
            while batch := cursor.fetchmany(10000):
                found.update((row[0], row[1:]) for row in batch)
            return found
        for chunk in chunks(ids):
            select = _select(("id", *IDENTITY_COLUMNS), f"id IN ({placeholders(len(chunk))})")
            cursor.execute(select.get(connection.vendor, select["default"]), list(chunk))
            found.update((row[0], row[1:]) for row in cursor.fetchall())
    return found


def known_row_digests(stored: StoredAccounts, preset: Preset) -> dict[int, str]:
    """Digests of the export rows the stored accounts were read from, for accounts that the same row would
    leave as they are (planning.kept_as_stored). The digests are of `preset`'s reading (row_digester)."""
    if not stored.rows:
        return {}
    return known_digests(stored, keep_links=stored.links_stamp == people_snapshot().stamp)
