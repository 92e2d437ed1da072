"""Whether the installation is ready to work (`/readyz`): the database answers, and a worker has beaten its
heart lately (docs/operations.md).

The worker writes the time into huey's own key-value store every minute (a scheduled job, so the beat proves
that the schedule runs and a worker takes its jobs); the web reads it there. With Redis, several workers on
several machines share that store, and one beat from any of them is enough.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import Error as DatabaseError
from huey.contrib.djhuey import HUEY

KEY = "ordna:worker-heartbeat"
# The beat comes every minute: three missed beats in a row are a worker that is not running.
WORKER_SILENT_AFTER = timedelta(minutes=3)


@dataclass(frozen=True)
class Readiness:
    database: str  # "ok", or what went wrong
    worker: str  # "ok", "immediate" (no worker: jobs run in the calling process), or what is wrong

    @property
    def ready(self) -> bool:
        return self.database == "ok" and self.worker in {"ok", "immediate"}


def heartbeat_beat(*, now: datetime) -> None:
    HUEY.put(KEY, now.isoformat())


def heartbeat_last() -> datetime | None:
    value = HUEY.get(KEY, peek=True)
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def readiness(*, now: datetime) -> Readiness:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = "ok"
    except DatabaseError as exc:
        database = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if settings.HUEY.get("immediate"):
        return Readiness(database=database, worker="immediate")
    try:
        last = heartbeat_last()
    except Exception as exc:
        return Readiness(database=database, worker=f"the job store cannot be read: {exc}")
    if last is None:
        return Readiness(database=database, worker="no worker has run yet (start `ordna worker`)")
    if now - last > WORKER_SILENT_AFTER:
        minutes = int((now - last).total_seconds() // 60)
        return Readiness(database=database, worker=f"no heartbeat for {minutes} minutes (is `ordna worker` running?)")
    return Readiness(database=database, worker="ok")
