"""Who is doing something: a signed-in user, a command-line operator or the system itself."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ordna.core.models import User


@dataclass(frozen=True)
class Actor:
    """The author of a change. `ref` enters the audit hash (no personal data); `label` is for people."""

    ref: str
    label: str
    user: User | None = None
    # A signed action link's (purpose, target id): the one thing this actor may do (core/action_links.py).
    link: tuple[str, int] | None = None

    @classmethod
    def for_user(cls, user: User) -> Actor:
        return cls(ref=f"user:{user.pk}", label=user.get_username(), user=user)

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls(ref=f"system:{name}", label=f"Ordna ({name})")

    @classmethod
    def command_line(cls) -> Actor:
        try:
            operator = getpass.getuser()
        except (KeyError, OSError):
            operator = "unknown"
        return cls(ref="cli", label=f"command line ({operator})")
