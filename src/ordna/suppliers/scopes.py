"""Which contracts a user sees (docs/suppliers.md and docs/roles.md): those of the suppliers in their scope, so a
supplier's own users see only their company's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from ordna.core.access import suppliers_scope
from ordna.suppliers.models import Contract, ProcessingAgreement

if TYPE_CHECKING:
    from ordna.core.models import User


def contracts_scope(user: User) -> QuerySet[Contract]:
    return Contract.objects.filter(supplier__in=suppliers_scope(user))


def agreements_scope(user: User) -> QuerySet[ProcessingAgreement]:
    """The data-processing agreements of the suppliers in `user`'s scope: a supplier's users see only their own."""
    return ProcessingAgreement.objects.filter(supplier__in=suppliers_scope(user))
