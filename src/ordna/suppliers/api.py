"""Suppliers in the API (minimal until contracts and the portal arrive)."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from ordna.core.actor import Actor
from ordna.core.api import Capability, ErrorOut
from ordna.core.web import user_of
from ordna.suppliers import services
from ordna.suppliers.models import Supplier

router = Router(tags=["suppliers"])


class SupplierOut(Schema):
    name: str
    contact_name: str
    contact_email: str
    phone: str


class SupplierIn(Schema):
    name: str
    contact_name: str = ""
    contact_email: str = ""
    phone: str = ""


@router.get("/suppliers", response=list[SupplierOut], summary="Suppliers", auth=Capability("suppliers.list"))
@paginate
def supplier_list(request: HttpRequest) -> Any:
    return Supplier.objects.order_by("name")


@router.post(
    "/suppliers",
    response={201: SupplierOut, 422: ErrorOut},
    summary="Add a supplier",
    auth=Capability("suppliers.edit"),
)
def supplier_create(request: HttpRequest, payload: SupplierIn) -> Any:
    try:
        supplier = services.supplier_add(
            name=payload.name,
            actor=Actor.for_user(user_of(request)),
            contact_name=payload.contact_name,
            contact_email=payload.contact_email,
            phone=payload.phone,
        )
    except services.SupplierError as exc:
        raise HttpError(422, str(exc)) from exc
    return Status(201, supplier)
