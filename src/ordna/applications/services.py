"""Writes to applications and licences, audited."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from ordna.applications.models import (
    Application,
    AppointmentRole,
    Criticality,
    KeyUserAppointment,
    License,
    Responsibility,
)
from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.core.errors import ServiceError
from ordna.people.models import Person

APPLICATION_FIELDS = (
    "name",
    "description",
    "owner_id",
    "supplier_id",
    "company_id",
    "criticality",
    "deprovision_days",
    "account_source",
    "attest_only",
    "supplier_resolution_hours",
    "source_max_age_days",
    "holds_personal_data",
)


class ApplicationError(ServiceError):
    """An application, licence or appointment cannot change as asked; `field` names the input."""


def _criticality_error() -> ApplicationError:
    return ApplicationError(
        _("The criticality is one of %(values)s."), field="criticality", values=", ".join(Criticality.values)
    )


def _unchangeable(unknown: set[str]) -> ApplicationError:
    return ApplicationError(_("These cannot be changed: %(names)s."), field="", names=", ".join(sorted(unknown)))


def _state(obj: object, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


def _max_age_check(fields: dict[str, Any]) -> None:
    days = fields.get("source_max_age_days")
    if days is not None and not 1 <= days <= 3660:
        raise ApplicationError(
            _("The account data's maximum age is 1 to 3660 days, not %(value)s."),
            field="source_max_age_days",
            value=days,
        )


def application_create(*, slug: str, name: str, actor: Actor, **fields: Any) -> Application:
    """Create an application; `slug` is its stable key on the command line and in the API."""
    slug = slugify(slug)
    if not slug:
        raise ApplicationError(_("Give a short name of letters, digits and hyphens."), field="slug")
    if Application.objects.filter(slug=slug).exists():
        raise ApplicationError(
            _("An application with the short name %(slug)s exists already."), field="slug", slug=repr(slug)
        )
    if fields.get("criticality") and fields["criticality"] not in Criticality.values:
        raise _criticality_error()
    _max_age_check(fields)
    with transaction.atomic():
        app = Application.objects.create(slug=slug, name=name.strip() or slug, **fields)
        audit_record(
            actor=actor,
            action="application.created",
            target=app,
            after={"slug": slug, **_state(app, APPLICATION_FIELDS)},
        )
    return app


def application_update(*, application: Application, actor: Actor, **changes: Any) -> Application:
    unknown = set(changes) - set(APPLICATION_FIELDS)
    if unknown:
        raise _unchangeable(unknown)
    if changes.get("criticality") and changes["criticality"] not in Criticality.values:
        raise _criticality_error()
    _max_age_check(changes)
    with transaction.atomic():
        before = _state(application, tuple(changes))
        for name, value in changes.items():
            setattr(application, name, value)
        application.save()
        audit_record(
            actor=actor,
            action="application.updated",
            target=application,
            before=before,
            after=_state(application, tuple(changes)),
        )
    return application


def license_save(
    *, application: Application, name: str, actor: Actor, monthly_cost: Decimal, currency: str, seats: int | None
) -> tuple[License, bool]:
    """Create or update the licence `name` of `application`; returns it and whether anything changed."""
    if not name.strip():
        raise ApplicationError(_("Give the licence's name."), field="name")
    currency = currency.strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ApplicationError(
            _("The currency is a three-letter code such as SEK or EUR, not %(currency)s."),
            field="currency",
            currency=repr(currency),
        )
    if monthly_cost < 0:
        raise ApplicationError(_("The monthly cost cannot be negative."), field="monthly_cost")
    if seats is not None and seats < 0:
        raise ApplicationError(_("The number of seats cannot be negative."), field="seats")
    fields = ("monthly_cost", "currency", "seats")
    with transaction.atomic():
        license_, created = License.objects.get_or_create(
            application=application,
            name=name.strip(),
            defaults={"monthly_cost": monthly_cost, "currency": currency, "seats": seats},
        )
        before = None if created else _state(license_, fields)
        after = {"monthly_cost": monthly_cost, "currency": currency, "seats": seats}
        if created:
            Application.objects.filter(pk=application.pk).update(accounts_version=F("accounts_version") + 1)
            audit_record(actor=actor, action="license.created", target=license_, after={"name": name, **after})
            return license_, True
        if before == after:
            return license_, False
        for key, value in after.items():
            setattr(license_, key, value)
        license_.save()
        # Prices change the money of findings: an account import planned before this must plan again.
        Application.objects.filter(pk=application.pk).update(accounts_version=F("accounts_version") + 1)
        audit_record(actor=actor, action="license.updated", target=license_, before=before, after=after)
    return license_, True


APPOINTMENT_FIELDS = (
    "role",
    "primary",
    "starts_on",
    "ends_on",
    "hours_per_month",
    "responsibilities",
    "away_from",
    "away_until",
)


def _appointment_check(appointment: KeyUserAppointment) -> None:
    """Raise ApplicationError naming the field when the appointment's values do not fit together."""
    if appointment.role not in AppointmentRole.values:
        raise ApplicationError(
            _("The role is one of %(roles)s, not %(role)s."),
            field="role",
            roles=", ".join(AppointmentRole.values),
            role=repr(appointment.role),
        )
    if appointment.primary and appointment.role != AppointmentRole.KEY_USER:
        raise ApplicationError(_("Only a key user (not a deputy or coordinator) can be the primary."), field="primary")
    if appointment.ends_on is not None and appointment.ends_on < appointment.starts_on:
        raise ApplicationError(
            _("The appointment ends (%(ends)s) before it starts (%(starts)s)."),
            field="ends_on",
            ends=appointment.ends_on,
            starts=appointment.starts_on,
        )
    if appointment.hours_per_month < 0 or appointment.hours_per_month > 744:
        raise ApplicationError(_("The hours per month are from 0 to 744."), field="hours_per_month")
    unknown = sorted(set(appointment.responsibilities) - set(Responsibility.values))
    if unknown:
        raise ApplicationError(
            _("Unknown responsibilities %(unknown)s; use %(known)s."),
            field="responsibilities",
            unknown=", ".join(unknown),
            known=", ".join(Responsibility.values),
        )
    if (appointment.away_from is None) != (appointment.away_until is None):
        raise ApplicationError(_("An absence has a first and a last day: give both or neither."), field="away_from")
    if appointment.away_from and appointment.away_until and appointment.away_until < appointment.away_from:
        raise ApplicationError(
            _("The absence ends (%(until)s) before it starts (%(from)s)."),
            field="away_until",
            until=appointment.away_until,
            **{"from": appointment.away_from},
        )
    if appointment.primary:
        others = KeyUserAppointment.objects.filter(application_id=appointment.application_id, primary=True).exclude(
            pk=appointment.pk
        )
        for other in others:
            overlaps = (other.ends_on is None or other.ends_on >= appointment.starts_on) and (
                appointment.ends_on is None or appointment.ends_on >= other.starts_on
            )
            if overlaps:
                raise ApplicationError(
                    _(
                        "%(person)s is the primary key user from %(day)s: end that appointment first or appoint "
                        "this one as a plain key user."
                    ),
                    field="primary",
                    person=other.person.full_name,
                    day=other.starts_on,
                )


def _appointment_state(appointment: KeyUserAppointment) -> dict[str, Any]:
    return {"person_id": appointment.person_id, **_state(appointment, APPOINTMENT_FIELDS)}


def appointment_add(
    *,
    application: Application,
    person: Person,
    actor: Actor,
    starts_on: date,
    role: str = AppointmentRole.KEY_USER,
    primary: bool = False,
    ends_on: date | None = None,
    hours_per_month: Decimal = Decimal("0"),
    responsibilities: list[str] | None = None,
) -> KeyUserAppointment:
    """Appoint `person` to `application` for a dated period with a monthly time budget (docs/key-users.md)."""
    appointment = KeyUserAppointment(
        application=application,
        person=person,
        role=role,
        primary=primary,
        starts_on=starts_on,
        ends_on=ends_on,
        hours_per_month=Decimal(hours_per_month),
        responsibilities=sorted(set(responsibilities or [])),
    )
    with transaction.atomic():
        _appointment_check(appointment)
        appointment.save()
        audit_record(
            actor=actor, action="appointment.created", target=appointment, after=_appointment_state(appointment)
        )
    return appointment


def appointment_update(*, appointment: KeyUserAppointment, actor: Actor, **changes: Any) -> KeyUserAppointment:
    """Change an appointment: end it, mark an absence, change its budget or responsibilities."""
    unknown = set(changes) - set(APPOINTMENT_FIELDS)
    if unknown:
        raise _unchangeable(unknown)
    if "responsibilities" in changes:
        changes["responsibilities"] = sorted(set(changes["responsibilities"] or []))
    if "hours_per_month" in changes:
        changes["hours_per_month"] = Decimal(changes["hours_per_month"])
    with transaction.atomic():
        before = _appointment_state(appointment)
        for name, value in changes.items():
            setattr(appointment, name, value)
        _appointment_check(appointment)
        after = _appointment_state(appointment)
        if after == before:
            return appointment
        appointment.save()
        audit_record(actor=actor, action="appointment.updated", target=appointment, before=before, after=after)
    return appointment
