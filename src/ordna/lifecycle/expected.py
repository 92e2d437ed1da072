"""Expected versus actual access (issue 11). Pure: no ORM.

What a person should have is the birthright of the joiner template that applies to them (the most specific
one, as for every template). What they have is their active accounts. An active account in an application
their template does not give, and that nobody approved, is excess access.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple


@dataclass(frozen=True)
class Entitlement:
    """One template's birthright: licences per application id (an empty set: the account, no licence) and
    device kinds."""

    template_id: int
    applications: Mapping[int, frozenset[str]] = field(default_factory=dict)
    devices: frozenset[str] = frozenset()


class HeldAccount(NamedTuple):
    account_id: int
    person_id: int
    end_date: date | None


class Difference(NamedTuple):
    """What changes between two entitlements (a mover's old and new template)."""

    apps_removed: frozenset[int]
    apps_added: frozenset[int]
    licences_removed: dict[int, frozenset[str]]
    licences_added: dict[int, frozenset[str]]
    devices_added: frozenset[str]


NOTHING = Entitlement(template_id=0)


def difference(old: Entitlement | None, new: Entitlement | None) -> Difference:
    """What a move from `old` to `new` removes and adds: applications only the old template gave go, those only
    the new one gives come; for applications in both, licences are compared the same way."""
    before, after = old or NOTHING, new or NOTHING
    shared = before.applications.keys() & after.applications.keys()
    return Difference(
        apps_removed=frozenset(before.applications.keys() - after.applications.keys()),
        apps_added=frozenset(after.applications.keys() - before.applications.keys()),
        licences_removed={
            a: frozenset(before.applications[a] - after.applications[a])
            for a in shared
            if before.applications[a] - after.applications[a]
        },
        licences_added={
            a: frozenset(after.applications[a] - before.applications[a])
            for a in shared
            if after.applications[a] - before.applications[a]
        },
        devices_added=frozenset(after.devices - before.devices),
    )


def excess_accounts(
    *,
    application_id: int,
    accounts: Iterable[HeldAccount],
    entitlement_of: Mapping[int, Entitlement | None],
    approved: set[int],
    today: date,
) -> list[HeldAccount]:
    """The active accounts in `application_id` that no template gives their person.

    People without any applicable template are not judged (nothing says what they should have), nor people
    who left (their accounts are `leaver_active` findings), nor accounts in `approved` (a waived removal).
    """
    excess = []
    for held in accounts:
        if held.account_id in approved or (held.end_date is not None and held.end_date < today):
            continue
        entitlement = entitlement_of.get(held.person_id)
        if entitlement is None:
            continue
        if application_id not in entitlement.applications:
            excess.append(held)
    return excess
