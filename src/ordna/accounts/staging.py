"""A large import's new accounts, written in bounded steps before it applies (issue 26, item 3).

Inserting a million accounts into accounts_account takes SQLite's write lock (PostgreSQL: the rows' index
pages) for as long as the whole write step; every other write waits for it. So an import with at least
STAGE_FROM_ROWS new accounts first writes them, STAGE_BATCH_ROWS at a time, each batch in its own short
transaction, into accounts_stagedaccount: a table no reader of accounts looks at. Its one applying
transaction (ordna.accounts.applying) then copies them into accounts with one INSERT ... SELECT, which costs
the database's own work only (no values cross from Python), and the staged rows are deleted afterwards, in
batches again. All or nothing is kept: until the applying transaction commits, nobody sees any of them, and
an import killed while staging leaves only rows in the staging table, which the next staged import sweeps
(its process is gone, or its stage is older than a day).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from ordna.accounts.models import AccountStage, StagedAccount
from ordna.accounts.planning import STORED
from ordna.core.bulk import insert_rows

STAGE_FROM_ROWS = 20_000  # fewer new accounts are inserted in the applying transaction itself (about 0.2 s)
STAGE_BATCH_ROWS = 20_000  # rows per staging transaction: a write waits for at most one such step
STALE_AFTER = timedelta(days=1)  # a stage this old is from an import that died (or another machine's)

COLUMNS = ("key", *STORED, "source_digest")
_PERSON = 1 + STORED.index("person_id")  # an insert row is (key, *STORED, digest)


def in_insert_order(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The plan's inserts in order of person, then key: the person index (a million entries across every
    application) is then walked once from start to end instead of at random, which saves about a sixth of
    the INSERT; the (application, key) entries of one import are few and close together either way."""
    return sorted(rows, key=lambda row: (row[_PERSON] or 0, row[0]))


PREPARED = ("last_login", "licenses")  # in the stored form the plan compared them in


def stage_inserts(application_slug: str, rows: Sequence[tuple[Any, ...]]) -> int:
    """Write `rows` (the plan's inserts, in the order they are to get their ids: (key, *STORED, digest)) into
    a new stage in bounded transactions; returns the stage's id."""
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


def drop_stage(stage_id: int) -> None:
    """Delete a stage's rows, STAGE_BATCH_ROWS per transaction, then the stage."""
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM accounts_stagedaccount WHERE id IN "
                "(SELECT id FROM accounts_stagedaccount WHERE stage_id = %s LIMIT %s)",
                [stage_id, STAGE_BATCH_ROWS],
            )
            if cursor.rowcount < STAGE_BATCH_ROWS:
                AccountStage.objects.filter(pk=stage_id).delete()
                return


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
