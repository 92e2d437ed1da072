"""The daily job of the people app: a person's last day behind them ends their sign-in (docs/sign-in.md)."""

from __future__ import annotations

from huey.contrib.djhuey import db_periodic_task

from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.schedules import crontab_local
from ordna.people.services import leavers_sign_in_end


@db_periodic_task(crontab_local(hour="0", minute="15"))
def leavers_sign_in_end_daily() -> list[str]:
    """Just after midnight (ORDNA_TIME_ZONE): whoever's last day was yesterday can no longer sign in."""
    return leavers_sign_in_end(today=today(), actor=Actor.system("daily"))
