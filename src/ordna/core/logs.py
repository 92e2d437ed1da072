"""One clock in the server log: every process (`ordna serve`'s waitress, the worker's huey consumer, commands)
stamps its lines in the organisation's time zone with the offset shown, through the LOGGING of settings.py."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo


class ZonedFormatter(logging.Formatter):
    """`%(asctime)s` as `2026-11-16 09:00:00.123+01:00` in `zone`, whatever the process's own TZ is."""

    def __init__(self, fmt: str | None = None, *, zone: str) -> None:
        super().__init__(fmt)
        self.zone = ZoneInfo(zone)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        moment = datetime.fromtimestamp(record.created, self.zone)
        return moment.strftime(datefmt) if datefmt else moment.isoformat(sep=" ", timespec="milliseconds")


class HueyTimesInZone(logging.Filter):
    """huey keeps its own clock in UTC (its `utc` option) and logs it naive ("consumer started ... at 04:17");
    shown in `zone` with the offset, so a worker's lines read the same clock as the web server's."""

    def __init__(self, *, zone: str) -> None:
        super().__init__()
        self.zone = ZoneInfo(zone)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("huey") and isinstance(record.args, tuple):
            record.args = tuple(
                value.replace(tzinfo=UTC).astimezone(self.zone).isoformat(sep=" ", timespec="seconds")
                if isinstance(value, datetime) and value.tzinfo is None
                else value
                for value in record.args
            )
        return True
