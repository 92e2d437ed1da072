"""Writes to suppliers, audited."""

from __future__ import annotations

from django.db import transaction

from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.suppliers.models import Supplier


class SupplierError(ValueError):
    pass


def supplier_add(
    *, name: str, actor: Actor, contact_name: str = "", contact_email: str = "", phone: str = ""
) -> Supplier:
    """Register a supplier company; its portal users see only its own work."""
    name = " ".join(name.split())
    if not name:
        raise SupplierError("the supplier's name is empty")
    if Supplier.objects.filter(name__iexact=name).exists():
        raise SupplierError(f"a supplier named {name!r} exists already")
    with transaction.atomic():
        supplier = Supplier.objects.create(
            name=name, contact_name=contact_name, contact_email=contact_email, phone=phone
        )
        audit_record(
            actor=actor,
            action="supplier.created",
            target=supplier,
            after={"name": name, "contact_name": contact_name, "contact_email": contact_email, "phone": phone},
        )
    return supplier


def supplier_get_or_add(*, name: str, actor: Actor) -> tuple[Supplier, bool]:
    """The supplier of that name (case-insensitive), registered first when new; and whether it was."""
    existing = Supplier.objects.filter(name__iexact=" ".join(name.split())).first()
    if existing is not None:
        return existing, False
    return supplier_add(name=name, actor=actor), True
