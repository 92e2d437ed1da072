"""When the worker's scheduled jobs run: their crontab times are read on the organisation's clock
(``ORDNA_TIME_ZONE``), so "05:30" is 05:30 in Stockholm in winter and in summer alike.

huey keeps its own clock in UTC (``utc=True`` in settings.py: task ETAs and its log stay unambiguous across a
change of daylight saving time) and asks each periodic task whether it is due at a UTC minute; `crontab_local`
turns that minute into the organisation's local time before huey's own crontab answers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from huey import crontab


def crontab_local(
    *, month: str = "*", day: str = "*", day_of_week: str = "*", hour: str = "*", minute: str = "*"
) -> Callable[[datetime], bool]:
    """huey's `crontab`, with the times in ORDNA_TIME_ZONE instead of huey's UTC clock."""
    due_at = crontab(month=month, day=day, day_of_week=day_of_week, hour=hour, minute=minute)

    def due(moment: datetime) -> bool:
        # huey hands a naive datetime on its UTC clock; an aware one (a test's) is taken as it is.
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        local = aware.astimezone(ZoneInfo(settings.TIME_ZONE)).replace(tzinfo=None)
        return bool(due_at(local))

    return due
