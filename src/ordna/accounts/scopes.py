"""Which accounts and findings a user may see (docs/roles.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from ordna.accounts.models import Account, Finding
from ordna.applications.scopes import applications_scope
from ordna.core.access import AU, A, C, E, H, K, in_companies

if TYPE_CHECKING:
    from ordna.core.models import User


def of_companies(user: User) -> Q:
    """Accounts and findings of `user`'s companies: those of their people, and the unlinked ones in their
    companies' own applications (no filter for a user who sees the whole group)."""
    if user.company_ids is None:
        return Q()
    return in_companies(user, "person__company") | (Q(person__isnull=True) & in_companies(user, "application__company"))


def accounts_scope(user: User) -> QuerySet[Account]:
    """All accounts for IT and auditors; their applications' for key users; their own for employees; of these,
    only their companies' for a user scoped to companies."""
    accounts = Account.objects.filter(of_companies(user))
    if user.has_role(A, C, AU):
        return accounts
    condition = Q(pk__in=[])
    if user.has_role(K):
        condition |= Q(application__in=applications_scope(user))
    if user.person_id is not None and user.has_role(E):
        condition |= Q(person_id=user.person_id)
    return accounts.filter(condition)


def findings_scope(user: User) -> QuerySet[Finding]:
    """All findings for IT, HR and auditors; else those of the applications the user sees."""
    findings = Finding.objects.filter(of_companies(user))
    if user.has_role(A, C, H, AU):
        return findings
    return findings.filter(application__in=applications_scope(user))
