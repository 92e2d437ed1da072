"""The demo's suppliers: the companies, then one contract each with service levels, a quarterly review with an
action, and a release, made through the real services so that `make run` shows alerts, measured service levels,
a generated agenda and a tested release."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ordna.applications.models import Application, KeyUserAppointment, active_on
from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.core.models import Supplier
from ordna.demo.processors import processors_demo_load
from ordna.releases import services as releases
from ordna.reviews.services import action_add, review_plan
from ordna.suppliers import services
from ordna.suppliers.contract_dates import add_months


@dataclass(frozen=True)
class DemoSupplier:
    name: str
    contact_name: str
    contact_email: str
    phone: str


DEMO_SUPPLIERS = (
    DemoSupplier("Example IT Services AB", "Maria Lindholm", "servicedesk.itservices@example.org", "+46 8 555 010 00"),
    DemoSupplier("Voorbeeld Software BV", "Pieter de Klerk", "support.voorbeeldsoftware@example.nl", "+31 30 555 0100"),
    DemoSupplier("Example Telecom AB", "Johan Ekström", "foretag.telecom@example.org", "+46 31 555 020 00"),
    DemoSupplier("Nordic Cloud Partner AB", "Sofia Rydén", "cloud.partner@example.org", "+46 40 555 030 00"),
    DemoSupplier("Kantoor Automatisering BV", "Marloes Bakker", "servicedesk.kantoor@example.nl", "+31 20 555 0200"),
    DemoSupplier(
        "Example Business Systems AB", "Anders Wik", "support.businesssystems@example.org", "+46 8 555 040 00"
    ),
    DemoSupplier("Example Security Partner AB", "Elin Strand", "soc.securitypartner@example.org", "+46 8 555 050 00"),
)


def supplier_companies_demo_load(*, actor: Actor) -> dict[str, int]:
    """Register the demo's supplier companies (those that exist are kept); returns their ids by name."""
    pk_of: dict[str, int] = {}
    for demo in DEMO_SUPPLIERS:
        existing = Supplier.objects.filter(name=demo.name).first()
        if existing is not None:
            pk_of[demo.name] = existing.pk
            continue
        with transaction.atomic():
            supplier = Supplier.objects.create(
                name=demo.name, contact_name=demo.contact_name, contact_email=demo.contact_email, phone=demo.phone
            )
            audit_record(
                actor=actor,
                action="supplier.created",
                target=supplier,
                after={
                    "name": demo.name,
                    "contact_name": demo.contact_name,
                    "contact_email": demo.contact_email,
                    "phone": demo.phone,
                },
            )
        pk_of[demo.name] = supplier.pk
    return pk_of


def suppliers_demo_load(*, actor: Actor, today: date) -> dict[str, int]:
    """The processors' agreements (before the reviews, whose agendas show their gaps); then one contract per
    supplier (one of them with a decision due), a resolution level, a review per supplier."""
    processors_demo_load(actor=actor, today=today)
    contracts = reviews = 0
    for index, supplier in enumerate(Supplier.objects.order_by("name")):
        slugs = tuple(Application.objects.filter(supplier=supplier).values_list("slug", flat=True)[:5])
        # Terms end about half a year ahead: the first contract's decision falls in the 90-day stage and the
        # others' in the 180-day one, so the dashboard and the contracts page show alerts.
        start = add_months(today, -12) + timedelta(days=182 if index == 0 else 250 + 20 * index)
        contract, _changed = services.contract_save(
            data=services.ContractInput(
                supplier=supplier.name,
                title="Managed services" if index == 0 else "Application support",
                start_date=start,
                initial_term_months=12,
                renewal="tacit",
                renewal_term_months=12,
                notice="3 months" if index == 0 else "90 days",
                decision_buffer_days=30,
                annual_value=Decimal(1_200_000 if index == 0 else 240_000),
                currency="SEK" if index == 0 else "EUR",
                applications=slugs,
            ),
            actor=actor,
        )
        services.service_level_set(
            contract=contract, metric="resolution", priority="", target=16, target_percent=90, actor=actor
        )
        services.service_level_set(
            contract=contract, metric="line_completion", priority="", target=0, target_percent=95, actor=actor
        )
        contracts += 1
        starts = timezone.make_aware(datetime.combine(today + timedelta(days=14), time(10, 0)))
        review = review_plan(
            supplier=supplier, title="Quarterly review", starts_at=starts, actor=actor, today=today, location="Teams"
        )
        action_add(
            review=review, title="Send the incident report for the last quarter", owner_side="theirs",
            due=today + timedelta(days=5), actor=actor,
        )  # fmt: skip
        reviews += 1
    _release(actor=actor, today=today)
    return {"contracts": contracts, "reviews": reviews}


def _release(*, actor: Actor, today: date) -> None:
    appointment = (
        KeyUserAppointment.objects.filter(active_on(today))
        .select_related("application", "person")
        .order_by("id")
        .first()
    )
    if appointment is None:
        return
    release = releases.release_create(
        application=appointment.application,
        version="2026.2",
        supplier_notes="New approval flow; the old export menu moves to Reports.",
        planned_go_live=today + timedelta(days=10),
        actor=actor,
    )
    releases.test_add(
        release=release, title="Approve a request end to end", assignee=appointment.person, actor=actor, today=today
    )
