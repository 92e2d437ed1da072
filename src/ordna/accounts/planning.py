"""The plan of an account import (docs/accounts.md). Pure: no ORM.

Incoming records are correlated with the people and compared with the application's accounts as stored:
which to insert, update or mark gone, which row digests to write, the accounts' states afterwards, and
whether the safety breaker trips. Stored accounts are plain tuples in their stored form (text dates on
SQLite, JSON text licences), so an unchanged account costs no conversion at all, and the plan's tuples go
to the database as they are. ordna.accounts.reading loads the inputs, ordna.accounts.applying writes the plan.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from ordna.accounts.correlation import PersonIndex, correlate
from ordna.accounts.findings import AccountState, FindingSpec, PersonDates
from ordna.accounts.presets import AccountRecord

DIFF_SAMPLE = 1000  # new account keys kept in an import run's diff; changed and gone are kept in full

# Link rules as stored (ordna.accounts.models.MatchRule): a person's decision, and the rules that decide on
# identifiers alone (stored with the account), before any name is looked at.
MANUAL = "manual"
IDENTIFIER_RULES = frozenset({"employee_id", "email", "username"})
GONE = "gone"

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

# What every stored account is read with; a recognised row needs no more. The identity columns (what a
# row is compared on, and the confidence) are read only for the accounts of rows read in full.
LIGHT_COLUMNS = (
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
IDENTITY_COLUMNS = ("key_display", "username", "email", "display_name", "employee_id_attr", "match_confidence")

# Positions in a stored account as read (LIGHT_COLUMNS).
_L_STATUS, _L_LOGIN, _L_LICENSES, _L_PERSON, _L_RULE, _L_REVIEW, _L_DIGEST = 3, 4, 5, 6, 7, 8, 9
# Positions in a stored account with its identity (`_full_row`): 0 id, 1 key, 2 non_personal, then STORED
# from 3, then the row digest.
_STATUS_AT, _LICENSES_AT, _PERSON_AT, _RULE_AT, _CONFIDENCE_AT = 8, 10, 11, 12, 13
_STORED_END = _DIGEST_AT = 3 + len(STORED)


@dataclass
class PeopleSnapshot:
    """Every person as correlation and the findings see them, with the version of the people it was read at."""

    index: PersonIndex
    dates: dict[int, PersonDates]
    version: tuple[Any, ...] = ()

    @property
    def stamp(self) -> str:
        """The version as a short text that outlives the process (stored with an application's links)."""
        return hashlib.sha256(repr(self.version).encode()).hexdigest()[:32]


@dataclass
class StoredAccounts:
    """An application's accounts as stored, read once for an import: by key, in LIGHT_COLUMNS order."""

    version: int | None = None  # the application's accounts_version when read
    links_stamp: str = ""  # the people its links were made with (Application.accounts_people_stamp)
    rows: dict[str, tuple[Any, ...]] = field(default_factory=dict)


class UnchangedRowsStale(Exception):
    """Rows read as unchanged no longer match the stored accounts (they changed meanwhile): read them again."""


@dataclass
class AccountPlan:
    """What an import would change, as the rows to write; `application_id` is set once the application exists."""

    application_id: int | None = None
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
    states: list[AccountState] = field(default_factory=list)  # after the import; new ones have ids < 0
    finding_specs: list[FindingSpec] = field(default_factory=list)  # new accounts' ids < 0, as in states
    accounts_version: int | None = None  # the application's, when planned (None: a new application)
    people_version: tuple[Any, ...] = ()
    people_stamp: str = ""
    # Whether, once applied, every account that is not gone is linked as these people say: a full import
    # or a re-link of all, not a delta. Then the next import may keep the links of unchanged rows.
    links_current: bool = False
    findings_opened: int = 0
    findings_resolved: int = 0
    # The application's live findings as read when planned (findings_sync.live_findings), compared with in
    # the write lock instead of reading them there; a plan made again under the lock reads them there.
    live_findings: dict[tuple[str, int | None, str], tuple[Any, ...]] | None = None
    full: bool = True
    # Live accounts whose names or addresses (username, email, display name, employee id) the import changes
    # (not merely fills in): a file of other people's rows under the same keys (issue 28), counted for the
    # breaker.
    identities_changed: int = 0
    identity_keys: list[str] = field(default_factory=list)  # the first DIFF_SAMPLE of them

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
            "identities": self.identity_keys,
        }

    def trips_breaker(self, *, percent: float, minimum: int) -> bool:
        """The safety breaker (docs/accounts.md): at least `minimum` accounts would go, and more than `percent`
        of the live ones. A truncated export must never look like a mass departure."""
        return _share_exceeded(len(self.gone), self.existing_live, percent=percent, minimum=minimum)

    def trips_identity_breaker(self, *, percent: float, minimum: int) -> bool:
        """The breaker's guard of the file's shape (issue 28): at least `minimum` live accounts, and more than
        `percent` of them, would change their names or addresses. Another file under the same keys (the HR
        export read as the user list) must never pass for the application's accounts."""
        return _share_exceeded(self.identities_changed, self.existing_live, percent=percent, minimum=minimum)


def _share_exceeded(count: int, base: int, *, percent: float, minimum: int) -> bool:
    return bool(base) and count >= minimum and count * 100 > percent * base


def login_from_db(raw: Any) -> datetime | None:
    """A stored sign-in read raw: text on SQLite, a datetime on PostgreSQL."""
    if raw is None or isinstance(raw, datetime):
        return raw
    return datetime.fromisoformat(raw).replace(tzinfo=UTC)


def licenses_from_db(raw: Any) -> tuple[str, ...]:
    """Stored licences as read raw: JSON text on SQLite, a list on PostgreSQL."""
    return tuple(json.loads(raw) if isinstance(raw, str) else raw or ())


def kept_as_stored(row: tuple[Any, ...], keep_links: bool) -> bool:
    """Whether the same export row, read again, would leave this stored account exactly as it is: it is not
    gone, and its link is a decision, or was made from that very row with the people as they are now.

    A stored digest vouches for the link too: whatever wrote a link from anything but the export row (a
    connector's read, `ordna reconcile` from stored columns) cleared the digest unless an identifier made
    the link, which reads the same columns either way (see `plan_accounts`)."""
    return row[_L_STATUS] != GONE and (keep_links or row[_L_RULE] == MANUAL or bool(row[2]))


def known_digests(stored: StoredAccounts, *, keep_links: bool) -> dict[int, str]:
    """Digests of the export rows the stored accounts were read from, for accounts that the same row would
    leave as they are (`kept_as_stored`); `keep_links` says whether the links were made with the people as
    they are now."""
    return {
        row[_L_DIGEST]: key
        for key, row in stored.rows.items()
        if row[_L_DIGEST] is not None and kept_as_stored(row, keep_links)
    }


def identities_wanted(
    stored: StoredAccounts, records: Sequence[AccountRecord], unchanged: Sequence[tuple[str, int]]
) -> list[int]:
    """Ids of the stored accounts whose identity columns a plan compares with: those of the rows read in
    full, and those that would go (neither read nor recognised, and not gone yet)."""
    read_keys = {record.key for record in records}
    recognised = {key for key, _digest in unchanged}
    return [
        light[0]
        for key, light in stored.rows.items()
        if key in read_keys or (key not in recognised and light[_L_STATUS] != GONE)
    ]


def _identity_changed(before: Sequence[Any], after: Sequence[Any]) -> bool:
    """Whether a name or address the account had (username, email, display name, employee id) is different
    now; filling in one it lacked is no change of identity (an export that starts to carry employee ids)."""
    return any(old and old != new for old, new in zip(before, after, strict=True))


def _full_row(light: tuple[Any, ...], identity: tuple[Any, ...]) -> tuple[Any, ...]:
    """A stored account with its identity columns, in the order of STORED from position 3."""
    return (*light[:3], *identity[:5], *light[3:8], identity[5], light[8], light[9])


def plan_accounts(
    *,
    records: Sequence[AccountRecord],
    stored: StoredAccounts,
    identities: Mapping[int, tuple[Any, ...]],
    people: PeopleSnapshot,
    full: bool,
    login_to_db: Callable[[datetime], Any],
    relink: bool = False,
    digests: Sequence[int | None] = (),
    unchanged: Sequence[tuple[str, int]] = (),
    shows_status: bool = True,
    shows_licences: bool = True,
) -> AccountPlan:
    """Correlate the records with `people` and compare them with the `stored` accounts.

    `identities` are the identity columns (IDENTITY_COLUMNS) of the stored accounts `identities_wanted`
    names, by id. `login_to_db` turns a sign-in into its stored form, to compare and write as it is.
    `digests` are the records' row digests, stored with them; `unchanged` are rows not read again because
    their digest is the stored account's (`known_digests`): each is checked against the stored account,
    and UnchangedRowsStale raised when one no longer matches. A full import marks the accounts it does not
    name gone; `relink` re-correlates every link that is not a decision (`ordna reconcile`).

    What the records cannot state is kept as stored (issue 28): without `shows_status` (the file has no status
    column) a known account keeps its status (one that was gone is active again: it is listed), and without
    `shows_licences` its licences. A file may so prove nothing it does not show, and wipe nothing either.
    """
    plan = AccountPlan(full=full, accounts_version=stored.version)
    plan.people_version, plan.people_stamp = people.version, people.stamp
    plan.links_current = full or relink
    # The stored links of the application's live accounts were made with these very people: an account
    # whose identifying fields are unchanged and that an identifier (not its name) linked keeps its link
    # without correlating again. Names may come from columns not stored, so name links are redone.
    keep_links = not relink and stored.links_stamp == plan.people_stamp
    dump_licenses = lru_cache(maxsize=4096)(lambda names: json.dumps(list(names)))
    # Sign-ins are compared in their stored form: text on SQLite, an aware datetime on PostgreSQL.
    adapt_login = lru_cache(maxsize=65536)(login_to_db)
    existing = stored.rows
    # Positions in `current`, a stored account with its identity (`_full_row`).
    status_at, licenses_at, person_at, rule_at, confidence_at = (
        _STATUS_AT,
        _LICENSES_AT,
        _PERSON_AT,
        _RULE_AT,
        _CONFIDENCE_AT,
    )
    keeps_facts = not (shows_status and shows_licences)
    stored_end, digest_at = _STORED_END, _DIGEST_AT
    identifier_rules, manual, gone = IDENTIFIER_RULES, MANUAL, GONE
    index = people.index
    seen: set[str] = set()
    login_from = lru_cache(maxsize=65536)(login_from_db)
    licenses_from = lru_cache(maxsize=4096)(licenses_from_db)
    for key, digest in unchanged:
        light = existing.get(key)
        # What a full reading would keep as it is: the same row, read into the same record (equal digests),
        # and an account that row leaves as it is (see known_digests).
        if light is None or light[_L_DIGEST] != digest or not kept_as_stored(light, keep_links):
            raise UnchangedRowsStale(key)
        seen.add(key)
        plan.present_ids.append(light[0])
        plan.unchanged += 1
        plan.existing_live += 1
        plan.reviews += bool(light[_L_REVIEW])
        plan.states.append(
            AccountState(
                light[0],
                light[_L_STATUS],
                light[_L_PERSON],
                bool(light[2]),
                bool(light[_L_REVIEW]),
                login_from(light[_L_LOGIN]),
                licenses_from(light[_L_LICENSES]),
            )
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
        current = _full_row(light, identities[light[0]]) if light is not None else None
        # A manual link or non-personal decision is kept; so is an identifier link of an unchanged row while
        # the people are the ones it was made with (see keep_links).
        if current is not None and (
            current[rule_at] == manual
            or current[2]
            or (
                keep_links
                and current[rule_at] in identifier_rules
                and current[status_at] != gone
                and current[3:8]
                == (record.key_display, record.username, record.email, record.display_name, record.employee_id)
            )
        ):
            person_id, rule, confidence, review = current[person_at], current[rule_at], current[confidence_at], False
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
        status, licences = record.status, record.licenses
        stored_licences = dump_licenses(licences)
        if keeps_facts and current is not None:
            if not shows_status and current[status_at] != gone:
                status = current[status_at]
            if not shows_licences:
                stored_licences = current[licenses_at]
                licences = licenses_from(stored_licences)
        as_stored = (
            record.key_display,
            record.username,
            record.email,
            record.display_name,
            record.employee_id,
            status,
            adapt_login(login) if login is not None else None,
            stored_licences,
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
                if current[status_at] != gone and _identity_changed(current[4:8], as_stored[1:5]):
                    plan.identities_changed += 1
                    if len(plan.identity_keys) < DIFF_SAMPLE:
                        plan.identity_keys.append(record.key_display)
            else:
                plan.unchanged += 1
                if row_digest is not None and current[digest_at] != row_digest:
                    plan.digests.append((row_digest, account_id))
                elif row_digest is None and current[digest_at] is not None and rule not in identifier_rules:
                    # Linked from something other than the export row (a connector, stored columns): the row
                    # may name the person differently, so its digest no longer vouches for this link.
                    plan.digests.append((None, account_id))
            if current[status_at] != gone:
                plan.existing_live += 1
        plan.reviews += review
        plan.states.append(AccountState(account_id, status, person_id, non_personal, review, login, licences))
    for key, row in existing.items():
        if key in seen:
            continue
        status = row[_L_STATUS]
        if status != gone:
            plan.existing_live += 1
            if full:
                plan.gone.append(row[0])
                plan.gone_keys.append(identities[row[0]][0])
                status = gone
        plan.states.append(
            AccountState(
                row[0],
                status,
                row[_L_PERSON],
                bool(row[2]),
                bool(row[_L_REVIEW]),
                login_from(row[_L_LOGIN]),
                licenses_from(row[_L_LICENSES]),
            )
        )
    return plan
