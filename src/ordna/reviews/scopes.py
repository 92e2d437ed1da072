"""Which reviews and action items a user sees and may close (docs/suppliers.md and docs/roles.md): those of the
suppliers in their scope, so a supplier's own users see only their company's, and close only the supplier's own
actions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from ordna.core.access import A, C, S, suppliers_scope
from ordna.reviews.models import ActionItem, ActionOwner, Review

if TYPE_CHECKING:
    from ordna.core.models import User


def reviews_scope(user: User) -> QuerySet[Review]:
    return Review.objects.filter(supplier__in=suppliers_scope(user))


def actions_scope(user: User) -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(supplier__in=suppliers_scope(user))


def actions_closable_scope(user: User) -> QuerySet[ActionItem]:
    """Admins and IT coordinators close any action; supplier users only their company's own ("theirs")."""
    if user.has_role(A, C):
        return ActionItem.objects.all()
    if user.supplier_id is not None and user.has_role(S):
        return ActionItem.objects.filter(supplier_id=user.supplier_id, owner_side=ActionOwner.THEIRS)
    return ActionItem.objects.none()
