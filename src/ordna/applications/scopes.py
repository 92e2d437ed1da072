"""Which applications a user may see, and which ones they handle as key user (docs/roles.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from ordna.applications.models import Application, KeyUserAppointment, active_on
from ordna.core.access import MG, ORG_WIDE_READERS, A, C, K, S, in_companies

if TYPE_CHECKING:
    from ordna.core.models import User


def appointed_application_ids(user: User) -> QuerySet[Any]:
    """The applications `user`'s person is appointed to today (key user, deputy or coordinator)."""
    return KeyUserAppointment.objects.filter(active_on(timezone.localdate()), person_id=user.person_id or -1).values(
        "application_id"
    )


def company_scope(user: User) -> Q:
    """The applications of `user`'s companies and those shared by the group (none: the whole group's)."""
    if user.company_ids is None:
        return Q()
    return Q(company__isnull=True) | in_companies(user, "company")


def applications_scope(user: User) -> QuerySet[Application]:
    """All applications for HR, IT and auditors; owned ones for owners; appointed ones for key users; the
    company's own for suppliers. A user scoped to companies sees those companies' own and the group's shared
    applications."""
    apps = Application.objects.filter(company_scope(user))
    if user.has_role(*ORG_WIDE_READERS):
        return apps
    condition = Q(pk__in=[])
    if user.person_id is not None and user.has_role(MG, K):
        condition |= Q(owner_id=user.person_id)
    if user.person_id is not None and user.has_role(K):
        condition |= Q(pk__in=appointed_application_ids(user))
    if user.supplier_id is not None and user.has_role(S):
        condition |= Q(supplier_id=user.supplier_id)
    return apps.filter(condition)


def handled_applications_scope(user: User) -> QuerySet[Application]:
    """The applications whose questions and wishes `user` handles: all for admins and IT coordinators, the
    owned and appointed ones for key users."""
    if user.has_role(A, C):
        return Application.objects.filter(company_scope(user))
    if user.person_id is None or not user.has_role(K):
        return Application.objects.none()
    return Application.objects.filter(Q(owner_id=user.person_id) | Q(pk__in=appointed_application_ids(user)))
