"""A busy database: writes that need not wait, the lock wait of a request, and knowing a lock timeout when one
comes. SQLite has one write lock, held by a long import for its whole write phase; PostgreSQL has row locks,
of which the audit chain's head is the one every audited write takes.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.dispatch import receiver

# PostgreSQL's "lock_not_available": a lock_timeout (or NOWAIT) ran out.
LOCK_NOT_AVAILABLE = "55P03"
# The lock wait of the request being served in this thread, if any (the web and the API only).
_request_lock_wait: ContextVar[int | None] = ContextVar("ordna_request_lock_wait", default=None)


def is_lock_timeout(exc: BaseException) -> bool:
    """Whether `exc` says another transaction held a lock longer than we would wait."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) == LOCK_NOT_AVAILABLE:
        return True
    return "database is locked" in str(exc)


def write_if_free(write: Callable[[], Any]) -> bool:
    """Run a small write that may be skipped rather than wait: at once, or not at all while another
    transaction holds SQLite's write lock. Returns whether it was written.

    For bookkeeping on the request path (a token's last use) that must never hold up a read. On PostgreSQL
    such a write takes only its own row's lock, which nothing holds for long, so it simply runs.
    """
    if connection.vendor != "sqlite":
        write()
        return True
    connection.ensure_connection()
    raw: Any = connection.connection
    (previous,) = raw.execute("PRAGMA busy_timeout").fetchone()
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        write()
    except OperationalError as exc:
        if not is_lock_timeout(exc):
            raise
        return False
    finally:
        raw.execute(f"PRAGMA busy_timeout = {int(previous)}")
    return True


def lock_wait_apply(wrapper: BaseDatabaseWrapper, seconds: int) -> None:
    """Make the open connection `wrapper` wait at most `seconds` for a lock (PostgreSQL's lock_timeout; SQLite's
    busy timeout is ORDNA_DB_LOCK_TIMEOUT_SECONDS from the start). Set once per connection, not per request."""
    raw: Any = wrapper.connection
    if wrapper.vendor != "postgresql" or raw is None:
        return
    if getattr(wrapper, "_ordna_lock_wait", None) == (id(raw), seconds):
        return
    raw.execute(f"SET lock_timeout = '{int(seconds)}s'")
    wrapper._ordna_lock_wait = (id(raw), seconds)  # type: ignore[attr-defined]


@receiver(connection_created)
def _lock_wait_on_connect(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    """A connection opened while a request is served waits as long as a request may."""
    seconds = _request_lock_wait.get()
    if seconds is not None:
        lock_wait_apply(connection, seconds)


class RequestLockWait:
    """Context of one request: connections used for it wait at most ORDNA_DB_LOCK_TIMEOUT_SECONDS for a lock.

    Commands and the worker are left to wait as long as it takes on PostgreSQL (an import queues behind
    another import's audit events); a person or an API client gets a 503 instead (ordna.core.middleware).
    """

    def __init__(self) -> None:
        self.seconds = int(settings.ORDNA_DB_LOCK_TIMEOUT_SECONDS)

    def __enter__(self) -> RequestLockWait:
        self._token = _request_lock_wait.set(self.seconds)
        lock_wait_apply(connection, self.seconds)
        return self

    def __exit__(self, *exc_info: object) -> None:
        _request_lock_wait.reset(self._token)
