"""Which people a user may see (docs/roles.md): the scope behind every people page and endpoint.

The capability table and the role constants are in ordna.core.access; the apps above (devices, lifecycle) build
their scopes on these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from ordna.core.access import MG, ORG_WIDE_READERS, E, in_companies
from ordna.people.models import Person

if TYPE_CHECKING:
    from ordna.core.models import User


def report_ids(manager_id: int) -> set[int]:
    """Everyone below `manager_id` in the reporting line, one query per level (cycles are harmless)."""
    found: set[int] = set()
    frontier = {manager_id}
    while frontier:
        below = set(Person.objects.filter(manager_id__in=frontier).values_list("id", flat=True)) - found
        below.discard(manager_id)
        found |= below
        frontier = below
    return found


def people_scope(user: User) -> QuerySet[Person]:
    """The people `user` may see: all for HR, IT and auditors; reports for managers; oneself for employees;
    of these, only their companies' for a user scoped to companies."""
    people = Person.objects.filter(in_companies(user, "company"))
    if user.has_role(*ORG_WIDE_READERS):
        return people
    condition = Q(pk__in=[])
    if user.person_id is not None:
        if user.has_role(MG):
            condition |= Q(pk__in=report_ids(user.person_id)) | Q(pk=user.person_id)
        if user.has_role(E):
            condition |= Q(pk=user.person_id)
    return people.filter(condition)
