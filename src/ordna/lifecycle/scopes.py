"""Which cases and lines a user may see, and which lines they may close (docs/offboarding.md and docs/roles.md).

Separation of duties: a user closes the lines they are responsible for (their role, their reports, their
supplier); an admin or IT coordinator may close anyone's line too, but only as an override that they ask for
and explain (`line_closing_right` tells which one applies; the closing services enforce it). Approving a
waiver or an override takes an admin or IT coordinator who did not ask for it.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from ordna.core.access import MG, ORG_WIDE_READERS, A, C, E, H, K, S, in_companies
from ordna.lifecycle.models import LINE_LINK, Case, CaseTemplate, Line, LineKind, Responsible
from ordna.people.scopes import people_scope, report_ids

if TYPE_CHECKING:
    from ordna.core.actor import Actor
    from ordna.core.models import User

# Who may close anyone's line as an override, and approve someone else's waiver or override.
OVERRIDERS = (A, C)


class ClosingRight(Enum):
    """How a user may close a line: as its responsible party, only as an override, or not at all."""

    OWN = "own"
    OVERRIDE = "override"
    NONE = "none"


def _responsible(user: User) -> Q:
    """The lines `user` is responsible for, as a filter on lines."""
    condition = Q(pk__in=[])
    if user.has_role(*OVERRIDERS):
        condition |= Q(responsible=Responsible.COORDINATOR)
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
    return condition


def lines_responsible_scope(user: User) -> QuerySet[Line]:
    """The lines `user` is responsible for: the only ones they close without an override (of their companies'
    people, for a user scoped to companies)."""
    return Line.objects.filter(_responsible(user)).filter(in_companies(user, "case__person__company"))


def lines_closable_scope(user: User) -> QuerySet[Line]:
    """The lines `user` may close at all: those of their responsibility, and for admins and IT coordinators
    every line (someone else's only as an override)."""
    if user.has_role(*OVERRIDERS):
        return Line.objects.filter(in_companies(user, "case__person__company"))
    return lines_responsible_scope(user)


def line_closing_right(actor: Actor, line: Line) -> ClosingRight:
    """How `actor` may close `line`. Only a signed-in user has a right, or the person a reminder's signed link
    for this very line was sent to (its assignee); the system and the command line, which answer to nobody,
    close lines only by proof (an import, a read-back, a check-in)."""
    if actor.link is not None:
        return ClosingRight.OWN if actor.link == (LINE_LINK, line.pk) else ClosingRight.NONE
    user = actor.user
    if user is None or not user.is_active:
        return ClosingRight.NONE
    if lines_responsible_scope(user).filter(pk=line.pk).exists():
        return ClosingRight.OWN
    if lines_closable_scope(user).filter(pk=line.pk).exists():
        return ClosingRight.OVERRIDE
    return ClosingRight.NONE


def may_approve(user: User | None) -> bool:
    """Whether `user` may approve or reject others' waivers and overrides (never their own)."""
    return user is not None and user.is_active and user.has_role(*OVERRIDERS)


def lines_scope(user: User) -> QuerySet[Line]:
    """The lines `user` may see: all for HR, IT and auditors; else their own, their reports' cases' lines
    (managers), and the devices they must return (employees); of these, only their companies' people's for a
    user scoped to companies."""
    lines = Line.objects.filter(in_companies(user, "case__person__company"))
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
    """All cases for HR, IT and auditors; managers their reporting line's; others the cases with a line of theirs;
    of these, only their companies' people's for a user scoped to companies."""
    cases = Case.objects.filter(in_companies(user, "person__company"))
    if user.has_role(*ORG_WIDE_READERS):
        return cases
    condition = Q(pk__in=lines_scope(user).values("case_id"))
    if user.has_role(MG) and user.person_id is not None:
        condition |= Q(person__in=people_scope(user))
    return cases.filter(condition)


def templates_scope(user: User) -> QuerySet[CaseTemplate]:
    """The case templates `user` sees: all for the whole group; the group's (the default) and their own
    companies' for a user scoped to companies (docs/companies.md)."""
    if user.company_ids is None:
        return CaseTemplate.objects.all()
    return CaseTemplate.objects.filter(Q(company__isnull=True) | in_companies(user, "company"))


def templates_editable_scope(user: User) -> QuerySet[CaseTemplate]:
    """The templates `user` may change: all for the whole group; their companies' own for a scoped user (the
    group's template stays the group's)."""
    if user.company_ids is None:
        return CaseTemplate.objects.all()
    return CaseTemplate.objects.filter(in_companies(user, "company"))
