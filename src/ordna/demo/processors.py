"""The demo's processors (docs/processors.md): data-processing agreements for two suppliers, made through the real
services. Voorbeeld Software BV's is complete (signed, overseen last quarter, certified, its transfer safeguarded);
Example IT Services AB's (the demo supplier user's company) has an oversight overdue, a certification that has
expired and a sub-processor it announced that waits for a decision. Example Telecom AB's agreement has expired,
so its application holds personal data without one in force. The dashboard, the processors page, the record of
processing and the reviews' agendas show those gaps."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from ordna.applications.models import Application
from ordna.applications.services import application_update
from ordna.core.actor import Actor
from ordna.core.models import Supplier
from ordna.people.models import Person
from ordna.suppliers import processors
from ordna.suppliers.contract_dates import add_months

COMPLETE = "Voorbeeld Software BV"
OVERDUE = "Example IT Services AB"
EXPIRED = "Example Telecom AB"
PURPOSE = "Operating and supporting the applications named in the agreement, including their user accounts."
SUBJECTS = "Employees; consultants; contractors"
CATEGORIES = "Name, work e-mail, phone, user name, device and sign-in data, support tickets"


def _slugs(supplier: str) -> tuple[str, ...]:
    return tuple(Application.objects.filter(supplier__name=supplier).order_by("slug").values_list("slug", flat=True))


def processors_demo_load(*, actor: Actor, today: date) -> dict[str, int]:
    """The three suppliers' agreements (those missing a supplier are skipped); their applications are marked as
    holding personal data. Returns how many agreements and announced sub-processors were made."""
    names = set(Supplier.objects.filter(name__in=(COMPLETE, OVERDUE, EXPIRED)).values_list("name", flat=True))
    for app in Application.objects.filter(supplier__name__in=names, holds_personal_data=False):
        application_update(application=app, actor=actor, holds_personal_data=True)
    responsible = (
        Person.objects.filter(department="IT", end_date__isnull=True)
        .order_by("employee_id")
        .values_list("employee_id", flat=True)
        .first()
        or ""
    )
    made = announced = 0
    if COMPLETE in names:
        agreement, _changed = processors.agreement_save(
            data=processors.AgreementInput(
                supplier=COMPLETE, title="Verwerkersovereenkomst", version="2.1", signed_on=add_months(today, -14),
                applications=_slugs(COMPLETE), purpose=PURPOSE, data_subjects=SUBJECTS, data_categories=CATEGORIES,
                retention="The length of the contract; deleted within 30 days of its end.",
                end_of_processing="return_and_delete", responsible_employee_id=responsible,
            ),
            actor=actor,
        )  # fmt: skip
        processors.agreement_document_add(
            agreement=agreement,
            upload=SimpleUploadedFile("verwerkersovereenkomst-2.1.pdf", b"%PDF-1.4 demo agreement"),
            version="2.1",
            actor=actor,
        )
        if not agreement.sub_processors.exists():
            processors.subprocessor_add(
                agreement=agreement, name="Example Hosting BV", country="NL", role="hosting",
                since=add_months(today, -14), actor=actor, today=today,
            )  # fmt: skip
            processors.subprocessor_add(
                agreement=agreement, name="Example Support Inc", country="US", role="third-line support",
                since=add_months(today, -6), actor=actor, today=today,
            )  # fmt: skip
            processors.transfer_add(
                agreement=agreement, country="US", recipient="Example Support Inc", safeguard="scc", actor=actor
            )
            processors.oversight_record(
                agreement=agreement, held_on=today - timedelta(days=80), method="certification", actor=actor,
                today=today, certification="ISO 27001", certification_expires=add_months(today, 20),
                findings="No deviations.", actions="",
            )  # fmt: skip
        made += 1
    if OVERDUE in names:
        agreement, _changed = processors.agreement_save(
            data=processors.AgreementInput(
                supplier=OVERDUE, title="Personuppgiftsbiträdesavtal", version="1.0",
                signed_on=add_months(today, -30), applications=_slugs(OVERDUE), purpose=PURPOSE,
                data_subjects=SUBJECTS, data_categories=CATEGORIES,
                special_categories="Sick leave notes in service desk tickets",
                retention="Tickets two years; accounts until the leaver's case completes.",
                responsible_employee_id=responsible,
            ),
            actor=actor,
        )  # fmt: skip
        if not agreement.sub_processors.exists():
            processors.subprocessor_add(
                agreement=agreement, name="Example Datacenter AB", country="SE", role="hosting",
                since=add_months(today, -30), actor=actor, today=today,
            )  # fmt: skip
            # Held 15 months ago, yearly: three months overdue; its certificate ran out a month ago.
            processors.oversight_record(
                agreement=agreement, held_on=add_months(today, -15), method="certification", actor=actor,
                today=today, certification="ISO 27001", certification_expires=add_months(today, -1),
                findings="Access reviews not documented.", actions="Quarterly access reviews from now on.",
            )  # fmt: skip
            supplier_side = Actor.system("demo: the supplier's portal")
            processors.subprocessor_add(
                agreement=agreement, name="Example Ticketing Ltd", country="GB", role="service desk tool",
                since=today + timedelta(days=30), actor=supplier_side, today=today - timedelta(days=25),
                announced=True,
            )  # fmt: skip
            announced += 1
        made += 1
    if EXPIRED in names:
        processors.agreement_save(
            data=processors.AgreementInput(
                supplier=EXPIRED, title="Data processing agreement", version="2019",
                signed_on=date(today.year - 6, 3, 1), valid_until=add_months(today, -2),
                applications=_slugs(EXPIRED), purpose=PURPOSE, data_subjects=SUBJECTS,
                data_categories="Name, phone number, call records",
            ),
            actor=actor,
        )  # fmt: skip
        made += 1
    return {"agreements": made, "announced": announced}
