"""Writes to accounts and findings: imports, reconciliation, review decisions, accepted findings.

The import is built for a million rows: rows stream from the file, are correlated in memory against a
cached index of people, compared with what is stored, and only the differences are written, set-based
(`executemany`), in one transaction with the findings they imply. docs/accounts.md and docs/performance.md.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max
from django.utils import timezone

from ordna.accounts import findings as core
from ordna.accounts.correlation import PersonIndex, PersonKey, correlate
from ordna.accounts.events import AccountsChanged, accounts_changed
from ordna.accounts.models import Account, Finding, FindingState, MatchRule
from ordna.accounts.presets import (
    IMPLICIT_LICENSE,
    PRESETS,
    AccountRecord,
    ColumnMapping,
    Preset,
    ReadResult,
    detect_preset,
    mapping_preset,
    read_accounts,
)
from ordna.applications.models import Application, License
from ordna.applications.services import ApplicationError, application_create, license_save
from ordna.core.actor import Actor
from ordna.core.audit import Change, audit_record, audit_record_many
from ordna.core.bulk import insert_rows, update_rows
from ordna.core.memory import gc_paused, keep_for_process
from ordna.core.models import ImportRun
from ordna.core.tabular import RowError, TableError, header_index, open_table
from ordna.people.models import Person
from ordna.people.services import file_checksum

DIFF_SAMPLE = 1000  # new account keys kept in an import run's diff; changed and gone are kept in full

# Columns of accounts_account in the order of the stored tuple below.
STORED = (
    "key_display",
    "username",
    "email",
    "display_name",
    "employee_id_attr",
    "status",
    "last_login",
    "licenses",
    "person_id",
    "match_rule",
    "match_confidence",
    "needs_review",
)


class AccountsError(ValueError):
    pass


# People, indexed once per process and reused until HR data changes --------------------------------------


@dataclass
class PeopleSnapshot:
    index: PersonIndex
    dates: dict[int, core.PersonDates]
    version: tuple[Any, ...] = ()

    @property
    def stamp(self) -> str:
        """The version as a short text that outlives the process (stored with an application's links)."""
        return hashlib.sha256(repr(self.version).encode()).hexdigest()[:32]


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
    return (stamp["count"], stamp["last_id"], stamp["changed"], tuple(settings.ORDNA_MAIL_DOMAINS))


_PEOPLE_COLUMNS = ("id", "employee_id", "first_name", "last_name", "email", "email_aliases", "start_date", "end_date")
_SELECT_PEOPLE = {
    "default": f"SELECT {', '.join(_PEOPLE_COLUMNS)} FROM people_person",  # noqa: S608 - constant names
    # `|| ''` and `+ 0`-style wrapping drop the declared type, so sqlite3 hands back plain text.
    "sqlite": "SELECT id, employee_id, first_name, last_name, email, email_aliases || '', "
    "start_date || '', end_date || '' FROM people_person",
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
    # Read raw, without Django's per-value converters: a hundred thousand rows of dates and JSON lists.
    keys, dates = [], {}
    to_date = lru_cache(maxsize=8192)(_date_from_db)
    with gc_paused(), connection.cursor() as cursor:
        cursor.execute(_SELECT_PEOPLE.get(connection.vendor, _SELECT_PEOPLE["default"]))
        while batch := cursor.fetchmany(10000):
            for pid, employee_id, first, last, email, aliases, start, end in batch:
                aliases = () if aliases in (None, "[]") else tuple(_json_list(aliases))
                keys.append(PersonKey(pid, employee_id, first, last, email, aliases))
                dates[pid] = core.PersonDates(to_date(start), to_date(end))
    _snapshot = None  # the previous one can go before the next is built
    with gc_paused():
        snapshot = PeopleSnapshot(PersonIndex(keys, mail_domains=settings.ORDNA_MAIL_DOMAINS), dates, key)
    keep_for_process()
    _snapshot = (key, snapshot)
    return snapshot


# The import -------------------------------------------------------------------------------------------


@dataclass
class AccountsImportResult:
    """What an account import did or would do; `needs_mapping` asks the web to set up a column mapping."""

    outcome: str
    application: str
    preset: str = ""
    full: bool = True
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    breaker_tripped: bool = False
    diff: dict[str, Any] = field(default_factory=dict)
    checksum: str = ""
    run_id: int | None = None
    needs_mapping: bool = False
    header: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome in (ImportRun.Outcome.APPLIED, ImportRun.Outcome.DRY_RUN)


def choose_preset(*, name: str | None, application: Application | None, header: Sequence[str]) -> Preset | None:
    """The named preset; else the application's saved mapping or source; else the one the header fits."""
    if name:
        if name == "mapping":
            if application is None or not application.account_mapping:
                raise AccountsError(
                    "this application has no saved column mapping: set one up on the first "
                    "upload in the web (Imports → Import accounts)"
                )
            return mapping_preset(ColumnMapping.from_json(application.account_mapping))
        if name not in PRESETS:
            raise AccountsError(f"unknown preset {name!r}; presets are: {', '.join(PRESETS)}, mapping")
        return PRESETS[name]
    if application is not None and application.account_mapping:
        return mapping_preset(ColumnMapping.from_json(application.account_mapping))
    if application is not None and application.account_source in PRESETS:
        return PRESETS[application.account_source]
    detected = detect_preset(header)
    return PRESETS[detected] if detected else None


def accounts_import(
    *,
    application_slug: str,
    path: Path,
    actor: Actor,
    today: date,
    preset: str | None = None,
    full: bool = True,
    dry_run: bool = False,
    allow_mass_change: bool = False,
    file_name: str = "",
    mapping: ColumnMapping | None = None,
) -> AccountsImportResult:
    """Import one application's account export, all or nothing (docs/accounts.md).

    A full import is a snapshot: accounts missing from it become gone, unless more than
    ORDNA_MASS_CHANGE_ACCOUNTS_PERCENT would, which stops it (`allow_mass_change` confirms). A delta import
    never marks anything gone. The same file twice changes nothing the second time.
    """
    with gc_paused():  # millions of small objects, no cycles: see ordna.core.memory
        return _accounts_import(
            application_slug=application_slug,
            path=path,
            actor=actor,
            today=today,
            preset=preset,
            full=full,
            dry_run=dry_run,
            allow_mass_change=allow_mass_change,
            file_name=file_name,
            mapping=mapping,
        )


def _accounts_import(
    *,
    application_slug: str,
    path: Path,
    actor: Actor,
    today: date,
    preset: str | None = None,
    full: bool = True,
    dry_run: bool = False,
    allow_mass_change: bool = False,
    file_name: str = "",
    mapping: ColumnMapping | None = None,
) -> AccountsImportResult:
    started = timezone.now()
    result = AccountsImportResult(ImportRun.Outcome.REJECTED, application=application_slug, full=full)
    application = Application.objects.filter(slug=application_slug).first()
    if application is None and not application_slug.replace("-", "").replace("_", "").isalnum():
        result.errors = [RowError(0, "", f"{application_slug!r} is not a valid application key (letters, digits, -)")]
        return result
    try:
        result.checksum = file_checksum(path)
        table = open_table(path, max_bytes=settings.UPLOAD_MAX_BYTES)
        result.notices = list(table.notices)
        result.header = table.header
        chosen = (
            mapping_preset(mapping)
            if mapping
            else choose_preset(name=preset, application=application, header=table.header)
        )
    except (TableError, AccountsError) as exc:
        result.errors = [RowError(0, "", str(exc))]
        return result
    if chosen is None:
        result.needs_mapping = True
        result.errors = [
            RowError(
                1,
                "",
                "no preset fits this file's header; choose one with --preset "
                f"({', '.join(PRESETS)}) or set up a column mapping in the web",
            )
        ]
        return result
    result.preset = chosen.name
    # Rows read from the stored accounts before are recognised by their digest and not read again.
    stored = stored_accounts(application)
    read = read_accounts(table, chosen, known=known_row_digests(stored, chosen))
    if read.errors:
        result.errors = read.errors
        if not dry_run:
            result.run_id = _record_run(result, application, actor, file_name or path.name, started)
        return result

    def read_all() -> ReadResult:
        return read_accounts(open_table(path, max_bytes=settings.UPLOAD_MAX_BYTES), chosen)

    return _import_records(
        result,
        application=application,
        application_slug=application_slug,
        records=read.records,
        actor=actor,
        today=today,
        dry_run=dry_run,
        allow_mass_change=allow_mass_change,
        source_name=file_name or path.name,
        started=started,
        account_source=chosen.name if chosen.name in PRESETS else "",
        mapping=mapping,
        read=read,
        read_all=read_all,
        stored=stored,
    )


def accounts_import_records(
    *,
    application: Application,
    records: list[AccountRecord],
    actor: Actor,
    today: date,
    source: str,
    full: bool = True,
    dry_run: bool = False,
    allow_mass_change: bool = False,
    verified_by: str = "import",
) -> AccountsImportResult:
    """Import accounts a connector read (not a file) through the very pipeline of `accounts_import`: the
    breaker, full versus delta, one transaction, findings and offboarding's line verification, which
    records `verified_by` ("read-back" for a connector) on the lines it verifies."""
    result = AccountsImportResult(ImportRun.Outcome.REJECTED, application=application.slug, full=full, preset=source)
    result.checksum = hashlib.sha256(
        "\n".join(sorted(f"{r.key}|{r.status}|{r.email}|{r.employee_id}" for r in records)).encode()
    ).hexdigest()
    keys: dict[str, int] = {}
    for record in records:
        if record.key in keys:
            result.errors.append(
                RowError(
                    record.row, "key", f"duplicate account {record.key_display!r} (also on row {keys[record.key]})"
                )
            )
        keys.setdefault(record.key, record.row)
    started = timezone.now()
    if result.errors:
        if not dry_run:
            result.run_id = _record_run(result, application, actor, source, started)
        return result
    return _import_records(
        result,
        application=application,
        application_slug=application.slug,
        records=records,
        actor=actor,
        today=today,
        dry_run=dry_run,
        allow_mass_change=allow_mass_change,
        source_name=source,
        started=started,
        verified_by=verified_by,
    )


def _import_records(
    result: AccountsImportResult,
    *,
    application: Application | None,
    application_slug: str,
    records: list[AccountRecord],
    actor: Actor,
    today: date,
    dry_run: bool,
    allow_mass_change: bool,
    source_name: str,
    started: datetime,
    account_source: str = "",
    mapping: ColumnMapping | None = None,
    verified_by: str = "import",
    read: ReadResult | None = None,
    read_all: Callable[[], ReadResult] | None = None,
    stored: StoredAccounts | None = None,
) -> AccountsImportResult:
    full = result.full
    reading: ReadResult = read or ReadResult(records=records)

    def plan_from(
        read: ReadResult,
        application: Application | None,
        *,
        notices: list[str],
        with_findings: bool = False,
        stored: StoredAccounts | None = None,
    ) -> AccountPlan:
        """The plan of what was read (against `stored`, else the accounts as they are now); rows read as
        unchanged that no longer are get read again in full."""
        records = _resolve_implicit_licenses(read.records, application, notices)
        try:
            return plan_accounts(
                application=application,
                records=records,
                full=full,
                today=today,
                with_findings=with_findings,
                digests=read.digests,
                unchanged=read.unchanged,
                stored=stored,
            )
        except UnchangedRowsStale:
            return plan_from(read_in_full(), application, notices=notices, with_findings=with_findings)

    def read_in_full() -> ReadResult:
        """The file again, every row read: rows recognised as unchanged changed meanwhile."""
        assert read_all is not None  # noqa: S101 - rows are recognised only when the file can be read again
        try:
            again = read_all()
        except (TableError, OSError) as exc:
            raise AccountsError(f"the file could not be read again: {exc}") from exc
        if again.errors:
            raise AccountsError(f"the file changed while it was imported: {again.errors[0]}")
        return again

    try:
        if dry_run:
            plan = plan_from(reading, application, notices=result.notices, with_findings=True, stored=stored)
            _describe(result, plan)
            result.outcome = ImportRun.Outcome.DRY_RUN
            return result
        # Plan without the write lock (parsing and correlating a large export takes seconds), then apply in
        # one transaction; if the application's accounts or the people changed meanwhile, plan again (without
        # the lock, and at the last attempt inside it). Several imports can so overlap their work, and none
        # applies a plan made from a stale state.
        plan = plan_from(reading, application, notices=result.notices, stored=stored)
        for attempt in range(1, _PLAN_ATTEMPTS + 1):
            try:
                return _apply(
                    result,
                    plan,
                    replan=partial(plan_from, reading, notices=[]),
                    last_attempt=attempt == _PLAN_ATTEMPTS,
                    application_slug=application_slug,
                    actor=actor,
                    today=today,
                    allow_mass_change=allow_mass_change,
                    source_name=source_name,
                    started=started,
                    account_source=account_source,
                    mapping=mapping,
                    verified_by=verified_by,
                )
            except _PlanStale:
                application = Application.objects.filter(slug=application_slug).first()
                if reading.unchanged:  # recognised rows may be what changed: read them this time
                    reading = read_in_full()
                plan = plan_from(reading, application, notices=[])
        raise AssertionError("unreachable: the last attempt plans under the lock")  # pragma: no cover
    except AccountsError as exc:
        result.errors = [RowError(0, "", str(exc))]
        result.outcome = ImportRun.Outcome.REJECTED
        if not dry_run:
            result.run_id = _record_run(result, application, actor, source_name, started)
        return result


_PLAN_ATTEMPTS = 3


class _PlanStale(Exception):
    """The application's accounts or the people changed since the plan was made."""


def _apply(
    result: AccountsImportResult,
    plan: AccountPlan,
    *,
    replan: Callable[[Application | None], AccountPlan],
    last_attempt: bool,
    application_slug: str,
    actor: Actor,
    today: date,
    allow_mass_change: bool,
    source_name: str,
    started: datetime,
    account_source: str,
    mapping: ColumnMapping | None,
    verified_by: str,
) -> AccountsImportResult:
    """Apply the plan in one transaction, under the write lock; raises _PlanStale (nothing written) when the
    plan is stale and this is not the last attempt, which plans again under the lock."""
    with transaction.atomic():
        application = Application.objects.filter(slug=application_slug).first()
        if _stale(plan, application_slug):
            if not last_attempt:
                raise _PlanStale
            plan = replan(application)
        _describe(result, plan)
        if result.breaker_tripped and not allow_mass_change:
            result.outcome = ImportRun.Outcome.STOPPED
            result.run_id = _record_run(result, application, actor, source_name, started)
            return result
        if application is None:
            try:
                application = application_create(
                    slug=application_slug, name=application_slug, actor=actor, account_source=account_source
                )
            except ApplicationError as exc:
                result.errors = [RowError(0, "", str(exc))]
                result.outcome = ImportRun.Outcome.REJECTED
                transaction.set_rollback(True)
                return result
        if mapping is not None and application.account_mapping != mapping.as_json():
            application.account_mapping = mapping.as_json()
            application.save(update_fields=["account_mapping"])
            audit_record(
                actor=actor, action="application.mapping_saved", target=application, after=application.account_mapping
            )
        plan.application_id = application.pk
        opened, resolved = apply_plan(plan, today=today, actor=actor, verified_by=verified_by)
        result.counts.update(findings_opened=opened, findings_resolved=resolved)
        result.outcome = ImportRun.Outcome.APPLIED
        result.run_id = _record_run(result, application, actor, source_name, started)
        audit_record_many(
            actor=actor,
            changes=[
                Change(
                    "import.accounts",
                    "core.importrun",
                    str(result.run_id),
                    after={"application": application.slug, "counts": result.counts, "checksum": result.checksum},
                )
            ],
        )
    return result


def _stale(plan: AccountPlan, slug: str) -> bool:
    """Whether the application's accounts or the people changed since `plan` was made. Inside the applying
    transaction: the application's row stays locked until it ends (PostgreSQL; SQLite's write lock already
    serialises writers), so no other import changes its accounts between this check and the writes."""
    version = (
        Application.objects.select_for_update().filter(slug=slug).values_list("accounts_version", flat=True).first()
    )
    return version != plan.accounts_version or people_version() != plan.people_version


def _describe(result: AccountsImportResult, plan: AccountPlan) -> None:
    """Counts, diff and the breaker's verdict of a plan, onto the result."""
    result.counts = plan.counts()
    result.diff = plan.diff()
    base, gone = plan.existing_live, len(plan.gone)
    percent = settings.ORDNA_MASS_CHANGE_ACCOUNTS_PERCENT
    result.breaker_tripped = bool(base) and gone >= settings.ORDNA_MASS_CHANGE_MINIMUM and gone * 100 > percent * base


def _resolve_implicit_licenses(
    records: list[AccountRecord], application: Application | None, notices: list[str]
) -> list[AccountRecord]:
    """Exports that name no licence (Google, Slack) get the application's only licence, if it has one."""
    if not any(IMPLICIT_LICENSE in r.licenses for r in records):
        return records
    names = list(application.licenses.values_list("name", flat=True)) if application else []
    if len(names) != 1:
        notices.append(
            "This export names no licences. Register exactly one licence for the application "
            "(ordna import licenses) to count what its accounts cost."
        )
        replacement: tuple[str, ...] = ()
    else:
        replacement = (names[0],)
    return [r._replace(licenses=replacement) if IMPLICIT_LICENSE in r.licenses else r for r in records]


def _record_run(
    result: AccountsImportResult, application: Application | None, actor: Actor, file_name: str, started: datetime
) -> int:
    run = ImportRun.objects.create(
        source=ImportRun.Source.ACCOUNTS,
        application=application,
        file_name=file_name[:255],
        preset=result.preset,
        full=result.full,
        checksum=result.checksum,
        outcome=result.outcome,
        counts=result.counts,
        diff=result.diff,
        errors=[e.as_dict() for e in result.errors[:1000]],
        actor_label=actor.label,
        started_at=started,
        finished_at=timezone.now(),
    )
    return run.pk


# The plan: incoming records compared with stored accounts (reads only) ------------------------------------


@dataclass
class AccountPlan:
    application_id: int | None
    inserts: list[tuple[Any, ...]] = field(default_factory=list)  # (key, *STORED, digest)
    updates: list[tuple[int, tuple[Any, ...], int | None]] = field(default_factory=list)  # (id, STORED, digest)
    # Unchanged accounts whose stored row digest is missing, outdated or no longer vouches for the link:
    # (digest or None, id), written alone.
    digests: list[tuple[int | None, int]] = field(default_factory=list)
    gone: list[int] = field(default_factory=list)
    gone_keys: list[str] = field(default_factory=list)
    present_ids: list[int] = field(default_factory=list)
    unchanged: int = 0
    links_made: int = 0
    reviews: int = 0
    existing_live: int = 0
    changed_keys: list[str] = field(default_factory=list)
    states: list[core.AccountState] = field(default_factory=list)  # after the import; new ones have ids < 0
    finding_specs: list[core.FindingSpec] = field(default_factory=list)  # new accounts' ids < 0, as in states
    accounts_version: int | None = None  # the application's, when planned (None: a new application)
    people_version: tuple[Any, ...] = ()
    people_stamp: str = ""
    # Whether, once applied, every account that is not gone is linked as these people say: a full import
    # or a re-link of all, not a delta. Then the next import may keep the links of unchanged rows.
    links_current: bool = False
    findings_opened: int = 0
    findings_resolved: int = 0
    full: bool = True

    def counts(self) -> dict[str, int]:
        return {
            "rows": len(self.inserts) + len(self.updates) + self.unchanged,
            "new": len(self.inserts),
            "changed": len(self.updates),
            "unchanged": self.unchanged,
            "gone": len(self.gone),
            "links_made": self.links_made,
            "needs_review": self.reviews,
            "findings_opened": self.findings_opened,
            "findings_resolved": self.findings_resolved,
        }

    def diff(self) -> dict[str, Any]:
        return {
            "new": [row[0] for row in self.inserts[:DIFF_SAMPLE]],
            "new_total": len(self.inserts),
            "changed": self.changed_keys,
            "gone": self.gone_keys,
        }


def _sqlite_raw(column: str) -> str:
    """Wrap a column so that SQLite reports no declared type, and Django's per-value Python converters
    (datetime and bool parsing) do not run on a million rows that are only compared as stored."""
    if column == "last_login":
        return "last_login || ''"
    if column in ("needs_review", "non_personal"):
        return f"{column} + 0"
    return column


# What every stored account is read with; a recognised row needs no more. The identity columns (what a
# row is compared on, and the confidence) are read only for the accounts of rows read in full.
_LIGHT_COLUMNS = (
    "id",
    "key",
    "non_personal",
    "status",
    "last_login",
    "licenses",
    "person_id",
    "match_rule",
    "needs_review",
    "source_digest",
)
_IDENTITY_COLUMNS = ("key_display", "username", "email", "display_name", "employee_id_attr", "match_confidence")


def _select(columns: Sequence[str], where: str) -> dict[str, str]:
    return {
        "default": f"SELECT {', '.join(columns)} FROM accounts_account WHERE {where}",  # noqa: S608
        "sqlite": f"SELECT {', '.join(map(_sqlite_raw, columns))} FROM accounts_account WHERE {where}",  # noqa: S608
    }


_SELECT_LIGHT = _select(_LIGHT_COLUMNS, "application_id = %s")
_SELECT_IDENTITY = _select(("id", *_IDENTITY_COLUMNS), "application_id = %s")


def _login_from_db(raw: Any) -> datetime | None:
    """A stored sign-in read raw: text on SQLite, a datetime on PostgreSQL."""
    if raw is None or isinstance(raw, datetime):
        return raw
    return datetime.fromisoformat(raw).replace(tzinfo=UTC)


def _licenses_from_db(raw: Any) -> tuple[str, ...]:
    """Stored licences as read raw: JSON text on SQLite, a list on PostgreSQL."""
    return tuple(json.loads(raw) if isinstance(raw, str) else raw or ())


def _licenses_to_db(raw: Any) -> str:
    return raw if isinstance(raw, str) else json.dumps(raw or [])


# Rules that decide on identifiers alone (stored with the account), before any name is looked at.
_IDENTIFIER_RULES = frozenset({MatchRule.EMPLOYEE_ID, MatchRule.EMAIL, MatchRule.USERNAME})


class UnchangedRowsStale(Exception):
    """Rows read as unchanged no longer match the stored accounts (they changed meanwhile): read them again."""


# Positions in a stored account as read (`_LIGHT_COLUMNS`).
_L_STATUS, _L_LOGIN, _L_LICENSES, _L_PERSON, _L_RULE, _L_REVIEW, _L_DIGEST = 3, 4, 5, 6, 7, 8, 9
# Positions in a stored account with its identity (`_full_row`): 0 id, 1 key, 2 non_personal, then STORED
# from 3, then the row digest.
_STATUS_AT, _PERSON_AT, _RULE_AT = 8, 11, 12
_STORED_END = _DIGEST_AT = 3 + len(STORED)


def _full_row(light: tuple[Any, ...], identity: tuple[Any, ...]) -> tuple[Any, ...]:
    """A stored account with its identity columns, in the order of STORED from position 3."""
    return (*light[:3], *identity[:5], *light[3:8], identity[5], light[8], light[9])


def _identities(application_id: int, ids: Sequence[int], *, all_of_them: bool) -> dict[int, tuple[Any, ...]]:
    """The identity columns of some of an application's accounts, by id (of all of them in one pass when most
    are wanted)."""
    found: dict[int, tuple[Any, ...]] = {}
    with connection.cursor() as cursor:
        if all_of_them:
            cursor.execute(_SELECT_IDENTITY.get(connection.vendor, _SELECT_IDENTITY["default"]), [application_id])
            while batch := cursor.fetchmany(10000):
                found.update((row[0], row[1:]) for row in batch)
            return found
        for chunk in _chunks(ids, 900):
            select = _select(("id", *_IDENTITY_COLUMNS), f"id IN ({_placeholders(len(chunk))})")
            cursor.execute(select.get(connection.vendor, select["default"]), list(chunk))
            found.update((row[0], row[1:]) for row in cursor.fetchall())
    return found


@dataclass
class StoredAccounts:
    """An application's accounts as stored, read once for an import: by key, in `_LIGHT_COLUMNS` order."""

    version: int | None = None  # the application's accounts_version when read
    links_stamp: str = ""  # the people its links were made with (Application.accounts_people_stamp)
    rows: dict[str, tuple[Any, ...]] = field(default_factory=dict)


def stored_accounts(application: Application | None) -> StoredAccounts:
    stored = StoredAccounts()
    if application is None:
        return stored
    stored.version, stored.links_stamp = (
        Application.objects.filter(pk=application.pk).values_list("accounts_version", "accounts_people_stamp").first()
    ) or (None, "")
    rows = stored.rows
    with connection.cursor() as cursor:
        cursor.execute(_SELECT_LIGHT.get(connection.vendor, _SELECT_LIGHT["default"]), [application.pk])
        while batch := cursor.fetchmany(10000):
            for row in batch:
                licenses = row[_L_LICENSES]
                if not isinstance(licenses, str):  # PostgreSQL hands JSON back parsed
                    row = (*row[:_L_LICENSES], _licenses_to_db(licenses), *row[_L_LICENSES + 1 :])
                rows[row[1]] = row
    return stored


def _kept_as_stored(row: tuple[Any, ...], keep_links: bool) -> bool:
    """Whether the same export row, read again, would leave this stored account exactly as it is: it is not
    gone, and its link is a decision, or was made from that very row with the people as they are now.

    A stored digest vouches for the link too: whatever wrote a link from anything but the export row (a
    connector's read, `ordna reconcile` from stored columns) cleared the digest unless an identifier made
    the link, which reads the same columns either way (see `plan_accounts`)."""
    return row[_L_STATUS] != "gone" and (keep_links or row[_L_RULE] == MatchRule.MANUAL or bool(row[2]))


def known_row_digests(stored: StoredAccounts, preset: Preset) -> dict[int, str]:
    """Digests of the export rows the stored accounts were read from, for accounts that the same row would
    leave as they are (`_kept_as_stored`). The digests are of `preset`'s reading (row_digester)."""
    if not stored.rows:
        return {}
    keep_links = stored.links_stamp == people_snapshot().stamp
    return {
        row[_L_DIGEST]: key
        for key, row in stored.rows.items()
        if row[_L_DIGEST] is not None and _kept_as_stored(row, keep_links)
    }


def plan_accounts(
    *,
    application: Application | None,
    records: Iterable[AccountRecord],
    full: bool,
    today: date,
    with_findings: bool = True,
    relink: bool = False,
    digests: Sequence[int | None] = (),
    unchanged: Sequence[tuple[str, int]] = (),
    stored: StoredAccounts | None = None,
) -> AccountPlan:
    """Correlate the records and compare them with the stored accounts; also count the findings it would
    open and resolve. Reads only.

    Rows are compared in their stored form (text dates on SQLite, JSON text licences), so an unchanged
    account costs no conversion at all; the plan's tuples go to the database as they are. `digests` are
    the records' row digests, stored with them; `unchanged` are rows not read again because their digest
    is the stored account's (`known_row_digests`): each is checked against the stored account, and
    UnchangedRowsStale raised when one no longer matches. `stored` is the application's accounts as read
    before (else they are read now).
    """
    plan = AccountPlan(application_id=application.pk if application else None, full=full)
    if stored is None:
        stored = stored_accounts(application)
    plan.accounts_version = stored.version
    people = people_snapshot()
    plan.people_version, plan.people_stamp = people.version, people.stamp
    plan.links_current = full or relink
    # The stored links of the application's live accounts were made with these very people: an account
    # whose identifying fields are unchanged and that an identifier (not its name) linked keeps its link
    # without correlating again. Names may come from columns not stored, so name links are redone.
    keep_links = not relink and stored.links_stamp == plan.people_stamp
    dump_licenses = lru_cache(maxsize=4096)(lambda names: json.dumps(list(names)))
    # Sign-ins are compared in their stored form: text on SQLite, an aware datetime on PostgreSQL.
    adapt_login = lru_cache(maxsize=65536)(connection.ops.adapt_datetimefield_value)
    existing = stored.rows
    # Positions in `current`, a stored account with its identity (`_full_row`).
    status_at, person_at, rule_at, stored_end, digest_at = _STATUS_AT, _PERSON_AT, _RULE_AT, _STORED_END, _DIGEST_AT
    index = people.index
    seen: set[str] = set()
    login_from_db = lru_cache(maxsize=65536)(_login_from_db)
    licenses_from_db = lru_cache(maxsize=4096)(_licenses_from_db)
    for key, digest in unchanged:
        light = existing.get(key)
        # What a full reading would keep as it is: the same row, read into the same record (equal digests),
        # and an account that row leaves as it is (see known_row_digests).
        if light is None or light[_L_DIGEST] != digest or not _kept_as_stored(light, keep_links):
            raise UnchangedRowsStale(key)
        seen.add(key)
        plan.present_ids.append(light[0])
        plan.unchanged += 1
        plan.existing_live += 1
        plan.reviews += bool(light[_L_REVIEW])
        plan.states.append(
            core.AccountState(
                light[0],
                light[_L_STATUS],
                light[_L_PERSON],
                bool(light[2]),
                bool(light[_L_REVIEW]),
                login_from_db(light[_L_LOGIN]),
                licenses_from_db(light[_L_LICENSES]),
            )
        )
    # The identity columns of the accounts that rows read in full are compared with, and of those that go.
    records = records if isinstance(records, list) else list(records)
    read_keys = {record.key for record in records}
    wanted = [
        light[0]
        for key, light in existing.items()
        if key in read_keys or (key not in seen and light[_L_STATUS] != "gone")
    ]
    identity = (
        _identities(application.pk, wanted, all_of_them=len(wanted) > len(existing) // 2)
        if application is not None and wanted
        else {}
    )
    # A stored digest vouches for the link made from its row with the people of the application's stamp;
    # a delta that links with other people (the stamp stays) stores none.
    if not (plan.links_current or keep_links):
        digests = ()
    new_id = 0
    for position, record in enumerate(records):
        key = record.key
        row_digest = digests[position] if digests else None
        seen.add(key)
        light = existing.get(key)
        current = _full_row(light, identity[light[0]]) if light is not None else None
        # A manual link or non-personal decision is kept; so is an identifier link of an unchanged row while
        # the people are the ones it was made with (see keep_links).
        if current is not None and (
            current[rule_at] == MatchRule.MANUAL
            or current[2]
            or (
                keep_links
                and current[rule_at] in _IDENTIFIER_RULES
                and current[status_at] != "gone"
                and current[3:8]
                == (record.key_display, record.username, record.email, record.display_name, record.employee_id)
            )
        ):
            person_id, rule, confidence, review = current[person_at], current[rule_at], current[13], False
        else:
            match = correlate(
                index=index,
                employee_id=record.employee_id,
                email=record.email,
                key=record.key_display,
                username=record.username,
                first_name=record.first_name,
                last_name=record.last_name,
                display_name=record.display_name,
            )
            person_id, rule, confidence, review = match.person_id, match.rule, match.confidence, match.review
        login = record.last_login
        as_stored = (
            record.key_display,
            record.username,
            record.email,
            record.display_name,
            record.employee_id,
            record.status,
            adapt_login(login) if login is not None else None,
            dump_licenses(record.licenses),
            person_id,
            rule,
            confidence,
            review,
        )
        if current is None:
            new_id -= 1
            plan.inserts.append((key, *as_stored, row_digest))
            plan.links_made += person_id is not None
            account_id = new_id
            non_personal = False
        else:
            account_id = current[0]
            non_personal = bool(current[2])
            plan.present_ids.append(account_id)
            if current[3:stored_end] != as_stored:
                plan.updates.append((account_id, as_stored, row_digest))
                plan.changed_keys.append(record.key_display)
                plan.links_made += person_id is not None and person_id != current[person_at]
            else:
                plan.unchanged += 1
                if row_digest is not None and current[digest_at] != row_digest:
                    plan.digests.append((row_digest, account_id))
                elif row_digest is None and current[digest_at] is not None and rule not in _IDENTIFIER_RULES:
                    # Linked from something other than the export row (a connector, stored columns): the row
                    # may name the person differently, so its digest no longer vouches for this link.
                    plan.digests.append((None, account_id))
            if current[status_at] != "gone":
                plan.existing_live += 1
        plan.reviews += review
        plan.states.append(
            core.AccountState(account_id, record.status, person_id, non_personal, review, login, record.licenses)
        )
    for key, row in existing.items():
        if key in seen:
            continue
        status = row[_L_STATUS]
        if status != "gone":
            plan.existing_live += 1
            if full:
                plan.gone.append(row[0])
                plan.gone_keys.append(identity[row[0]][0])
                status = "gone"
        plan.states.append(
            core.AccountState(
                row[0],
                status,
                row[_L_PERSON],
                bool(row[2]),
                bool(row[_L_REVIEW]),
                login_from_db(row[_L_LOGIN]),
                licenses_from_db(row[_L_LICENSES]),
            )
        )
    # Findings are worked out here, outside the write lock; applying only maps new accounts' ids.
    plan.finding_specs = findings_wanted(application, plan.states, people, today)
    if with_findings:
        opened, resolved = findings_sync(application, plan.finding_specs, today, write=False)
        plan.findings_opened, plan.findings_resolved = len(opened), len(resolved)
    return plan


# Writing -------------------------------------------------------------------------------------------------


def _adapt(value: datetime | None) -> Any:
    return connection.ops.adapt_datetimefield_value(value) if value is not None else None


_PERSON_IN_INSERT = 1 + STORED.index("person_id")  # an insert row is (key, *STORED)


def _by_person_then_key(row: tuple[Any, ...]) -> tuple[int, str]:
    return (row[_PERSON_IN_INSERT] or 0, row[0])


def apply_plan(
    plan: AccountPlan, *, today: date, actor: Actor | None = None, verified_by: str = "import"
) -> tuple[int, int]:
    """Write the plan set-based, bring the findings in line and let offboarding verify its lines against the
    accounts as they are now (ordna.lifecycle); returns (findings opened, resolved)."""
    assert plan.application_id is not None  # noqa: S101 - set by the caller inside its transaction
    moment = timezone.now()
    now = _adapt(moment)
    # Sign-ins and licences come in the stored form the plan compared them in.
    prepared = ("last_login", "licenses")
    fields = ("application", "key", *STORED, "source_digest", "non_personal", "first_seen", "last_seen")
    # In order of person, then key: the person index (a million entries across every application) is then
    # walked once from start to end instead of at random, which saves about a sixth of the INSERT; the
    # (application, key) entries of one import are few and close together either way.
    rows = sorted(plan.inserts, key=_by_person_then_key)
    ids_before = _max_account_id() if rows else 0
    if rows:
        insert_rows(
            Account,
            fields,
            [(plan.application_id, *row, False, now, now) for row in rows],
            prepared=(*prepared, "first_seen", "last_seen"),
        )
    if plan.updates:
        update_rows(
            Account,
            (*STORED, "source_digest", "last_seen"),
            [(*stored, digest, moment, account_id) for account_id, stored, digest in plan.updates],
            prepared=prepared,
        )
    if plan.digests:
        update_rows(Account, ("source_digest",), plan.digests)
    with connection.cursor() as cursor:
        # Gone accounts keep when they were last seen: the previous full import, if later than their own.
        seen_before = Application.objects.filter(pk=plan.application_id).values_list("accounts_seen_at", flat=True)[0]
        seen_before = _adapt(seen_before) if seen_before is not None else None
        for chunk in _chunks(plan.gone, 900):
            cursor.execute(
                "UPDATE accounts_account SET status = 'gone', "  # noqa: S608
                "last_seen = CASE WHEN %s IS NOT NULL AND last_seen < %s THEN %s ELSE last_seen END "
                f"WHERE id IN ({_placeholders(len(chunk))})",
                [seen_before, seen_before, seen_before, *chunk],
            )
        if not plan.full:
            for chunk in _chunks(plan.present_ids, 900):
                cursor.execute(
                    f"UPDATE accounts_account SET last_seen = %s WHERE id IN ({_placeholders(len(chunk))})",  # noqa: S608
                    [now, *chunk],
                )
    specs = plan.finding_specs
    if rows:
        ids = _inserted_ids(plan.application_id, [row[0] for row in rows], ids_before)
        real = {-(i + 1): ids[row[0]] for i, row in enumerate(plan.inserts)}
        specs = [
            s if s.account_id is None or s.account_id > 0 else s._replace(account_id=real[s.account_id]) for s in specs
        ]
    # One statement: the version that invalidates plans made meanwhile, and (for a full import) when every
    # present account was seen, instead of rewriting each account's last_seen.
    seen: dict[str, Any] = {"accounts_seen_at": moment} if plan.full else {}
    statuses = Counter(state.status for state in plan.states)
    if plan.links_current:
        seen["accounts_people_stamp"] = plan.people_stamp
    Application.objects.filter(pk=plan.application_id).update(
        accounts_version=F("accounts_version") + 1,
        accounts_active=statuses["active"],
        accounts_disabled=statuses["disabled"],
        accounts_gone=statuses["gone"],
        **seen,
    )
    application = Application.objects.get(pk=plan.application_id)
    opened, resolved = findings_sync(application, specs, today, write=True)
    accounts_changed.send(
        AccountsChanged(
            application_id=application.pk,
            actor=actor or Actor.system("accounts"),
            today=today,
            seen_by=verified_by,
            full=plan.full,
        )
    )
    return len(opened), len(resolved)


def _max_account_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(id) FROM accounts_account")
        return cursor.fetchone()[0] or 0


def _inserted_ids(application_id: int, keys: list[str], ids_before: int) -> dict[str, int]:
    """The ids of accounts just inserted in the order of `keys`. Under SQLite's write lock one INSERT of n
    rows numbers them max+1 ... max+n in order; that is checked, and otherwise the ids are read back."""
    if connection.vendor == "sqlite" and _max_account_id() == ids_before + len(keys):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT key FROM accounts_account WHERE id IN (%s, %s)", [ids_before + 1, ids_before + len(keys)]
            )
            ends = sorted(key for (key,) in cursor.fetchall())
        if ends == sorted({keys[0], keys[-1]}):
            return {key: ids_before + i for i, key in enumerate(keys, start=1)}
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, id FROM accounts_account WHERE application_id = %s", [application_id])
        return dict(cursor.fetchall())


def _placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# Findings ------------------------------------------------------------------------------------------------


def _prices(application: Application | None) -> dict[str, core.Price]:
    if application is None:
        return {}
    return {lic.name: core.Price(lic.monthly_cost, lic.currency, lic.seats) for lic in application.licenses.all()}


def findings_wanted(
    application: Application | None, states: Sequence[core.AccountState], people: PeopleSnapshot, today: date
) -> list[core.FindingSpec]:
    """The findings the accounts' states imply today (ordna.accounts.findings)."""
    return core.compute_findings(
        accounts=states,
        people=people.dates,
        prices=_prices(application),
        today=today,
        dormant_days=settings.ORDNA_DORMANT_DAYS,
    )


def findings_sync(
    application: Application | None, specs: Sequence[core.FindingSpec], today: date, *, write: bool
) -> tuple[list[core.FindingSpec], list[int]]:
    """Compare the wanted findings with the live ones stored; with `write`, open, resolve, re-price and
    reopen (expired acceptances) to match. Returns the opened specs and the resolved finding ids."""
    live: dict[tuple[str, int | None, str], tuple[Any, ...]] = {}
    if application is not None:
        # Only the kinds reconciliation computes: offboarding's own findings are not resolved here.
        rows = Finding.objects.filter(
            application=application, state__in=[FindingState.OPEN, FindingState.ACCEPTED], kind__in=core.KINDS
        )
        for row in rows.values_list(
            "id", "kind", "account_id", "license", "state", "accepted_until", "monthly_cost", "currency", "person_id"
        ).iterator(chunk_size=10000):
            live[(row[1], row[2], row[3])] = row
    wanted = {spec[:3]: spec for spec in specs}  # (kind, account, licence): a finding's identity
    opened = [spec for identity, spec in wanted.items() if identity not in live]
    resolved = [row[0] for identity, row in live.items() if identity not in wanted]
    if not write or application is None:
        return opened, resolved
    now = timezone.now()
    if opened:
        _insert_findings(application.pk, opened, today)
    for chunk in _chunks(resolved, 900):
        Finding.objects.filter(pk__in=chunk).update(state=FindingState.RESOLVED, resolved_at=now)
    changed, reopened = [], []
    for identity, row in live.items():
        spec = wanted.get(identity)
        if spec is None:
            continue
        if row[4] == FindingState.ACCEPTED and row[5] is not None and row[5] < today:
            reopened.append(row[0])
        if (row[6], row[7], row[8]) != (spec.monthly_cost, spec.currency, spec.person_id):
            changed.append(
                Finding(pk=row[0], monthly_cost=spec.monthly_cost, currency=spec.currency, person_id=spec.person_id)
            )
    if changed:
        Finding.objects.bulk_update(changed, ["monthly_cost", "currency", "person_id"], batch_size=2000)
    for chunk in _chunks(reopened, 900):
        Finding.objects.filter(pk__in=chunk).update(
            state=FindingState.OPEN, accepted_by="", accepted_reason="", accepted_until=None
        )
    return opened, resolved


FINDING_FIELDS = (
    "kind",
    "application",
    "account",
    "license",
    "person",
    "monthly_cost",
    "currency",
    "state",
    "since",
    "accepted_by",
    "accepted_reason",
)


def _insert_findings(application_id: int, specs: Sequence[core.FindingSpec], today: date) -> None:
    """Insert new open findings set-based (a first import can open hundreds of thousands), in account
    order so that the (account, kind, license) index grows at its end."""
    specs = sorted(specs, key=lambda s: (s.account_id or 0, s.kind, s.license))
    insert_rows(
        Finding,
        FINDING_FIELDS,
        [
            (
                s.kind,
                application_id,
                s.account_id,
                s.license,
                s.person_id,
                s.monthly_cost,
                s.currency,
                FindingState.OPEN,
                today,
                "",
                "",
            )
            for s in specs
        ],
    )


def findings_recompute(*, application: Application, today: date) -> tuple[int, int]:
    """Recompute one application's findings from its stored accounts (after a price or people change)."""
    rows = Account.objects.filter(application=application).values_list(
        "id", "status", "person_id", "non_personal", "needs_review", "last_login", "licenses"
    )
    states = [
        core.AccountState(i, s, p, bool(n), bool(r), login, tuple(lic or ()))
        for i, s, p, n, r, login, lic in rows.iterator(chunk_size=10000)
    ]
    with transaction.atomic():
        specs = findings_wanted(application, states, people_snapshot(), today)
        opened, resolved = findings_sync(application, specs, today, write=True)
    return len(opened), len(resolved)


def reconcile(*, application: Application, actor: Actor, today: date) -> dict[str, int]:
    """Re-link every account that is not manually linked with the people as they are now, then recompute
    the findings; the accounts themselves (status, licences) stay as the last import left them."""
    records = [
        AccountRecord(
            row=0,
            key=key,
            key_display=display,
            username=username,
            email=email,
            display_name=name,
            first_name="",
            last_name="",
            employee_id=employee_id,
            status=status,
            last_login=login,
            licenses=tuple(licenses or ()),
        )
        for key, display, username, email, name, employee_id, status, login, licenses in Account.objects.filter(
            application=application
        )
        .exclude(status="gone")
        .values_list(
            "key",
            "key_display",
            "username",
            "email",
            "display_name",
            "employee_id_attr",
            "status",
            "last_login",
            "licenses",
        )
        .iterator(chunk_size=10000)
    ]
    with transaction.atomic():
        plan = plan_accounts(
            application=application, records=records, full=False, today=today, with_findings=False, relink=True
        )
        opened, resolved = apply_plan(plan, today=today, actor=actor)
        counts = {
            "accounts": len(records),
            "relinked": len(plan.updates),
            "links_made": plan.links_made,
            "needs_review": plan.reviews,
            "findings_opened": opened,
            "findings_resolved": resolved,
        }
        audit_record(actor=actor, action="accounts.reconciled", target=application, after=counts)
    return counts


# Review decisions and accepted findings ------------------------------------------------------------------


def account_link(
    *, account: Account, actor: Actor, person: Person | None = None, owner: Person | None = None, today: date
) -> Account:
    """A person's decision on an account: link it to `person`, or mark it non-personal with `owner`.

    Sticky: later imports keep it (docs/accounts.md). Exactly one of person and owner is given.
    """
    if (person is None) == (owner is None):
        raise AccountsError(
            "choose either the person the account belongs to or, for a service or shared account, its owner"
        )
    with transaction.atomic():
        before = {
            "person_id": account.person_id,
            "match_rule": account.match_rule,
            "needs_review": account.needs_review,
            "non_personal": account.non_personal,
            "owner_id": account.owner_id,
        }
        account.person = person
        account.owner = owner
        account.non_personal = owner is not None
        account.needs_review = False
        account.match_rule = MatchRule.MANUAL
        account.match_confidence = 1.0
        account.save(
            update_fields=["person", "owner", "non_personal", "needs_review", "match_rule", "match_confidence"]
        )
        Application.objects.filter(pk=account.application_id).update(accounts_version=F("accounts_version") + 1)
        audit_record(
            actor=actor,
            action="account.linked",
            target=account,
            before=before,
            after={
                "person_id": account.person_id,
                "match_rule": "manual",
                "needs_review": False,
                "non_personal": account.non_personal,
                "owner_id": account.owner_id,
            },
        )
        findings_recompute(application=account.application, today=today)
    return account


def finding_accept(*, finding: Finding, actor: Actor, reason: str, until: date, today: date) -> Finding:
    """Accept a finding with a reason until a date; it reopens then if its condition still holds."""
    reason = reason.strip()
    if not reason:
        raise AccountsError("give a reason for accepting the finding")
    if until < today:
        raise AccountsError(f"the expiry {until.isoformat()} is in the past")
    if finding.state == FindingState.RESOLVED:
        raise AccountsError("the finding is resolved already")
    with transaction.atomic():
        finding.state = FindingState.ACCEPTED
        finding.accepted_by = actor.label
        finding.accepted_reason = reason
        finding.accepted_until = until
        finding.save(update_fields=["state", "accepted_by", "accepted_reason", "accepted_until"])
        audit_record(
            actor=actor,
            action="finding.accepted",
            target=finding,
            after={"reason": reason, "until": until, "kind": finding.kind},
        )
    return finding


# Licences ------------------------------------------------------------------------------------------------

LICENSE_COLUMNS = ("application", "license", "monthly_cost", "currency", "seats")


@dataclass
class LicensesImportResult:
    outcome: str
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def licenses_import(*, path: Path, actor: Actor, today: date, dry_run: bool = False) -> LicensesImportResult:
    """Import a price list (application, license, monthly_cost, currency, seats), all or nothing; creates
    applications it does not know; a price change recomputes the money of the findings."""
    result = LicensesImportResult(ImportRun.Outcome.REJECTED)
    try:
        table = open_table(path, max_bytes=settings.UPLOAD_MAX_BYTES)
    except TableError as exc:
        result.errors = [RowError(0, "", str(exc))]
        return result
    result.notices = table.notices
    index = header_index(table.header)
    missing = [c for c in LICENSE_COLUMNS if c not in index]
    if missing:
        result.errors = [
            RowError(
                1,
                "",
                f"wrong header: missing column(s) {', '.join(missing)}; a price list has: {', '.join(LICENSE_COLUMNS)}",
            )
        ]
        return result
    rows: list[tuple[str, str, Decimal, str, int | None]] = []
    seen: dict[tuple[str, str], int] = {}
    for number, cells in table.rows:

        def cell(name: str, cells: Sequence[str] = cells) -> str:
            at = index[name]
            return cells[at].strip() if at < len(cells) else ""

        app, name = cell("application").lower(), cell("license")
        problems = []
        if not app:
            problems.append(RowError(number, "application", "missing"))
        if not name:
            problems.append(RowError(number, "license", "missing"))
        try:
            cost = Decimal(cell("monthly_cost").replace(",", ".").replace(" ", ""))
            if cost < 0 or not cost.is_finite():
                raise ValueError
        except (ArithmeticError, ValueError):
            problems.append(
                RowError(number, "monthly_cost", f"{cell('monthly_cost')!r} is not an amount (e.g. 390 or 12.50)")
            )
            cost = Decimal(0)
        currency = cell("currency").upper() or "SEK"
        if len(currency) != 3 or not currency.isalpha():
            problems.append(
                RowError(number, "currency", f"{cell('currency')!r} is not a currency code such as SEK or EUR")
            )
        seats: int | None = None
        if cell("seats"):
            try:
                seats = int(cell("seats"))
                if seats < 0:
                    raise ValueError
            except ValueError:
                problems.append(RowError(number, "seats", f"{cell('seats')!r} is not a whole number of seats"))
        if (app, name) in seen:
            problems.append(RowError(number, "license", f"{name!r} of {app} is also on row {seen[(app, name)]}"))
        seen[(app, name)] = number
        result.errors.extend(problems)
        if not problems:
            rows.append((app, name, cost, currency, seats))
    if not rows and not result.errors:
        result.errors.append(RowError(0, "", "the file has a header but no rows"))
    if result.errors:
        return result
    known = {a.slug: a for a in Application.objects.filter(slug__in={r[0] for r in rows})}
    result.counts = {
        "applications_created": len({r[0] for r in rows} - set(known)),
        "created": 0,
        "changed": 0,
        "unchanged": 0,
    }
    if dry_run:
        result.outcome = ImportRun.Outcome.DRY_RUN
        return result
    touched: set[int] = set()
    with transaction.atomic():
        for app_slug, name, cost, currency, seats in rows:
            application = known.get(app_slug)
            if application is None:
                try:
                    application = application_create(slug=app_slug, name=app_slug, actor=actor)
                except ApplicationError as exc:
                    raise AccountsError(str(exc)) from exc
                known[app_slug] = application
            existed = License.objects.filter(application=application, name=name).exists()
            _license, changed = license_save(
                application=application, name=name, actor=actor, monthly_cost=cost, currency=currency, seats=seats
            )
            key = "changed" if existed and changed else "created" if not existed else "unchanged"
            result.counts[key] += 1
            if changed:
                touched.add(application.pk)
        for application in Application.objects.filter(pk__in=touched):
            findings_recompute(application=application, today=today)
    result.outcome = ImportRun.Outcome.APPLIED
    return result
