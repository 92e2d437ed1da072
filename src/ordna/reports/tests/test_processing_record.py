"""The record of processing (article 30, docs/processors.md) in every form: the page, XLSX and PDF, the API, the
evidence pack; and the processors' gaps in the monthly follow-up. Every form reads the same rows."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from datetime import date

import pytest
from django.test import Client
from openpyxl import load_workbook

from ordna.applications.services import application_create
from ordna.conftest import TODAY, require_server
from ordna.core.actor import Actor
from ordna.core.models import Supplier
from ordna.core.services import token_create
from ordna.reports.selectors import monthly_report
from ordna.reports.services import evidence_pack_make
from ordna.suppliers import processors

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
SPECIAL = "Sjukfrånvaro \N{EN DASH} läkarintyg"  # Swedish letters and a dash, which the PDF's font must set


@pytest.fixture
def record() -> None:
    """CRM (Example IT Services AB) holds personal data under an agreement in force with a US sub-processor and its
    transfer; Telefoni (Example Telecom AB) holds personal data with no agreement at all."""
    it = Supplier.objects.create(name="Example IT Services AB")
    telecom = Supplier.objects.create(name="Example Telecom AB")
    application_create(slug="crm", name="CRM", actor=ACTOR, supplier_id=it.pk, holds_personal_data=True)
    application_create(slug="phone", name="Telefoni", actor=ACTOR, supplier_id=telecom.pk, holds_personal_data=True)
    application_create(slug="wiki", name="Wiki", actor=ACTOR, supplier_id=it.pk)
    agreement, _changed = processors.agreement_save(
        data=processors.AgreementInput(
            supplier=it.name, title="DPA", version="3", signed_on=date(2026, 2, 1), applications=("crm",),
            purpose="Customer contacts", data_subjects="Employees", data_categories="Name, e-mail",
            special_categories=SPECIAL,
        ),
        actor=ACTOR,
    )  # fmt: skip
    processors.subprocessor_add(
        agreement=agreement, name="Example Support Inc", country="US", role="support", since=None, actor=ACTOR,
        today=TODAY,
    )  # fmt: skip
    processors.transfer_add(
        agreement=agreement, country="US", recipient="Example Support Inc", safeguard="scc", actor=ACTOR
    )


def test_the_page_and_its_xlsx_and_pdf_show_the_same_record(record, make_user, tmp_path) -> None:
    client = Client()
    client.force_login(make_user("auditor"))
    page = client.get("/reports/processing-record/").content.decode()
    assert "CRM" in page and "Telefoni" in page and "Wiki" not in page
    assert (
        "Example Support Inc (US, support)" in page and "US: Standard contractual clauses (Example Support Inc)" in page
    )
    assert "Fill in what the data does not say" not in page  # the auditor reads only
    workbook = load_workbook(io.BytesIO(client.get("/reports/processing-record/?format=xlsx").content))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("Application", "Company", "Owner")
    assert [(r[0], r[8], r[9]) for r in rows[1:]] == [
        ("CRM", "Example IT Services AB", "DPA 3"),
        ("Telefoni", "Example Telecom AB", None),
    ]
    gaps = list(workbook.worksheets[1].iter_rows(values_only=True))
    assert gaps[1][:3] == (
        "Example Telecom AB",
        "Holds personal data, but its supplier has no agreement in force",
        "Telefoni",
    )
    pdf = client.get("/reports/processing-record/?format=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(
        [require_server("pdftotext"), "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Record of processing activities" in text and "Telefoni" in text and SPECIAL in text
    assert client.get("/reports/processing-record/?format=doc").status_code == 400


def test_the_api_gives_the_record_and_takes_what_the_data_does_not_say(record, make_user) -> None:
    token = token_create(user=make_user("coordinator"), actor=ACTOR)
    api = Client(headers={"Authorization": f"Bearer {token}"})
    rows = api.get("/api/v1/processing-record").json()
    assert [(r["slug"], r["agreement_in_force"]) for r in rows] == [("crm", True), ("phone", False)]
    answer = api.put("/api/v1/processing-record/crm", {"legal_basis": "Contract"}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["legal_basis"] == "Contract" and answer.json()["edited"]
    refused = api.put("/api/v1/processing-record/wiki", {"purpose": "x"}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["field"] == "slug"
    gaps = api.get("/api/v1/processors/gaps").json()
    assert [(g["kind"], g["application"]) for g in gaps] == [("no_agreement", "phone")]


def test_the_evidence_pack_holds_the_record_the_same_bytes_each_time(record) -> None:
    first = evidence_pack_make(
        start=date(2026, 9, 1), end=date(2026, 10, 31), sample=1, seed=3, actor=ACTOR, today=TODAY
    )
    again = evidence_pack_make(
        start=date(2026, 9, 1), end=date(2026, 10, 31), sample=1, seed=3, actor=ACTOR, today=TODAY
    )
    assert first.content == again.content
    pack = zipfile.ZipFile(io.BytesIO(first.content))
    assert json.loads(pack.read("manifest.json"))["processor_gaps"] == {"no_agreement": 1}
    sheet = load_workbook(io.BytesIO(pack.read("processing/record-of-processing.xlsx"))).worksheets[0]
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["CRM", "Telefoni"]
    assert pack.read("processing/record-of-processing.pdf").startswith(b"%PDF")


def test_the_monthly_follow_up_lists_the_processors_gaps(record) -> None:
    report = monthly_report(month=date(2026, 11, 1), today=TODAY)
    assert [(g.kind, g.subject) for g in report.processor_gaps] == [("no_agreement", "Telefoni")]
    from ordna.reports.documents import monthly_file

    workbook = load_workbook(io.BytesIO(monthly_file(report, "xlsx")))
    sheet = workbook["Processor gaps"]
    assert next(sheet.iter_rows(min_row=2, values_only=True))[:3] == (
        "Example Telecom AB",
        "Holds personal data, but its supplier has no agreement in force",
        "Telefoni",
    )
    assert "Gaps about processors of personal data" in monthly_file(report, "html").decode()
