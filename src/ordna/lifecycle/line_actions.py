"""Actions that apps above the lifecycle offer on a case's lines, shown on the case page without the lifecycle
knowing them (the connectors app offers "Disable through the connector", for example).

An app registers a `LineAction` under a name in its `AppConfig.ready`. `offered_on` receives the user and all
the lines the page shows, and answers with the ids of the lines the action applies to for that user: a
query or two for all of them, never one per line. `template` renders the action's control; it sees `line`
and `case` like the rest of the row.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ordna.core.models import User
    from ordna.lifecycle.models import Line


@dataclass(frozen=True)
class LineAction:
    template: str
    offered_on: Callable[[User, Sequence[Line]], Collection[int]]


_ACTIONS: dict[str, LineAction] = {}


def line_action_register(name: str, action: LineAction) -> None:
    """Offer `action` on the case page; registering a name again replaces the action."""
    _ACTIONS[name] = action


def registered_line_actions() -> dict[str, LineAction]:
    return dict(sorted(_ACTIONS.items()))


def line_actions_offered(user: User, lines: Sequence[Line]) -> dict[int, list[str]]:
    """The templates of the actions offered on each line, by line id, in the order of the actions' names."""
    offered: dict[int, list[str]] = {}
    for action in registered_line_actions().values():
        for line_id in action.offered_on(user, lines):
            offered.setdefault(line_id, []).append(action.template)
    return offered
