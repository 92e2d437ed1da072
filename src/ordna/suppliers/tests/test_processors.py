"""Data-processing agreements end to end (docs/processors.md): the services refuse bad input naming the field,
a sub-processor the supplier announces is a decision for the coordinator with its deadline and is chased by the
reminders until decided, the processors file is all or nothing with row and column, and the record of processing
reads the agreements where nobody filled it in."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from ordna.applications.models import Application
from ordna.applications.services import application_create
from ordna.conftest import TODAY, hr_row
from ordna.core.actor import Actor
from ordna.core.management.base import InvalidInput
from ordna.core.models import Supplier
from ordna.notifications.sources import Directory, SourceContext, registered_sources
from ordna.suppliers import processors
from ordna.suppliers.models import ProcessingAgreement, SubProcessor
from ordna.suppliers.processing_record import record_rows
from ordna.suppliers.processors_import import processors_import
from ordna.suppliers.reminders import processor_items

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
HEADER = "supplier,title,signed_on,purpose,data_subjects,data_categories,applications,sub_processors,transfers\n"


@pytest.fixture
def crm(load_people) -> Application:
    load_people([hr_row("E1", "Ada", "Example")])
    supplier = Supplier.objects.create(name="Example IT Services AB")
    Supplier.objects.create(name="Voorbeeld Software BV")
    return application_create(slug="crm", name="CRM", actor=ACTOR, supplier_id=supplier.pk, holds_personal_data=True)


@pytest.fixture
def agreement(crm: Application) -> ProcessingAgreement:
    agreement, changed = processors.agreement_save(
        data=processors.AgreementInput(
            supplier="Example IT Services AB", title="DPA", signed_on=date(2026, 1, 10), applications=("crm",),
            purpose="Operating the CRM", data_subjects="Employees", data_categories="Name, e-mail",
            responsible_employee_id="E1", objection_days=14,
        ),
        actor=ACTOR,
    )  # fmt: skip
    assert changed
    return agreement


def test_saving_the_same_agreement_twice_changes_nothing_the_second_time(agreement: ProcessingAgreement) -> None:
    same = processors.AgreementInput(
        supplier="Example IT Services AB", title="DPA", signed_on=date(2026, 1, 10), applications=("crm",),
        purpose="Operating the CRM", data_subjects="Employees", data_categories="Name, e-mail",
        responsible_employee_id="E1", objection_days=14,
    )  # fmt: skip
    again, changed = processors.agreement_save(data=same, actor=ACTOR)
    assert again.pk == agreement.pk and not changed


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": " "}, "title"),
        ({"end_of_processing": "burn"}, "end_of_processing"),
        ({"oversight_interval_months": 0}, "oversight_interval_months"),
        ({"objection_days": 400}, "objection_days"),
        ({"valid_until": date(2025, 1, 1)}, "valid_until"),
        ({"signed_on": date(9999, 12, 1)}, "signed_on"),
        ({"applications": ("nope",)}, "applications"),
        ({"contracts": ("No such contract",)}, "contracts"),
        ({"responsible_employee_id": "E404"}, "responsible"),
    ],
)
def test_an_agreement_with_bad_input_is_refused_naming_the_field(crm, fields: dict, field: str) -> None:
    data = processors.AgreementInput(supplier="Example IT Services AB", title="DPA", signed_on=date(2026, 1, 10))
    with pytest.raises(processors.ProcessorError) as refused:
        processors.agreement_save(data=processors.AgreementInput(**{**data.__dict__, **fields}), actor=ACTOR)
    assert refused.value.field == field
    assert not ProcessingAgreement.objects.exists()


def test_a_transfer_inside_the_eea_and_an_oversight_in_the_future_are_refused(agreement) -> None:
    with pytest.raises(processors.ProcessorError) as inside:
        processors.transfer_add(agreement=agreement, country="nl", recipient="", safeguard="scc", actor=ACTOR)
    assert inside.value.field == "country" and "NL is in the EU/EEA" in str(inside.value)
    with pytest.raises(processors.ProcessorError) as safeguard:
        processors.transfer_add(agreement=agreement, country="US", recipient="", safeguard="hope", actor=ACTOR)
    assert safeguard.value.field == "safeguard"
    with pytest.raises(processors.ProcessorError) as future:
        processors.oversight_record(
            agreement=agreement, held_on=TODAY + timedelta(days=1), method="audit", actor=ACTOR, today=TODAY
        )
    assert future.value.field == "held_on"
    with pytest.raises(processors.ProcessorError) as certificate:
        processors.oversight_record(
            agreement=agreement, held_on=TODAY, method="certification", certification="ISO 27001", actor=ACTOR,
            today=TODAY,
        )  # fmt: skip
    assert certificate.value.field == "certification"


def items_on(today: date, horizon: date | None = None) -> list:
    return list(processor_items(SourceContext(today=today, horizon=horizon or today, directory=Directory())))


def test_the_oversight_is_announced_30_days_ahead_then_chased_until_recorded(agreement) -> None:
    assert registered_sources()["suppliers.processors"] is processor_items
    # Signed 2026-01-10, yearly: due Sunday 2027-01-10, announced on the first business day from 2026-12-11.
    assert items_on(date(2026, 12, 10)) == []
    (announced,) = items_on(date(2026, 12, 11))
    assert (announced.kind, announced.due, announced.url) == (
        "processor_oversight", date(2026, 12, 11), f"/processors/{agreement.pk}/"
    )  # fmt: skip
    assert items_on(date(2026, 12, 14)) == []
    (overdue,) = items_on(date(2027, 1, 20))
    assert overdue.due == date(2027, 1, 10) and overdue.key == f"oversight:{agreement.pk}:2027-01-10"
    processors.oversight_record(
        agreement=agreement, held_on=date(2027, 1, 20), method="questionnaire", actor=ACTOR, today=date(2027, 1, 20)
    )
    assert items_on(date(2027, 1, 21)) == []  # next due 2028-01-20


def test_a_sub_processor_announced_in_the_portal_is_a_decision_with_its_deadline(agreement, make_user) -> None:
    # Given the supplier's own user in its portal,
    supplier_user = make_user("supplier", supplier=agreement.supplier)
    portal = Client()
    portal.force_login(supplier_user)
    page = portal.get(reverse("suppliers:agreement_detail", kwargs={"pk": agreement.pk})).content.decode()
    assert "Announce a sub-processor" in page and "Record the oversight" not in page
    # when it announces a sub-processor,
    answer = portal.post(
        reverse("suppliers:agreement_subprocessor_add", kwargs={"pk": agreement.pk}),
        {"name": "Example Hosting Ltd", "country": "gb", "role": "hosting"},
    )
    assert answer.status_code == 302
    sub = SubProcessor.objects.get()
    # then it waits for the coordinator's decision, within the agreement's 14 days,
    assert (sub.status, sub.country, sub.decide_by) == ("proposed", "GB", TODAY + timedelta(days=14))
    assert sub.announced_by == supplier_user.username
    coordinator = Client()
    coordinator.force_login(make_user("coordinator"))
    page = coordinator.get(reverse("suppliers:agreement_detail", kwargs={"pk": agreement.pk})).content.decode()
    assert "Example Hosting Ltd" in page and "decide by 2026-11-30" in page and "Record the decision" in page
    gaps = coordinator.get(reverse("home:dashboard")).content.decode()
    assert "Sub-processor to decide" in gaps
    # the reminders announce it today and chase it from just before its date until it is decided,
    (announced,) = [i for i in items_on(TODAY) if i.kind == "subprocessor_decision"]
    assert (announced.key, announced.due) == (f"subprocessor:{sub.pk}", TODAY)
    assert [i for i in items_on(TODAY + timedelta(days=1)) if i.kind == "subprocessor_decision"] == []
    (late,) = [i for i in items_on(date(2026, 12, 2)) if i.kind == "subprocessor_decision"]
    assert late.due == date(2026, 11, 30)
    # and an objection needs a reason, an acceptance stops the reminders.
    decide = reverse("suppliers:subprocessor_decide", kwargs={"pk": sub.pk})
    coordinator.post(decide, {"decision": "object", "reason": ""})
    sub.refresh_from_db()
    assert sub.status == "proposed"
    coordinator.post(decide, {"decision": "accept"})
    sub.refresh_from_db()
    assert sub.status == "accepted" and sub.decided_by
    assert [i for i in items_on(date(2026, 12, 2)) if i.kind == "subprocessor_decision"] == []


def test_the_supplier_uploads_a_new_version_of_its_agreement(agreement, make_user) -> None:
    portal = Client()
    portal.force_login(make_user("supplier", supplier=agreement.supplier))
    portal.post(
        reverse("suppliers:agreement_document_add", kwargs={"pk": agreement.pk}),
        {"document": SimpleUploadedFile("dpa-v2.pdf", b"%PDF-1.4 v2"), "version": "2.0"},
    )
    agreement.refresh_from_db()
    (document,) = agreement.documents.all()
    assert (agreement.version, document.version, document.by_supplier) == ("2.0", "2.0", True)
    download = portal.get(
        reverse("suppliers:agreement_document", kwargs={"pk": agreement.pk, "document_pk": document.pk})
    )
    assert b"".join(download.streaming_content) == b"%PDF-1.4 v2"


def test_the_processors_file_is_applied_whole_and_a_second_time_changes_nothing(crm, tmp_path) -> None:
    path = tmp_path / "processors.csv"
    path.write_text(
        HEADER + "Example IT Services AB,DPA,2026-01-10,Operating,Employees,Name,crm,Example Hosting/SE/hosting;"
        "Example Support/US/support,US/scc/Example Support\n"
        "Voorbeeld Software BV,Verwerkersovereenkomst,2025-06-01,Hosting,Employees,Name,,,\n",
        encoding="utf-8",
    )
    result = processors_import(path=path, actor=ACTOR, today=TODAY)
    assert (result.outcome, result.created, result.updated, result.unchanged) == ("applied", 2, 0, 0)
    dpa = ProcessingAgreement.objects.get(title="DPA")
    assert sorted(dpa.sub_processors.values_list("name", "country", "status")) == [
        ("Example Hosting", "SE", "accepted"),
        ("Example Support", "US", "accepted"),
    ]
    assert list(dpa.transfers.values_list("country", "safeguard", "recipient")) == [("US", "scc", "Example Support")]
    again = processors_import(path=path, actor=ACTOR, today=TODAY)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("Example IT Services AB,DPA,2026-13-01,Operating,Employees,Name,crm,,", "signed_on"),
        ("Example IT Services AB,DPA,,Operating,Employees,Name,crm,,", "signed_on"),
        ("Example IT Services AB,DPA,2026-01-10,Operating,Employees,Name,nope,,", "applications"),
        ("Example IT Services AB,DPA,2026-01-10,Operating,Employees,Name,crm,Example Hosting,", "sub_processors"),
        (
            "Example IT Services AB,DPA,2026-01-10,Operating,Employees,Name,crm,Example Hosting/Sweden,",
            "sub_processors",
        ),
        ("Example IT Services AB,DPA,2026-01-10,Operating,Employees,Name,crm,,DE/scc", "transfers"),
        ("Example IT Services AB,DPA,2026-01-10,Operating,Employees,Name,crm,,US/trust", "transfers"),
        ("Example IT Services AB, ,2026-01-10,Operating,Employees,Name,crm,,", "title"),
    ],
)
def test_a_bad_processors_file_is_rejected_with_row_and_column_and_nothing_applied(
    crm, tmp_path, row: str, column: str
) -> None:
    path = tmp_path / "processors.csv"
    path.write_text(HEADER + "Voorbeeld Software BV,Good,2025-06-01,Hosting,Employees,Name,,,\n" + row + "\n")
    result = processors_import(path=path, actor=ACTOR, today=TODAY)
    assert result.outcome == "rejected"
    assert [(e.row, e.column) for e in result.errors] == [(3, column)]
    assert not ProcessingAgreement.objects.exists() and not SubProcessor.objects.exists()


def test_the_command_line_import_exits_with_row_and_column(crm, tmp_path) -> None:
    path = tmp_path / "processors.csv"
    path.write_text(HEADER + "Example IT Services AB,DPA,2026-01-10,Operating,Employees,Name,crm,X/Sweden,\n")
    err = io.StringIO()
    with pytest.raises(InvalidInput) as failed:
        call_command("import", "processors", str(path), stderr=err)
    assert "nothing was imported" in str(failed.value)
    assert "row 2, column sub_processors" in err.getvalue()
    path.write_text(HEADER + "Example IT Services AB,DPA,2026-01-10,Operating,Employees,Name,crm,,\n")
    out = io.StringIO()
    call_command("import", "processors", str(path), stdout=out)
    assert out.getvalue().strip() == "processors: 1 created, 0 updated, 0 unchanged"


def test_the_record_of_processing_reads_the_agreements_where_nobody_filled_it_in(agreement, crm) -> None:
    processors.subprocessor_add(
        agreement=agreement, name="Example Support", country="US", role="support", since=None, actor=ACTOR, today=TODAY
    )
    (row,) = record_rows(Application.objects.all(), today=TODAY)
    assert (row["application"], row["purpose"], row["data_subjects"], row["processor"]) == (
        "CRM", "Operating the CRM", "Employees", "Example IT Services AB"
    )  # fmt: skip
    assert row["agreement_in_force"] is True and row["agreement_signed"] == date(2026, 1, 10)
    assert row["sub_processors"] == "Example Support (US, support)"
    assert row["transfers"] == "US: no safeguard recorded"
    assert row["legal_basis"] == "" and row["edited"] is False
    processors.processing_activity_save(
        application=crm, values={"purpose": "Customer contacts", "legal_basis": "Contract (6.1.b)"}, actor=ACTOR
    )
    (row,) = record_rows(Application.objects.all(), today=TODAY)
    assert (row["purpose"], row["legal_basis"], row["edited"]) == ("Customer contacts", "Contract (6.1.b)", True)
    with pytest.raises(processors.ProcessorError) as unknown:
        processors.processing_activity_save(application=crm, values={"colour": "red"}, actor=ACTOR)
    assert unknown.value.field == "colour"
    # An application without personal data is not in the record.
    Application.objects.filter(pk=crm.pk).update(holds_personal_data=False)
    assert record_rows(Application.objects.all(), today=TODAY) == []
