"""The plan of an account import, made from plain data: no database, no Django.

Stored accounts are tuples as the database hands them back (PostgreSQL's form here: sign-ins as aware
datetimes, licences as JSON text once read), people a PersonIndex of plain keys.
"""

from __future__ import annotations

import ast
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ordna.accounts.correlation import PersonIndex, PersonKey
from ordna.accounts.findings import AccountState, PersonDates
from ordna.accounts.planning import (
    IDENTIFIER_RULES,
    MANUAL,
    AccountPlan,
    PeopleSnapshot,
    StoredAccounts,
    UnchangedRowsStale,
    identities_wanted,
    kept_as_stored,
    known_digests,
    plan_accounts,
)
from ordna.accounts.presets import AccountRecord

SIGN_IN = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
STAFF = [
    PersonKey(1, "E1", "Karin", "Lindqvist", "karin.lindqvist@example.org"),
    PersonKey(2, "E2", "Johan", "Berg", "johan.berg@example.org"),
    PersonKey(3, "E3", "Johan", "Berg", "johan.berg2@example.org"),
]


def people(staff: list[PersonKey] = STAFF, version: tuple[Any, ...] = (3, 3, "2026-11-01")) -> PeopleSnapshot:
    index = PersonIndex(staff, mail_domains=["example.org"])
    return PeopleSnapshot(index, {p.id: PersonDates(None, None) for p in staff}, version)


def record(
    key: str, email: str = "", name: str = "", employee_id: str = "", status: str = "active", licenses: Any = ()
) -> AccountRecord:
    return AccountRecord(
        row=2,
        key=key.casefold(),
        key_display=key,
        username="",
        email=email,
        display_name=name,
        first_name="",
        last_name="",
        employee_id=employee_id,
        status=status,
        last_login=SIGN_IN,
        licenses=tuple(licenses),
    )


Identities = dict[int, tuple[Any, ...]]


def plan(
    records: list[AccountRecord], stored: tuple[StoredAccounts, Identities] | None = None, **options: Any
) -> AccountPlan:
    """Plan as an import does: with the identity columns of the accounts `identities_wanted` names."""
    accounts, identities = stored or (StoredAccounts(), {})
    options.setdefault("people", people())
    wanted = identities_wanted(accounts, records, options.get("unchanged", ()))
    return plan_accounts(
        records=records,
        stored=accounts,
        identities={account_id: identities[account_id] for account_id in wanted},
        login_to_db=lambda moment: moment,
        **options,
    )


def stored_from(first: AccountPlan, *, stamp: str, **changes: Any) -> tuple[StoredAccounts, Identities]:
    """The accounts a first plan inserted as they read back (ids from 101), with their identity columns;
    `changes` by key: {key: {"match_rule": "manual", "person_id": 2, ...}}."""
    rows, identities = {}, {}
    for number, insert in enumerate(first.inserts, start=101):
        key, digest = insert[0], insert[-1]
        (display, username, email, name, employee_id, status, login, licenses, person, rule, confidence, review) = (
            insert[1:-1]
        )
        row = {
            "non_personal": False,
            "status": status,
            "person_id": person,
            "match_rule": rule,
            "needs_review": review,
            "source_digest": digest,
            **changes.get(key, {}),
        }
        rows[key] = (
            number,
            key,
            row["non_personal"],
            row["status"],
            login,
            licenses,
            row["person_id"],
            row["match_rule"],
            row["needs_review"],
            row["source_digest"],
        )
        identities[number] = (display, username, email, name, employee_id, row.get("confidence", confidence))
    return StoredAccounts(version=7, links_stamp=stamp, rows=rows), identities


def inserted(
    key: str,
    email: str,
    name: str,
    status: str,
    licenses: str,
    link: tuple[Any, ...],
    digest: int,
    review: bool = False,
) -> tuple[Any, ...]:
    """A row the plan inserts: (key, *STORED, digest), sign-ins and licences in their stored form."""
    return (key, key, "", email, name, "", status, SIGN_IN, licenses, *link, review, digest)


ROWS = [
    record("kli01", "karin.lindqvist@example.org", "Karin Lindqvist", licenses=["E3"]),
    record("jbe", "", "Johan Berg"),
    record("svc-export", "", "Export Service", status="disabled"),
]


def test_a_first_import_links_by_identifiers_and_sends_namesakes_to_review() -> None:
    first = plan(ROWS, full=True, digests=[11, 12, 13])
    assert first.inserts == [
        inserted("kli01", "karin.lindqvist@example.org", "Karin Lindqvist", "active", '["E3"]', (1, "email", 0.95), 11),
        inserted("jbe", "", "Johan Berg", "active", "[]", (None, "", None), 12, review=True),
        inserted("svc-export", "", "Export Service", "disabled", "[]", (None, "", None), 13),
    ]
    assert first.counts() == {
        "rows": 3,
        "new": 3,
        "changed": 0,
        "unchanged": 0,
        "gone": 0,
        "links_made": 1,
        "needs_review": 1,
        "findings_opened": 0,
        "findings_resolved": 0,
    }
    assert first.states == [
        AccountState(-1, "active", 1, False, False, SIGN_IN, ("E3",)),
        AccountState(-2, "active", None, False, True, SIGN_IN, ()),
        AccountState(-3, "disabled", None, False, False, SIGN_IN, ()),
    ]
    assert (first.accounts_version, first.people_stamp, first.links_current) == (None, people().stamp, True)
    assert first.diff() == {
        "new": ["kli01", "jbe", "svc-export"],
        "new_total": 3,
        "changed": [],
        "gone": [],
        "identities": [],
    }


def test_the_same_rows_with_the_same_people_change_nothing_and_keep_identifier_links() -> None:
    stored = stored_from(plan(ROWS, full=True, digests=[11, 12, 13]), stamp=people().stamp)
    again = plan(ROWS, stored, full=True, digests=[11, 12, 13])
    assert (again.inserts, again.updates, again.digests, again.gone) == ([], [], [], [])
    assert (again.unchanged, again.existing_live, again.present_ids) == (3, 3, [101, 102, 103])
    # An index that knows nobody, at the version the links were made with: Karin's address link is kept
    # without correlating again; the namesakes' review is looked at again (names are not stored).
    nobody = PeopleSnapshot(PersonIndex([], mail_domains=["example.org"]), {}, people().version)
    kept = plan(ROWS, stored, full=True, digests=[11, 12, 13], people=nobody)
    assert [(account_id, row[8:12]) for account_id, row, _digest in kept.updates] == [(102, (None, "", None, False))]
    assert kept.states[0] == AccountState(101, "active", 1, False, False, SIGN_IN, ("E3",))
    # Other people: every link is made again, and Karin is nobody's now.
    other = plan(ROWS, stored, full=True, digests=[11, 12, 13], people=people([], version=(0, None, None)))
    assert [(account_id, row[8:12]) for account_id, row, _digest in other.updates] == [
        (101, (None, "", None, False)),
        (102, (None, "", None, False)),
    ]
    assert other.changed_keys == ["kli01", "jbe"]


def test_a_full_import_marks_missing_accounts_gone_and_a_delta_leaves_them() -> None:
    stored = stored_from(plan(ROWS, full=True), stamp=people().stamp)
    full = plan(ROWS[:1], stored, full=True)
    assert (full.gone, full.gone_keys, full.existing_live) == ([102, 103], ["jbe", "svc-export"], 3)
    assert [(s.id, s.status) for s in full.states] == [(101, "active"), (102, "gone"), (103, "gone")]
    delta = plan(ROWS[:1], stored, full=False)
    assert (delta.gone, delta.links_current) == ([], False)
    assert [(s.id, s.status) for s in delta.states] == [(101, "active"), (102, "active"), (103, "disabled")]


def test_a_decision_is_kept_whatever_the_row_and_the_people_say() -> None:
    decided = {"jbe": {"match_rule": MANUAL, "person_id": 3, "needs_review": False, "confidence": 1.0}}
    stored = stored_from(plan(ROWS, full=True), stamp="people of long ago", **decided)
    again = plan([*ROWS[:1], record("jbe", "johan.berg@example.org", "Johan Berg"), ROWS[2]], stored, full=True)
    assert [(account_id, row[2], row[8:12]) for account_id, row, _digest in again.updates] == [
        (102, "johan.berg@example.org", (3, "manual", 1.0, False))  # the address changed, the link did not
    ]
    assert (again.reviews, again.links_made) == (0, 0)


def test_recognised_rows_are_checked_against_their_stored_account() -> None:
    stored = stored_from(plan(ROWS, full=True, digests=[11, 12, 13]), stamp=people().stamp)
    recognised = plan([], stored, full=True, unchanged=[("kli01", 11), ("jbe", 12), ("svc-export", 13)])
    assert (recognised.unchanged, recognised.reviews, recognised.present_ids) == (3, 1, [101, 102, 103])
    assert recognised.states[2] == AccountState(103, "disabled", None, False, False, SIGN_IN, ())
    with pytest.raises(UnchangedRowsStale, match="jbe"):  # the stored account was written from another row
        plan([], stored, full=True, unchanged=[("kli01", 11), ("jbe", 99)])
    with pytest.raises(UnchangedRowsStale, match="nyy"):
        plan([], stored, full=True, unchanged=[("nyy", 14)])


def test_identity_columns_are_wanted_for_rows_read_in_full_and_accounts_that_go() -> None:
    stored = stored_from(plan(ROWS, full=True, digests=[11, 12, 13]), stamp=people().stamp)
    assert identities_wanted(stored[0], [ROWS[0]], [("jbe", 12)]) == [101, 103]
    gone = {"svc-export": {"status": "gone"}}
    stored = stored_from(plan(ROWS, full=True, digests=[11, 12, 13]), stamp=people().stamp, **gone)
    assert identities_wanted(stored[0], [], [("kli01", 11)]) == [102]


def test_a_stored_digest_vouches_for_its_row_only_while_the_row_would_leave_the_account_as_it_is() -> None:
    changes = {"jbe": {"match_rule": MANUAL}, "svc-export": {"status": "gone"}}
    stored, _identities = stored_from(plan(ROWS, full=True, digests=[11, 12, 13]), stamp="s", **changes)
    assert known_digests(stored, keep_links=True) == {11: "kli01", 12: "jbe"}
    assert known_digests(stored, keep_links=False) == {12: "jbe"}  # other people: only the decision stands
    assert kept_as_stored(stored.rows["svc-export"], True) is False


def test_the_breaker_trips_when_more_than_the_share_and_at_least_the_minimum_would_go() -> None:
    def verdict(live: int, gone: int) -> bool:
        return AccountPlan(existing_live=live, gone=list(range(gone))).trips_breaker(percent=10, minimum=10)

    assert [verdict(100, 10), verdict(100, 11), verdict(50, 9), verdict(0, 0)] == [False, True, False, False]


def test_the_rules_are_the_stored_ones() -> None:
    from ordna.accounts.models import MatchRule

    assert MANUAL == MatchRule.MANUAL
    assert {MatchRule.EMPLOYEE_ID, MatchRule.EMAIL, MatchRule.USERNAME} == IDENTIFIER_RULES


def test_planning_needs_no_django() -> None:
    """The plan and everything it imports are plain Python: testable, and fast, without the ORM."""
    source = Path(__file__).resolve().parents[2]  # src/ordna
    todo, seen, foreign = ["ordna.accounts.planning"], set(), set()
    while todo:
        module = todo.pop()
        seen.add(module)
        parts = module.split(".")[1:]
        path = source.joinpath(*parts).with_suffix(".py") if parts else source / "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            for name in names:
                if name.partition(".")[0] != "ordna":
                    foreign.add(name.partition(".")[0])
                elif name not in seen:
                    todo.append(name)
    assert sorted(seen) == [
        "ordna.accounts.correlation",
        "ordna.accounts.findings",
        "ordna.accounts.planning",
        "ordna.accounts.presets",
        "ordna.core.tabular",
        "ordna.core.text",  # messages translated when shown, without importing Django
    ]
    assert sorted(foreign - sys.stdlib_module_names) == ["openpyxl"]  # spreadsheets, read by core.tabular
