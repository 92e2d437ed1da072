"""Writes to applications and licences, audited."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.text import slugify

from ordna.applications.models import Application, Criticality, License
from ordna.core.actor import Actor
from ordna.core.audit import audit_record

APPLICATION_FIELDS = (
    "name",
    "description",
    "owner_id",
    "supplier_id",
    "criticality",
    "deprovision_days",
    "account_source",
    "attest_only",
)


class ApplicationError(ValueError):
    pass


def _state(obj: object, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


def application_create(*, slug: str, name: str, actor: Actor, **fields: Any) -> Application:
    """Create an application; `slug` is its stable key on the command line and in the API."""
    slug = slugify(slug)
    if not slug:
        raise ApplicationError("the slug is empty: use letters, digits and hyphens")
    if Application.objects.filter(slug=slug).exists():
        raise ApplicationError(f"an application with slug {slug!r} exists already")
    if fields.get("criticality") and fields["criticality"] not in Criticality.values:
        raise ApplicationError(f"criticality must be one of {', '.join(Criticality.values)}")
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
        raise ApplicationError(f"cannot change {', '.join(sorted(unknown))}")
    if changes.get("criticality") and changes["criticality"] not in Criticality.values:
        raise ApplicationError(f"criticality must be one of {', '.join(Criticality.values)}")
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
    currency = currency.strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ApplicationError(f"currency {currency!r} is not a three-letter code such as SEK or EUR")
    if monthly_cost < 0:
        raise ApplicationError("the monthly cost cannot be negative")
    if seats is not None and seats < 0:
        raise ApplicationError("seats cannot be negative")
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
