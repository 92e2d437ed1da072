"""The review agenda's personal data section (docs/processors.md): the supplier's gaps, and only its own."""

from __future__ import annotations

from datetime import date

import pytest

from ordna.applications.services import application_create
from ordna.conftest import TODAY
from ordna.core.actor import Actor
from ordna.core.models import Supplier
from ordna.reviews import selectors
from ordna.suppliers import processors

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


def test_the_agenda_lists_the_suppliers_missing_expired_and_overdue_items() -> None:
    # Given Example IT Services AB's agreement signed two years ago and never overseen, with a sub-processor it
    # announced, and its CRM holding personal data under an agreement that expired last month,
    supplier = Supplier.objects.create(name="Example IT Services AB")
    other = Supplier.objects.create(name="Voorbeeld Software BV")
    application_create(slug="crm", name="CRM", actor=ACTOR, supplier_id=supplier.pk, holds_personal_data=True)
    application_create(slug="erp", name="ERP", actor=ACTOR, supplier_id=other.pk, holds_personal_data=True)
    agreement, _changed = processors.agreement_save(
        data=processors.AgreementInput(supplier=supplier.name, title="DPA workplace", signed_on=date(2024, 11, 1)),
        actor=ACTOR,
    )
    processors.agreement_save(
        data=processors.AgreementInput(
            supplier=supplier.name, title="DPA CRM", signed_on=date(2023, 1, 1), valid_until=date(2026, 10, 31),
            applications=("crm",),
        ),
        actor=ACTOR,
    )  # fmt: skip
    processors.subprocessor_add(
        agreement=agreement, name="Example Hosting", country="SE", role="", since=None, actor=ACTOR, today=TODAY,
        announced=True,
    )  # fmt: skip
    # when a review is planned with it, its agenda has them in a section of their own,
    agenda = selectors.review_agenda(supplier=supplier, today=TODAY)
    section = agenda.split("Personal data: agreements, oversight and sub-processors\n")[1].split("\n\n")[0]
    assert section.splitlines() == [
        "- Holds personal data, but its supplier has no agreement in force: CRM (since 2026-10-31)",
        "- Agreement expired: DPA CRM (since 2026-10-31)",
        "- Oversight overdue: DPA workplace (due 2025-11-01)",
        "- Sub-processor to decide: DPA workplace: Example Hosting (due 2026-12-16)",
    ]
    # and another supplier's (ERP, with no agreement) is not in it.
    assert "ERP" not in agenda
    assert "ERP" in selectors.review_agenda(supplier=other, today=TODAY)
