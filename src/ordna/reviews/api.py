"""Reviews with suppliers and their action items in the API; everything scoped, so a supplier user's token sees
only its own company's."""

from datetime import date, datetime
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.api import Capability, ErrorOut, Refused
from ordna.core.clock import today
from ordna.core.errors import no_person, no_supplier
from ordna.core.models import Supplier
from ordna.core.web import user_of
from ordna.people.models import Person
from ordna.reviews import services
from ordna.reviews.models import ActionItem, Review
from ordna.reviews.scopes import actions_closable_scope, actions_scope, reviews_scope

router = Router(tags=["reviews"])


class ReviewActionOut(Schema):
    id: int
    supplier: str
    review_id: int
    title: str
    owner_side: str
    owner: str | None
    due: date
    closed_at: datetime | None
    note: str

    @staticmethod
    def resolve_supplier(obj: ActionItem) -> str:
        return obj.supplier.name

    @staticmethod
    def resolve_owner(obj: ActionItem) -> str | None:
        return obj.owner_person.employee_id if obj.owner_person_id else None  # type: ignore[union-attr]


class ReviewOut(Schema):
    id: int
    supplier: str
    title: str
    starts_at: datetime
    duration_minutes: int
    location: str
    status: str
    agenda: str
    minutes: str

    @staticmethod
    def resolve_supplier(obj: Review) -> str:
        return obj.supplier.name


class ReviewIn(Schema):
    supplier: str
    title: str
    starts_at: datetime
    duration_minutes: int = 90
    location: str = ""


class ReviewPatch(Schema):
    agenda: str | None = None
    minutes: str | None = None
    status: str | None = None
    starts_at: datetime | None = None
    location: str | None = None


class ActionIn(Schema):
    title: str
    owner_side: str
    owner: str = ""
    due: date


class CloseIn(Schema):
    note: str = ""


@router.get("/reviews", response=list[ReviewOut], summary="Reviews with suppliers", auth=Capability("reviews.list"))
@paginate
def review_list(request: HttpRequest, q: str = "") -> Any:
    reviews = reviews_scope(user_of(request)).select_related("supplier")
    if q:
        reviews = reviews.filter(Q(title__icontains=q) | Q(supplier__name__icontains=q))
    return reviews


@router.post(
    "/reviews",
    response={201: ReviewOut, 422: ErrorOut},
    summary="Plan a review; its agenda is generated from the data",
    auth=Capability("reviews.edit"),
)
def review_create(request: HttpRequest, payload: ReviewIn) -> Any:
    supplier = Supplier.objects.filter(name__iexact=payload.supplier.strip()).first()
    if supplier is None:
        raise Refused(no_supplier("supplier", payload.supplier))
    try:
        review = services.review_plan(
            supplier=supplier,
            title=payload.title,
            starts_at=payload.starts_at,
            duration_minutes=payload.duration_minutes,
            location=payload.location,
            actor=Actor.for_user(user_of(request)),
            today=today(),
        )
    except services.ReviewError as exc:
        raise Refused(exc) from exc
    return Status(201, review)


@router.get("/reviews/{review_id}", response=ReviewOut, summary="One review", auth=Capability("reviews.list"))
def review_detail(request: HttpRequest, review_id: int) -> Any:
    return access.get_in_scope(reviews_scope(user_of(request)).select_related("supplier"), pk=review_id)


@router.patch(
    "/reviews/{review_id}",
    response={200: ReviewOut, 422: ErrorOut},
    summary="Edit a review's agenda, minutes, status, time or place",
    auth=Capability("reviews.edit"),
)
def review_patch(request: HttpRequest, review_id: int, payload: ReviewPatch) -> Any:
    review = access.get_in_scope(reviews_scope(user_of(request)).select_related("supplier"), pk=review_id)
    try:
        return services.review_update(review=review, actor=Actor.for_user(user_of(request)), **payload.dict())
    except services.ReviewError as exc:
        raise Refused(exc) from exc


@router.post(
    "/reviews/{review_id}/actions",
    response={201: ReviewActionOut, 422: ErrorOut},
    summary="Add an action item (ours, with a named person, or theirs) with a due date",
    auth=Capability("reviews.edit"),
)
def action_create(request: HttpRequest, review_id: int, payload: ActionIn) -> Any:
    review = access.get_in_scope(reviews_scope(user_of(request)), pk=review_id)
    owner = Person.objects.filter(employee_id=payload.owner.strip()).first() if payload.owner.strip() else None
    if payload.owner.strip() and owner is None:
        raise Refused(no_person("owner", payload.owner.strip()))
    try:
        action = services.action_add(
            review=review,
            title=payload.title,
            owner_side=payload.owner_side,
            owner_person=owner,
            due=payload.due,
            actor=Actor.for_user(user_of(request)),
        )
    except services.ReviewError as exc:
        raise Refused(exc) from exc
    return Status(201, ActionItem.objects.select_related("supplier", "owner_person").get(pk=action.pk))


@router.get("/actions", response=list[ReviewActionOut], summary="Review action items", auth=Capability("reviews.list"))
@paginate
def action_list(request: HttpRequest, open: bool | None = None) -> Any:
    actions = actions_scope(user_of(request)).select_related("supplier", "owner_person")
    if open is not None:
        actions = actions.filter(closed_at__isnull=open)
    return actions.order_by("due", "id")


@router.post(
    "/actions/{action_item_id}/close",
    response={200: ReviewActionOut, 422: ErrorOut},
    summary="Close an action item (supplier users: their company's own)",
    auth=Capability("actions.close"),
)
def action_close(request: HttpRequest, action_item_id: int, payload: CloseIn) -> Any:
    user = user_of(request)
    action = access.get_in_scope(
        actions_closable_scope(user).select_related("supplier", "owner_person"), pk=action_item_id
    )
    try:
        return services.action_close(action=action, actor=Actor.for_user(user), note=payload.note)
    except services.ReviewError as exc:
        raise Refused(exc) from exc
