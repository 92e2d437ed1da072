"""A data version: one token that changes after every committed write, and counts cached against it.

Why: a list page at a million accounts must not COUNT (or GROUP BY) the whole table on every request, yet the
number of pages must be true the moment an import or a decision changes it. So every connection watches its
own statements (a Django execute wrapper): a transaction that INSERTs, UPDATEs or DELETEs any table except the
sessions' and this one's (nor the bookkeeping of a token's last use or a user's last sign-in) gets, once, a
commit callback that writes a fresh random token into `DataVersion`.
A count is then cached (Django's cache) under (token, SQL, parameters) and reused until the next commit of
any write. The token is random, not a counter, so a rolled-back transaction (a test's) never meets a cached
value of other data that happened to reach the same number. Inside a transaction that has written and not
yet committed, nothing is cached or reused: the data it sees is its own.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.signals import request_finished
from django.db import DatabaseError, connection, transaction
from django.db.backends.signals import connection_created
from django.db.models import QuerySet

T = TypeVar("T")

TABLE = "core_dataversion"
# Writes that do not change what any list counts: signing in keeps a session, and this table itself.
IGNORED_TABLES = frozenset({TABLE, "django_session"})
# Writes of when something was last used, which no list counts or figure shows: an API token's last use (written
# at most once a minute per token) and a user's last sign-in. One column set, nothing else: a token revoked or a
# user changed in any other way is a write like any other.
_BOOKKEEPING = re.compile(
    r'^\s*UPDATE\s+"?(?:core_apitoken"?\s+SET\s+"?last_used_at|core_user"?\s+SET\s+"?last_login)"?\s*=\s*%s\s+WHERE\s',
    re.I,
)
_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+"?([A-Za-z0-9_]+)"?', re.I)
CACHE_SECONDS = 3600


def _bump() -> None:
    """Write a fresh token (after the commit of a write, in its own statement)."""
    token = secrets.token_hex(16)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {TABLE} SET token = %s WHERE id = 1", [token])  # noqa: S608 - constant name
            if cursor.rowcount == 0:  # emptied (a test's flush): the next write's token starts it again
                cursor.execute(f"INSERT INTO {TABLE} (id, token) VALUES (1, %s)", [token])  # noqa: S608
    except DatabaseError:
        # No table yet (the migrations that create it are still running), or another writer inserted the
        # row at the same moment (theirs is as fresh).
        pass


def _pending() -> bool:
    """Whether the current transaction has written and not yet committed."""
    return any(entry[1] is _bump for entry in connection.run_on_commit)


def _watch(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    db = context["connection"]
    if getattr(db, "ordna_written", False) and not db.in_atomic_block:
        db.ordna_written = False
        _bump()
    result = execute(sql, params, many, context)
    found = _WRITE.match(sql) if isinstance(sql, str) and not _BOOKKEEPING.match(sql) else None
    if found and found.group(1).lower() not in IGNORED_TABLES:
        if not db.in_atomic_block:
            # Committed by itself, but not yet finished: an INSERT ... RETURNING still has its row to hand
            # back, and a statement run now would share (or undo) its transaction. The token changes before
            # the connection's next statement, at the end of the request, or when a token is read.
            db.ordna_written = True
        elif not _pending():
            transaction.on_commit(_bump)
    return result


def _bump_written(**kwargs: Any) -> None:
    if getattr(connection, "ordna_written", False) and not connection.in_atomic_block:
        connection.ordna_written = False  # type: ignore[attr-defined]
        _bump()


def _install(sender: Any, connection: Any, **kwargs: Any) -> None:
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


def watch_writes() -> None:
    """Watch every database connection's writes from now on (CoreConfig.ready)."""
    connection_created.connect(_install, dispatch_uid="ordna.core.data_version")
    request_finished.connect(_bump_written, dispatch_uid="ordna.core.data_version")


def current_token() -> str | None:
    """The token of the committed data, or None inside a transaction that has written (nothing reusable)."""
    if _pending():
        return None
    _bump_written()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {TABLE} WHERE id = 1")  # noqa: S608 - constant name
        row = cursor.fetchone()
    return str(row[0]) if row else None


def cached(parts: tuple[Any, ...], compute: Callable[[], T], *, token: str | None = None) -> T:
    """`compute()`, reused while the data version is unchanged; `parts` name what is computed."""
    token = current_token() if token is None else token
    if token is None:
        return compute()
    key = "ordna:dv:" + hashlib.blake2b(repr((token, *parts)).encode(), digest_size=16).hexdigest()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=CACHE_SECONDS)
    return value


def cached_count(queryset: QuerySet[Any], *, token: str | None = None) -> int:
    """`queryset.count()`, counted once per data version."""
    query = queryset.query.chain()
    query.clear_ordering(force=True)
    try:
        sql, params = query.sql_with_params()
    except EmptyResultSet:
        return 0
    return cached(("count", queryset.db, sql, params), queryset.count, token=token)


def cached_rows(queryset: QuerySet[Any]) -> list[Any]:
    """The rows of `queryset` (a GROUP BY's, say: a few rows over a large table), read once per data version."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return []
    return cached(("rows", queryset.db, sql, params), lambda: list(queryset))


def cached_over(queryset: QuerySet[Any], label: str, compute: Callable[[], T]) -> T:
    """`compute()`, a figure over `queryset` named `label`, worked out once per data version."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        sql, params = "", ()
    return cached((label, queryset.db, sql, params), compute)
