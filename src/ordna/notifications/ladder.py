"""Escalation ladders and digest planning (docs/notifications.md). Pure: no ORM, no settings, no mail.

Reminder sources (see `ordna.notifications.sources`) describe each open item as an `OpenItem`: who must close
it (assignees, as recipient keys: addresses), who is their manager or role lead, and when it is due.
`plan_digests` climbs the ladder for every item and groups what each recipient must hear today into one digest:

- before the due date (`remind_before` business days ahead) and on it: the assignees;
- overdue: the assignees every business day until it is done;
- `manager_after` business days late: also the assignee's manager or the role's lead;
- `coordinator_after` business days late: also the IT coordinators;
- once a week (`cio_weekday`): the CIOs get a summary of everything at the coordinator's step.

An item whose assignee cannot be reached (nobody holds the role, or the person has no address) goes to its
leads from its first reminder on, at the manager's step; without leads either, to the IT coordinators once
it is overdue. Nothing is planned on weekends and holidays, nothing for finished items, and an item appears
at most once in a recipient's digest (at the highest step that reaches them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from ordna.core.business_days import add_business_days, business_days_between, is_business_day

# Steps of the ladder, from the least to the most urgent. The digest lists the most urgent first.
BEFORE, DUE, OVERDUE, MANAGER, COORDINATOR, CIO = "before", "due", "overdue", "manager", "coordinator", "cio"
STEPS = (BEFORE, DUE, OVERDUE, MANAGER, COORDINATOR, CIO)
URGENCY = {step: rank for rank, step in enumerate(STEPS)}


class OpenItem(NamedTuple):
    """One thing someone must finish, as a reminder source yields it.

    `key` is unique across sources ("line:12", "question:7"); `url` is a path inside Ordna ("/cases/3/");
    `assignees` are the recipient keys (addresses, from the source's `Directory`) of who must act; `leads`
    those of their manager or role lead (the second rung of the ladder). An item without assignees goes to
    its leads at once, else to the IT coordinators once it is overdue, so nothing is left unreminded because
    nobody could be found. `action` names the signed link (`ordna.core.action_links`) that lets an assignee
    do the item without signing in, on `target` (a line's id); empty when the item needs the app.
    """

    key: str
    source: str
    kind: str
    title: str
    url: str
    due: date
    assignees: tuple[str, ...] = ()
    leads: tuple[str, ...] = ()
    finished: bool = False
    action: str = ""
    target: int = 0


@dataclass(frozen=True)
class Ladder:
    """When each rung is reached, in business days (docs/notifications.md defaults); `cio_weekday` 0 is Monday."""

    remind_before: int = 2
    manager_after: int = 1
    coordinator_after: int = 3
    cio_weekday: int = 0

    def __post_init__(self) -> None:
        if self.remind_before < 0 or self.manager_after < 1 or self.coordinator_after < self.manager_after:
            raise ValueError(
                "ladder: remind_before must be 0 or more, manager_after 1 or more, "
                "and coordinator_after at least manager_after"
            )
        if not 0 <= self.cio_weekday <= 6:
            raise ValueError(f"ladder: cio_weekday must be 0 (Monday) to 6, got {self.cio_weekday}")


class Entry(NamedTuple):
    """One item in one recipient's digest, at the step that reaches them, how late it is, and whether they
    are one of the item's assignees (who may get a signed link to do it) rather than told about it."""

    item: OpenItem
    step: str
    days_late: int
    acts: bool = False


@dataclass
class PlannedDigest:
    recipient: str
    entries: list[Entry] = field(default_factory=list)

    def sorted_entries(self) -> list[Entry]:
        """Most urgent first, then by due date and title."""
        return sorted(self.entries, key=lambda e: (-URGENCY[e.step], e.item.due, e.item.title, e.item.key))

    def steps(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for entry in self.entries:
            counts[entry.step] = counts.get(entry.step, 0) + 1
        return counts


def horizon(today: date, ladder: Ladder, country: str) -> date:
    """The latest due date a run must read: items due after it are not reminded yet."""
    return add_business_days(today, ladder.remind_before, country) if ladder.remind_before else today


def lateness(due: date, today: date, country: str) -> int:
    """Business days past `due` (0 on the due date, negative when still ahead)."""
    if due >= today:
        return -business_days_between(today, due, country)
    return business_days_between(due, today, country)


def rungs(due: date, today: date, ladder: Ladder, country: str) -> tuple[str, ...]:
    """The steps an item due on `due` stands on today: first the assignee's, then the escalations."""
    late = lateness(due, today, country)
    if late < -ladder.remind_before:
        return ()
    if late < 0:
        return (BEFORE,)
    if late == 0:
        return (DUE,)
    steps = [OVERDUE]
    if late >= ladder.manager_after:
        steps.append(MANAGER)
    if late >= ladder.coordinator_after:
        steps.append(COORDINATOR)
    return tuple(steps)


def plan_digests(
    items: Iterable[OpenItem],
    *,
    today: date,
    country: str,
    ladder: Ladder,
    coordinators: Iterable[str],
    cios: Iterable[str] = (),
) -> dict[str, PlannedDigest]:
    """Today's digests by recipient key. Empty on weekends and holidays.

    The ladder is evaluated once per distinct due date (a run over 100,000 lines has a few hundred), so
    planning is linear in the items with a small constant.
    """
    if not is_business_day(today, country):
        return {}
    coordinators = tuple(sorted(set(coordinators)))
    cios = tuple(sorted(set(cios)))
    cio_day = today.weekday() == ladder.cio_weekday
    cache: dict[date, tuple[tuple[str, ...], int]] = {}
    # recipient -> item key -> entry. An item's steps come in rising urgency, so a later step simply replaces
    # an earlier one for a recipient reached twice (an assignee who is also a coordinator).
    chosen: dict[str, dict[str, Entry]] = defaultdict(dict)
    for item in items:
        if item.finished:
            continue
        known = cache.get(item.due)
        if known is None:
            late = lateness(item.due, today, country)
            known = cache[item.due] = (rungs(item.due, today, ladder, country), max(late, 0))
        steps, days_late = known
        if not steps:
            continue
        if not item.assignees and item.leads and MANAGER not in steps:
            steps = (*steps, MANAGER)  # nobody to remind: the lead stands in from the first reminder
        for step in steps:
            acts = False
            if step == MANAGER:
                targets = item.leads
            elif step == COORDINATOR:
                targets = coordinators
            elif item.assignees:
                targets, acts = item.assignees, True
            else:
                targets = coordinators if step == OVERDUE and not item.leads else ()
            entry = Entry(item, step, days_late, acts)  # shared by every recipient it reaches
            for recipient in targets:
                mine = chosen[recipient]
                known_entry = mine.get(item.key)
                # An assignee reached again at a higher step (a coordinator who must also act) still acts.
                mine[item.key] = (
                    Entry(item, step, days_late, True)
                    if known_entry is not None and known_entry.acts and not acts
                    else entry
                )
        if cio_day and COORDINATOR in steps and cios:
            entry = Entry(item, CIO, days_late)
            for recipient in cios:
                chosen[recipient][item.key] = entry
    return {
        recipient: PlannedDigest(recipient, list(entries.values())) for recipient, entries in chosen.items() if entries
    }


def unreached(items: Iterable[OpenItem], *, coordinators: Iterable[str], addressed: Collection[str]) -> list[OpenItem]:
    """The open items no rung of the ladder will ever reach: no assignee, no lead and no IT coordinator that
    has an address (`addressed`: the recipient keys a mail can go to). `plan_digests` sends such an item to
    nobody, on any day."""
    if any(key in addressed for key in coordinators):
        return []
    return [
        item
        for item in items
        if not item.finished
        and not any(key in addressed for key in item.assignees)
        and not any(key in addressed for key in item.leads)
    ]
