"""Writes to reviews with suppliers and their action items; every one audited."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.core.errors import ServiceError
from ordna.core.formats import short_datetime
from ordna.core.models import Supplier
from ordna.people.models import Person
from ordna.reviews.models import ActionItem, ActionOwner, Review, ReviewStatus
from ordna.reviews.selectors import review_agenda


class ReviewError(ServiceError):
    """A review or action item cannot be changed as asked; `field` names the input."""


def review_plan(
    *,
    supplier: Supplier,
    title: str,
    starts_at: datetime,
    actor: Actor,
    today: date,
    duration_minutes: int = 90,
    location: str = "",
) -> Review:
    """Plan a review with `supplier`; its agenda is generated from the data now and can be edited after."""
    title = " ".join(title.split())
    if not title:
        raise ReviewError(_("Fill in the title."), field="title")
    if not 1 <= duration_minutes <= 24 * 60:
        raise ReviewError(_("The meeting lasts from 1 minute to a day."), field="duration_minutes")
    with transaction.atomic():
        review = Review.objects.create(
            supplier=supplier,
            title=title,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            location=location.strip(),
            agenda=review_agenda(supplier=supplier, today=today),
            uid=f"{uuid.uuid4()}@ordna",
            created_by=actor.label,
        )
        audit_record(actor=actor, action="review.planned", target=review, after={"supplier_id": supplier.pk})
    return review


def review_update(
    *,
    review: Review,
    actor: Actor,
    agenda: str | None = None,
    minutes: str | None = None,
    status: str | None = None,
    starts_at: datetime | None = None,
    location: str | None = None,
) -> Review:
    """Edit the agenda, minutes, status, time or place; a change of time or place bumps the invitation's
    sequence, so calendars update the meeting. A review is held only once its start has come (issue 23: one
    dated next year could be marked held)."""
    if status is not None and status not in ReviewStatus.values:
        raise ReviewError(
            _("The status is planned, held or cancelled, not %(status)s."), field="status", status=repr(status)
        )
    when = starts_at if starts_at is not None else review.starts_at
    if (status if status is not None else review.status) == ReviewStatus.HELD and when > timezone.now():
        raise ReviewError(
            _("A review starting %(when)s has not been held yet: mark it held once it has taken place."),
            field="status",
            when=short_datetime(when),
        )
    with transaction.atomic():
        changed: dict[str, Any] = {}
        for name, value in (
            ("agenda", agenda),
            ("minutes", minutes),
            ("status", status),
            ("starts_at", starts_at),
            ("location", location),
        ):
            if value is not None and getattr(review, name) != value:
                setattr(review, name, value)
                changed[name] = value if name not in ("agenda", "minutes") else len(str(value))
        if {"starts_at", "location", "status"} & set(changed):
            review.sequence += 1
        if changed:
            review.save()
            audit_record(actor=actor, action="review.updated", target=review, after=changed)
    return review


def action_add(
    *, review: Review, title: str, owner_side: str, due: date, actor: Actor, owner_person: Person | None = None
) -> ActionItem:
    """An action agreed at `review`: ours (a named person) or the supplier's, with a due date."""
    title = " ".join(title.split())
    if not title:
        raise ReviewError(_("Fill in the title."), field="title")
    if owner_side not in ActionOwner.values:
        raise ReviewError(
            _("An action is ours or the supplier's, not %(side)s."), field="owner_side", side=repr(owner_side)
        )
    if owner_side == ActionOwner.OURS and owner_person is None:
        raise ReviewError(_("Our actions need a named person (employee id)."), field="owner")
    with transaction.atomic():
        action = ActionItem.objects.create(
            supplier_id=review.supplier_id,
            review=review,
            title=title,
            owner_side=owner_side,
            owner_person=owner_person if owner_side == ActionOwner.OURS else None,
            due=due,
        )
        audit_record(actor=actor, action="action.added", target=action, after={"review_id": review.pk, "due": due})
    return action


def action_close(*, action: ActionItem, actor: Actor, note: str = "") -> ActionItem:
    """Close an open action item. A supplier user may close only the supplier's own ("theirs") items of their
    company; the scope check of the caller has already hidden the others."""
    user = actor.user
    portal = user is not None and user.has_role("supplier") and not user.has_role("admin", "coordinator")
    if portal and (action.owner_side != ActionOwner.THEIRS or action.supplier_id != user.supplier_id):  # type: ignore[union-attr]
        raise ReviewError(_("Only the supplier's own actions can be closed from the portal."), field="owner")
    if action.closed_at is not None:
        raise ReviewError(_("The action is closed already."), field="state")
    with transaction.atomic():
        action.closed_at = timezone.now()
        action.closed_by = actor.label
        action.note = note.strip()
        action.save(update_fields=["closed_at", "closed_by", "note"])
        audit_record(actor=actor, action="action.closed", target=action)
    return action
