"""Which releases a user may see (docs/releases.md and docs/roles.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from ordna.accounts.models import Account
from ordna.applications.scopes import handled_applications_scope
from ordna.core.access import MG, ORG_WIDE_READERS, K, S
from ordna.releases.models import Release, ReleaseTest

if TYPE_CHECKING:
    from ordna.core.models import User


def releases_scope(user: User) -> QuerySet[Release]:
    """All releases for HR, IT and auditors; the handled applications' for key users; their applications' for
    suppliers; and the announced releases of applications in which one has an active account."""
    releases = Release.objects.all()
    if user.has_role(*ORG_WIDE_READERS):
        return releases
    condition = Q(pk__in=[])
    if user.has_role(K):
        condition |= Q(application__in=handled_applications_scope(user))
        if user.person_id is not None:
            assigned = ReleaseTest.objects.filter(assignee_id=user.person_id).values("release_id")
            condition |= Q(pk__in=assigned) | Q(application__owner_id=user.person_id)
    if user.has_role(MG) and user.person_id is not None:
        condition |= Q(application__owner_id=user.person_id)
    if user.supplier_id is not None and user.has_role(S):
        condition |= Q(application__supplier_id=user.supplier_id)
    if user.person_id is not None:
        used = Account.objects.filter(person_id=user.person_id, status="active").values("application_id")
        condition |= Q(announced_at__isnull=False, application_id__in=used)
    return releases.filter(condition)
