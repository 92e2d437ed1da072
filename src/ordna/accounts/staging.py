"""A large import's new accounts, written in bounded steps before it applies (issue 26, item 3).

Inserting a million accounts into accounts_account takes SQLite's write lock (PostgreSQL: the rows' index
pages) for as long as the whole write step; every other write waits for it. So an import with at least
STAGE_FROM_ROWS new accounts first writes them, STAGE_BATCH_ROWS at a time, each batch in its own short
transaction, into accounts_stagedaccount: a table no reader of accounts looks at. Its one applying
transaction (ordna.accounts.applying) then copies them into accounts with one INSERT ... SELECT, which costs
the database's own work only (no values cross from Python), and the staged rows are deleted afterwards, in
batches again. The findings the new accounts imply (a first import of a million accounts opens about a
quarter of a million) are staged with them, by the account's key, and copied the same way, joined to the
copied accounts by (application, key). All or nothing is kept: until the applying transaction commits,
nobody sees any of them, and an import killed while staging leaves only rows in the staging tables, which
the next staged import sweeps (its process is gone, or its stage is older than a day).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from ordna.accounts.findings import FindingSpec
from ordna.accounts.models import AccountStage, StagedAccount, StagedFinding
from ordna.accounts.planning import STORED, AccountPlan
from ordna.core.bulk import insert_rows

STAGE_FROM_ROWS = 20_000  # fewer new accounts are inserted in the applying transaction itself (about 0.2 s)
STAGE_BATCH_ROWS = 20_000  # rows per staging transaction: a write waits for at most one such step
STALE_AFTER = timedelta(days=1)  # a stage this old is from an import that died (or another machine's)

COLUMNS = ("key", *STORED, "source_digest")
FINDING_COLUMNS = ("key", "kind", "license", "person_id", "monthly_cost", "currency")
_PERSON = 1 + STORED.index("person_id")  # an insert row is (key, *STORED, digest)


def in_insert_order(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The plan's inserts in order of person, then key: the person index (a million entries across every
    application) is then walked once from start to end instead of at random, which saves about a sixth of
    the INSERT; the (application, key) entries of one import are few and close together either way."""
    return sorted(rows, key=lambda row: (row[_PERSON] or 0, row[0]))


PREPARED = ("last_login", "licenses")  # in the stored form the plan compared them in


def new_account_findings(plan: AccountPlan) -> list[tuple[Any, ...]]:
    """The findings the plan's new accounts imply (their specs name them by id < 0, the -(i + 1) of the i-th
    insert), as FINDING_COLUMNS rows naming the account by its key."""
    return [
        (plan.inserts[-spec.account_id - 1][0], spec.kind, spec.license, *spec[3:])
        for spec in plan.finding_specs
        if spec.account_id is not None and spec.account_id < 0
    ]


def of_existing_accounts(specs: Sequence[FindingSpec]) -> list[FindingSpec]:
    """The specs that are not a new account's: what applying a staged plan still compares with the live ones."""
    return [spec for spec in specs if spec.account_id is None or spec.account_id > 0]


def stage_inserts(
    application_slug: str, rows: Sequence[tuple[Any, ...]], findings: Sequence[tuple[Any, ...]] = ()
) -> int:
    """Write `rows` (the plan's inserts, in the order they are to get their ids: (key, *STORED, digest)) and
    `findings` (new_account_findings) into a new stage in bounded transactions; returns the stage's id."""
    sweep()
    with transaction.atomic():
        stage = AccountStage.objects.create(
            application_slug=application_slug, started_at=timezone.now(), host=socket.gethostname(), pid=os.getpid()
        )
    for start in range(0, len(rows), STAGE_BATCH_ROWS):
        batch = rows[start : start + STAGE_BATCH_ROWS]
        with transaction.atomic():
            insert_rows(
                StagedAccount,
                ("stage_id", "position", *COLUMNS),
                [(stage.pk, start + i, *row) for i, row in enumerate(batch)],
                prepared=PREPARED,
            )
    for start in range(0, len(findings), STAGE_BATCH_ROWS):
        with transaction.atomic():
            insert_rows(
                StagedFinding,
                ("stage_id", *FINDING_COLUMNS),
                [(stage.pk, *row) for row in findings[start : start + STAGE_BATCH_ROWS]],
            )
    return int(stage.pk)


def insert_staged(stage_id: int, application_id: int, now: Any) -> int:
    """In the applying transaction: the stage's rows into accounts_account, in their order, as new accounts of
    `application_id` first and last seen `now` (database form); returns how many."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in COLUMNS)
    target = ", ".join(quote(name) for name in ("application_id", *COLUMNS, "non_personal", "first_seen", "last_seen"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO accounts_account ({target}) "  # noqa: S608 - names from the models
            f"SELECT %s, {columns}, %s, %s, %s FROM accounts_stagedaccount WHERE stage_id = %s ORDER BY position",
            [application_id, False, now, now, stage_id],
        )
        return int(cursor.rowcount)


def insert_staged_findings(stage_id: int, application_id: int, today: Any) -> int:
    """In the applying transaction, after insert_staged: the stage's findings into findings, open since `today`
    (database form), each given its new account by (application, key) and in account order, so that the
    (account, kind, licence) index grows at its end; returns how many.

    The account is looked up per finding through the unique (application, key) index, not joined: the accounts
    were inserted in this very transaction, so PostgreSQL's statistics still count none for the application, and
    with a join it chose to scan the staged findings once per account (50,000 x 10,000 rows: minutes)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_finding (kind, application_id, account_id, license, person_id, monthly_cost, "
            "currency, state, since, accepted_by, accepted_reason) "
            "SELECT kind, %s, account_id, license, person_id, monthly_cost, currency, 'open', %s, '', '' FROM ("
            "SELECT f.kind, f.license, f.person_id, f.monthly_cost, f.currency, (SELECT a.id FROM accounts_account a "
            "WHERE a.application_id = %s AND a.key = f.key) AS account_id FROM accounts_stagedfinding f "
            "WHERE f.stage_id = %s) staged ORDER BY account_id, kind, license",
            [application_id, today, application_id, stage_id],
        )
        return int(cursor.rowcount)


def drop_stage(stage_id: int) -> None:
    """Delete a stage's rows and findings, STAGE_BATCH_ROWS per transaction, then the stage."""
    for table in ("accounts_stagedaccount", "accounts_stagedfinding"):
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {table} WHERE id IN "  # noqa: S608 - one of two table names
                    f"(SELECT id FROM {table} WHERE stage_id = %s LIMIT %s)",
                    [stage_id, STAGE_BATCH_ROWS],
                )
                if cursor.rowcount < STAGE_BATCH_ROWS:
                    break
    with transaction.atomic():
        AccountStage.objects.filter(pk=stage_id).delete()


def sweep() -> list[int]:
    """Drop the stages of imports that died: their process on this machine is gone, or they are older than
    STALE_AFTER. Returns their ids."""
    host, old = socket.gethostname(), timezone.now() - STALE_AFTER
    dead = [
        stage.pk
        for stage in AccountStage.objects.all()
        if stage.started_at < old or (stage.host == host and not _alive(stage.pid))
    ]
    for stage_id in dead:
        drop_stage(stage_id)
    return dead


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
