"""Which contracts a user sees (DESIGN.md 3.7): those of the suppliers in their scope, so a supplier's own users
see only their company's."""

from __future__ import annotations

from django.db.models import QuerySet

from ordna.core.access import suppliers_scope
from ordna.core.models import User
from ordna.suppliers.models import Contract


def contracts_scope(user: User) -> QuerySet[Contract]:
    return Contract.objects.filter(supplier__in=suppliers_scope(user))
