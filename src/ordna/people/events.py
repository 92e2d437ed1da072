"""What the people app announces to the apps above it (ordna.core.events; docs/architecture.md)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date

from ordna.core.actor import Actor
from ordna.core.events import Event


@dataclass(frozen=True)
class PeopleChanged:
    """An HR import was applied: the people are as the file left them.

    `newly_ended` are the employee ids the import gave an end date; `moved` maps the employee id of each
    person whose department or employment type changed to what they were before (department, employment
    type); `companies_before` maps the employee id of each person who moved to another company of the group
    (issue 19) to the id of the company they left (they are in `moved` too).
    """

    actor: Actor
    today: date
    newly_ended: Collection[str] = frozenset()
    moved: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    companies_before: Mapping[str, int] = field(default_factory=dict)


# Each handler answers with counts to report with the import ("opened": 2, ...); the import sums them.
people_changed: Event[PeopleChanged, Mapping[str, int]] = Event("people.changed")
