"""Which cases and lines a user may see, and which lines they may close (docs/offboarding.md and docs/roles.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from ordna.core.access import MG, ORG_WIDE_READERS, A, C, E, H, K, S
from ordna.lifecycle.models import Case, Line, LineKind, Responsible
from ordna.people.scopes import people_scope, report_ids

if TYPE_CHECKING:
    from ordna.core.models import User


def lines_closable_scope(user: User) -> QuerySet[Line]:
    """The lines `user` may close: all for admins and IT coordinators; else those of their responsibility."""
    lines = Line.objects.all()
    if user.has_role(A, C):
        return lines
    condition = Q(pk__in=[])
    if user.has_role(H):
        condition |= Q(responsible=Responsible.HR)
    if user.person_id is not None:
        if user.has_role(MG):
            condition |= Q(responsible=Responsible.MANAGER, responsible_person_id=user.person_id)
        if user.has_role(MG, K):
            condition |= Q(responsible=Responsible.OWNER, responsible_person_id=user.person_id)
        if user.has_role(E):
            condition |= Q(responsible=Responsible.EMPLOYEE, responsible_person_id=user.person_id)
    if user.supplier_id is not None and user.has_role(S):
        condition |= Q(responsible=Responsible.SUPPLIER, responsible_supplier_id=user.supplier_id)
    return lines.filter(condition)


def lines_scope(user: User) -> QuerySet[Line]:
    """The lines `user` may see: all for HR, IT and auditors; else their own, their reports' cases' lines
    (managers), and the devices they must return (employees)."""
    lines = Line.objects.all()
    if user.has_role(*ORG_WIDE_READERS):
        return lines
    condition = Q(pk__in=lines_closable_scope(user).values("pk"))
    if user.person_id is not None:
        if user.has_role(MG):
            # Their reports' cases; their own case falls under the employee's rule like anyone's.
            condition |= Q(case__person_id__in=report_ids(user.person_id))
        if user.has_role(E):
            condition |= Q(case__person_id=user.person_id, kind=LineKind.DEVICE)
    return lines.filter(condition)


def cases_scope(user: User) -> QuerySet[Case]:
    """All cases for HR, IT and auditors; managers their reporting line's; others the cases with a line of theirs."""
    cases = Case.objects.all()
    if user.has_role(*ORG_WIDE_READERS):
        return cases
    condition = Q(pk__in=lines_scope(user).values("case_id"))
    if user.has_role(MG) and user.person_id is not None:
        condition |= Q(person__in=people_scope(user))
    return cases.filter(condition)
