"""One clock in the server log: the web server's and the worker's lines carry the organisation's time with its
offset, through the one LOGGING of settings.py."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from ordna.core.logs import HueyTimesInZone, ZonedFormatter

# 2026-11-16 08:00:00 UTC is 09:00 in Stockholm (CET, +01:00) and 03:00 in New York.
MOMENT = datetime(2026, 11, 16, 8, 0, tzinfo=UTC).timestamp()


def record(name: str, message: str, *args: object) -> logging.LogRecord:
    made = logging.LogRecord(name, logging.INFO, __file__, 1, message, args, None)
    made.created = MOMENT
    return made


def handler_of(logger: str) -> logging.Handler:
    """The handler a logger's records end up in, as settings.LOGGING configured it."""
    found = logging.getLogger(logger)
    while not found.handlers and found.parent is not None:
        found = found.parent
    return found.handlers[0]


def test_the_formatter_stamps_lines_in_the_zone_with_the_offset() -> None:
    formatter = ZonedFormatter("%(asctime)s %(name)s %(message)s", zone="Europe/Stockholm")
    assert formatter.format(record("waitress", "Serving")) == "2026-11-16 09:00:00.000+01:00 waitress Serving"
    other = ZonedFormatter("%(asctime)s", zone="America/New_York")
    assert other.format(record("waitress", "x")) == "2026-11-16 03:00:00.000-05:00"


def test_hueys_naive_utc_times_are_shown_in_the_zone() -> None:
    line = record(
        "huey.consumer", "Huey consumer started with %s %s, PID %s at %s", 2, "thread", 7, datetime(2026, 11, 16, 8, 0)
    )
    HueyTimesInZone(zone="Europe/Stockholm").filter(line)
    assert line.getMessage() == "Huey consumer started with 2 thread, PID 7 at 2026-11-16 09:00:00+01:00"
    ours = record("ordna.connectors", "at %s", datetime(2026, 11, 16, 8, 0))
    HueyTimesInZone(zone="Europe/Stockholm").filter(ours)
    assert ours.getMessage() == "at 2026-11-16 08:00:00"  # not huey's: left alone


def test_the_web_server_and_the_worker_log_through_the_same_zoned_handler() -> None:
    waitress, huey = handler_of("waitress"), handler_of("huey.consumer")
    assert waitress is huey
    assert isinstance(huey.formatter, ZonedFormatter)
    line = record("huey.consumer", "at %s", datetime(2026, 11, 16, 8, 0))
    assert huey.filter(line)
    assert huey.format(line) == "2026-11-16 09:00:00.000+01:00 INFO huey.consumer at 2026-11-16 09:00:00+01:00"
    assert huey.format(record("waitress", "Serving on http://127.0.0.1:8000")).startswith(
        "2026-11-16 09:00:00.000+01:00 INFO waitress "
    )
