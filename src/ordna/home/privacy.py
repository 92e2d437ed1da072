"""Legal holds and erasure requests: the writes an admin makes about one person's data (docs/privacy.md).

An erasure request is four eyes: one admin asks, with a reason; a second admin approves, and only then is the
person erased, under the same rules as retention (refused, with the reason, while a case is open or a hold is in
force). Each step is audited; the reasons stay in Ordna's own tables, not in the audit chain, which keeps ids only.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.core.errors import ServiceError
from ordna.core.models import Role
from ordna.home.erasure import person_erase
from ordna.home.retention import erase_refusal, hold_in_force
from ordna.people.models import ErasureRequest, LegalHold, Person


def _reason(reason: str) -> str:
    cleaned = (reason or "").strip()
    if not cleaned:
        raise ServiceError(_("Give a reason (reason is empty)."), field="reason")
    if len(cleaned) > 2000:
        raise ServiceError(_("The reason is longer than 2000 characters."), field="reason")
    return cleaned


def hold_place(*, person: Person, reason: str, actor: Actor) -> LegalHold:
    """Put `person` under a legal hold: retention and erasure requests leave them alone until it is released."""
    reason = _reason(reason)
    if person.erased_at is not None:
        raise ServiceError(
            _("Their personal data is erased already; there is nothing left to hold."), field="employee_id"
        )
    with transaction.atomic():
        if hold_in_force(person) is not None:
            raise ServiceError(
                _("A legal hold on %(person)s is in force already."), field="employee_id", person=person.employee_id
            )
        hold = LegalHold.objects.create(person=person, reason=reason, placed_by=actor.label, placed_at=timezone.now())
        audit_record(actor=actor, action="person.hold_placed", target=person, after={"hold": hold.pk})
    return hold


def hold_release(*, person: Person, reason: str, actor: Actor) -> LegalHold:
    """Release the legal hold in force on `person`; retention treats them by the period again."""
    reason = _reason(reason)
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().filter(person=person, released_at__isnull=True).first()
        if hold is None:
            raise ServiceError(
                _("No legal hold on %(person)s is in force."), field="employee_id", person=person.employee_id
            )
        hold.released_at = timezone.now()
        hold.released_by = actor.label
        hold.release_reason = reason
        hold.save(update_fields=["released_at", "released_by", "release_reason"])
        audit_record(actor=actor, action="person.hold_released", target=person, after={"hold": hold.pk})
    return hold


def _admin(actor: Actor) -> None:
    if actor.user is None or not actor.user.is_active or not actor.user.has_role(Role.ADMIN):
        raise ServiceError(_("Only an administrator may ask for or approve an erasure."), field="by")


def erasure_request_make(*, person: Person, reason: str, actor: Actor) -> ErasureRequest:
    """An admin asks to erase `person` ahead of the period; refused at once, with the reason, for an open case
    or a hold."""
    _admin(actor)
    reason = _reason(reason)
    refusal = erase_refusal(person)
    if refusal:
        raise ServiceError(refusal, field="employee_id")
    try:
        with transaction.atomic():
            request = ErasureRequest.objects.create(
                person=person,
                reason=reason,
                requested_by=actor.user,
                requested_by_label=actor.label,
                requested_at=timezone.now(),
            )
            audit_record(actor=actor, action="person.erasure_requested", target=person, after={"request": request.pk})
    except IntegrityError:
        raise ServiceError(
            _("An erasure of %(person)s is waiting for approval already."),
            field="employee_id",
            person=person.employee_id,
        ) from None
    return request


def _pending(request_id: int) -> ErasureRequest:
    request = ErasureRequest.objects.select_for_update().select_related("person").filter(pk=request_id).first()
    if request is None:
        raise ServiceError(_("No erasure request has the number %(n)s."), field="request", n=request_id)
    if request.state != ErasureRequest.State.PENDING:
        raise ServiceError(
            _("Erasure request %(n)s is no longer waiting (%(state)s)."),
            field="request",
            n=request_id,
            state=request.get_state_display(),
        )
    return request


def erasure_request_approve(*, request_id: int, actor: Actor) -> str:
    """A second admin approves: the person is erased now (returns the pseudonym). The requester may not approve
    their own request; an open case or a hold that came meanwhile refuses it, with the reason."""
    _admin(actor)
    with transaction.atomic():
        request = _pending(request_id)
        if request.requested_by_id == actor.user.pk:  # type: ignore[union-attr]
            raise ServiceError(
                _("A second administrator must approve: %(who)s asked for this erasure."),
                field="by",
                who=request.requested_by_label,
            )
        refusal = erase_refusal(request.person)
        if refusal:
            raise ServiceError(refusal, field="employee_id")
        request.state = ErasureRequest.State.DONE
        request.decided_by = actor.user
        request.decided_by_label = actor.label
        request.decided_at = timezone.now()
        request.save(update_fields=["state", "decided_by", "decided_by_label", "decided_at"])
        audit_record(
            actor=actor, action="person.erasure_approved", target=request.person, after={"request": request.pk}
        )
        return person_erase(person=request.person, actor=actor, reason="request", request_id=request.pk)


def erasure_request_reject(*, request_id: int, actor: Actor) -> ErasureRequest:
    """An admin (the requester too: withdrawing it) turns a waiting request down; nothing is erased."""
    _admin(actor)
    with transaction.atomic():
        request = _pending(request_id)
        request.state = ErasureRequest.State.REJECTED
        request.decided_by = actor.user
        request.decided_by_label = actor.label
        request.decided_at = timezone.now()
        request.save(update_fields=["state", "decided_by", "decided_by_label", "decided_at"])
        audit_record(
            actor=actor, action="person.erasure_rejected", target=request.person, after={"request": request.pk}
        )
    return request
