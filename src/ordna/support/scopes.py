"""Which questions and wishes a user may see, and which questions they handle (docs/key-users.md and docs/roles.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from ordna.applications.scopes import handled_applications_scope
from ordna.core.access import AU, MG, A, C, E, H, K, S, in_companies
from ordna.support.models import Question, Wish, WishState

if TYPE_CHECKING:
    from ordna.core.models import User


def questions_scope(user: User) -> QuerySet[Question]:
    """All for IT and auditors; the handled applications' and assigned ones for key users; escalated ones of
    their own company for suppliers; and everyone their own questions; of these, only those asked by their
    companies' people for a user scoped to companies."""
    questions = Question.objects.filter(in_companies(user, "asked_by__company"))
    if user.has_role(A, C, AU):
        return questions
    condition = Q(pk__in=[])
    if user.person_id is not None:
        condition |= Q(asked_by_id=user.person_id)
        if user.has_role(K):
            condition |= Q(application__in=handled_applications_scope(user)) | Q(assignee_id=user.person_id)
    if user.supplier_id is not None and user.has_role(S):
        condition |= Q(supplier_id=user.supplier_id, escalated_at__isnull=False)
    return questions.filter(condition)


def handled_questions_scope(user: User) -> QuerySet[Question]:
    """The questions `user` may answer, escalate and resolve as key user (or IT)."""
    if user.has_role(A, C):
        return Question.objects.filter(in_companies(user, "asked_by__company"))
    if user.person_id is None or not user.has_role(K):
        return Question.objects.none()
    return Question.objects.filter(Q(application__in=handled_applications_scope(user)) | Q(assignee_id=user.person_id))


def wishes_scope(user: User) -> QuerySet[Wish]:
    """Wishes are open to the whole organisation; suppliers see the planned ones of their applications (the
    review agenda). A user scoped to companies sees those proposed by their companies' people."""
    wishes = Wish.objects.filter(in_companies(user, "proposed_by__company"))
    if user.has_role(A, C, H, MG, K, E, AU):
        return wishes
    if user.supplier_id is not None and user.has_role(S):
        return wishes.filter(state=WishState.PLANNED, application__supplier_id=user.supplier_id)
    return wishes.none()
