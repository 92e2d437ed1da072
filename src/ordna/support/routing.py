"""Who gets a new question (docs/key-users.md): plain functions over the application's appointments, no ORM.

The primary key user gets it while appointed and present. When the primary is away (or there is none),
the application's other key users and deputies share questions round robin: the next one after whoever
got the last round-robin question of the application, in a stable order, so the load spreads evenly and
the choice is reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

ROUTED_ROLES = frozenset({"key_user", "deputy"})


@dataclass(frozen=True)
class Appointee:
    """One appointment as routing sees it."""

    person_id: int
    role: str
    primary: bool
    starts_on: date
    ends_on: date | None
    away_from: date | None = None
    away_until: date | None = None

    def available_on(self, day: date) -> bool:
        appointed = self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)
        away = self.away_from is not None and self.away_until is not None and self.away_from <= day <= self.away_until
        return appointed and not away


@dataclass(frozen=True)
class Route:
    """The chosen key user (None: nobody available) and how they were chosen."""

    person_id: int | None
    via: str  # "primary", "round_robin" or "nobody"


def route_question(appointees: Sequence[Appointee], *, today: date, last_round_robin: int | None) -> Route:
    """Choose the key user for a new question asked `today`.

    `last_round_robin` is the person who got the application's previous round-robin question, if any.
    """
    present = [a for a in appointees if a.role in ROUTED_ROLES and a.available_on(today)]
    primary = next((a for a in present if a.primary), None)
    if primary is not None:
        return Route(primary.person_id, "primary")
    # A person may hold two appointments (key user and deputy); they take one turn.
    rotation = sorted({a.person_id for a in present})
    if not rotation:
        return Route(None, "nobody")
    if last_round_robin is None:
        return Route(rotation[0], "round_robin")
    following = [p for p in rotation if p > last_round_robin]
    return Route(following[0] if following else rotation[0], "round_robin")


def has_active_key_user(appointees: Sequence[Appointee], *, today: date) -> bool:
    """Whether anyone is appointed to answer questions today (absence does not count against it)."""
    return any(
        a.role in ROUTED_ROLES and a.starts_on <= today and (a.ends_on is None or a.ends_on >= today)
        for a in appointees
    )
