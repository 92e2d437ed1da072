"""The reports against an organisation whose figures are known (see conftest): the figures equal what the
data says, in every format; the XLSX opens, the PDF renders with its charts; the evidence pack is
reproducible and its making writes nothing but an audit event; the monthly mail goes out once."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from ordna.conftest import TODAY, require_server
from ordna.core.actor import Actor
from ordna.core.models import AuditEvent
from ordna.core.services import token_create
from ordna.reports import documents, selectors
from ordna.reports.models import EvidencePackRequest, MonthlyMailing
from ordna.reports.services import ReportError, evidence_pack_make, monthly_mail_send
from ordna.reports.tasks import evidence_pack_build_job
from ordna.reports.tests.packs import evidence_pack_through_api

pytestmark = pytest.mark.django_db
OCTOBER, NOVEMBER = date(2026, 10, 1), date(2026, 11, 1)


def test_october_figures_equal_what_the_data_says(org) -> None:
    report = selectors.monthly_report(month=OCTOBER, today=TODAY)
    assert report.as_of == date(2026, 10, 31)
    assert (report.figures.leavers, report.figures.on_time, report.figures.still_open) == (2, 1, 1)
    assert [(r.employee_id, r.on_time, r.deviation) for r in report.leavers] == [("L1", True, 0), ("L2", False, 26)]
    assert report.by_party == [("Exempel IT AB", 2.5, 2), ("HR", 0.0, 1)]
    # The laptop due Friday 9 October is still out at the month's end: 15 business days.
    assert [(r.employee_id, r.subject, r.days_overdue) for r in report.devices_not_returned] == [("L2", "LT-9", 15)]
    assert [r.subject for r in report.worst_overdue] == ["LT-9"]
    # The findings opened on 16 November: nothing of them was live at the end of October.
    assert report.remaining == {} and report.waste_month == {}
    trend = {t.month: (t.leavers, t.on_time) for t in report.trend}
    assert trend[date(2026, 9, 1)] == (1, 1) and trend[OCTOBER] == (2, 1) and len(trend) == 12


def test_november_shows_what_remains_today(org) -> None:
    report = selectors.monthly_report(month=NOVEMBER, today=TODAY)
    assert report.as_of == TODAY and report.figures.leavers == 0
    assert report.remaining["leaver_active"] == 1 and report.remaining["orphan"] == 1
    assert "dormant" not in report.remaining
    assert report.waste_month == {"SEK": Decimal("300.00")} and report.waste_year == {"SEK": Decimal("3600.00")}
    assert [r["account"] for r in report.leaver_active_accounts] == ["l1"]
    assert sorted(r["account"] for r in report.waste_list) == ["ghost", "l1", "l2"]
    assert report.findings_opened["license_waste"] == 3
    assert [r.subject for r in report.devices_not_returned] == ["LT-9"]


def test_the_waste_trend_follows_when_findings_opened(org) -> None:
    from ordna.accounts.models import Finding

    Finding.objects.filter(kind="license_waste", account__key="l2").update(since=date(2026, 9, 20))
    trend = {t.month: t.waste for t in selectors.monthly_report(month=NOVEMBER, today=TODAY).trend}
    assert trend[date(2026, 8, 1)] == {} and trend[date(2026, 9, 1)] == {"SEK": Decimal("100.00")}
    assert trend[NOVEMBER] == {"SEK": Decimal("300.00")}


def test_the_xlsx_opens_with_the_same_figures_and_escapes_formulas(org) -> None:
    from ordna.people.models import Person

    Person.objects.filter(employee_id="L1").update(department="=HYPERLINK(1)")
    report = selectors.monthly_report(month=OCTOBER, today=TODAY)
    workbook = load_workbook(io.BytesIO(documents.monthly_xlsx(report)))
    summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(values_only=True)}
    assert summary["Leavers (last day in the month)"] == "2"
    assert summary["Closed on time (every line by its due date)"] == "1 (50 %)"
    leavers = list(workbook["Leavers"].iter_rows(values_only=True))
    assert leavers[1][:3] == ("L1", "Åsa Öberg", "'=HYPERLINK(1)")
    assert len(list(workbook["Trend"].iter_rows())) == 13


def _pdf_text(content: bytes, tmp_path) -> str:
    pdftotext = require_server("pdftotext")
    path = tmp_path / "r.pdf"
    path.write_bytes(content)
    return subprocess.run([pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


DASHED = "Försäljning \N{EN DASH} Öst"  # a dash and Swedish letters, which Helvetica could not set


def test_the_pdf_renders_with_its_charts_and_every_character(org, tmp_path) -> None:
    from ordna.people.models import Person

    Person.objects.filter(employee_id="L1").update(department=DASHED)
    content = documents.monthly_pdf(selectors.monthly_report(month=OCTOBER, today=TODAY))
    assert content.startswith(b"%PDF")
    text = _pdf_text(content, tmp_path)
    assert "Monthly follow-up 2026-10" in text and "Åsa Öberg (L1)" in text and "Joost van der Berg" in text
    assert DASHED in text and "?" not in text
    assert "Exempel IT AB" in text  # a chart's label or its table
    pdftoppm = require_server("pdftoppm")
    subprocess.run(
        [pdftoppm, "-r", "40", "-png", "-f", "1", "-l", "1", str(tmp_path / "r.pdf"), str(tmp_path / "p")], check=True
    )
    from PIL import Image

    [page] = list(tmp_path.glob("p*.png"))
    colours = Image.open(page).convert("RGB").getcolors(maxcolors=1 << 16) or []
    # The charts' blue bars are drawn on page 1.
    assert any(b > 120 and r < 90 and g < 140 for _count, (r, g, b) in colours)


def test_the_licence_report(org, tmp_path) -> None:
    [crm] = selectors.licence_report(today=TODAY)
    assert (crm.application, crm.license, crm.seats, crm.assigned) == ("crm", "Pro", 10, 4)
    assert (crm.to_leavers, crm.to_disabled, crm.to_orphans, crm.unused_seats) == (2, 0, 1, 6)
    assert (crm.waste_per_month, crm.cost_per_month) == (Decimal("300.00"), Decimal("1000.00"))
    sheet = load_workbook(io.BytesIO(documents.licences_file([crm], "xlsx", today=TODAY))).active
    assert list(sheet.iter_rows(values_only=True))[1][:4] == ("crm", "Pro", 10, 4)
    crm.application = DASHED
    text = _pdf_text(documents.licences_file([crm], "pdf", today=TODAY), tmp_path)
    assert "300" in text and DASHED in text and "?" not in text


def test_the_evidence_pack_is_the_same_for_the_same_seed(org) -> None:
    actor = Actor.system("test")
    first = evidence_pack_make(
        start=date(2026, 9, 1), end=date(2026, 10, 31), sample=2, seed=7, actor=actor, today=TODAY
    )
    again = evidence_pack_make(
        start=date(2026, 9, 1), end=date(2026, 10, 31), sample=2, seed=7, actor=actor, today=TODAY
    )
    assert first.content == again.content and first.seed == 7 and first.leavers == 3
    pack = zipfile.ZipFile(io.BytesIO(first.content))
    manifest = json.loads(pack.read("manifest.json"))
    assert manifest["seed"] == 7 and manifest["sampled"] == first.sampled and len(first.sampled) == 2
    names = set(pack.namelist())
    assert {"leavers.csv", "sample.csv"} <= names
    assert {n for n in names if n.startswith("certificates/")} == {
        f"certificates/{eid}-{org['cases'][eid].effective_date}.pdf" for eid in first.sampled
    }
    leavers = pack.read("leavers.csv").decode().splitlines()
    assert leavers[0].startswith("employee_id,name,department,last_day,status,completed_on")
    l2 = next(row for row in leavers if row.startswith("L2,"))
    assert ",False,26," in l2  # not on time; 26 business days late: the laptop is still out today
    others = {
        tuple(
            evidence_pack_make(
                start=date(2026, 9, 1), end=date(2026, 10, 31), sample=1, seed=s, actor=actor, today=TODAY
            ).sampled
        )
        for s in range(10)
    }
    assert len(others) > 1  # the seed decides


def test_bad_evidence_input_is_refused_with_the_value(org) -> None:
    actor = Actor.system("test")
    with pytest.raises(ReportError, match=r"ends \(2026-09-01\) before it starts"):
        evidence_pack_make(start=date(2026, 10, 1), end=date(2026, 9, 1), sample=1, seed=1, actor=actor, today=TODAY)
    with pytest.raises(ReportError, match=r"Sample size 0"):
        evidence_pack_make(start=date(2026, 9, 1), end=date(2026, 10, 1), sample=0, seed=1, actor=actor, today=TODAY)


def test_an_auditor_making_the_pack_writes_only_an_audit_event(org, make_user) -> None:
    client = Client()
    client.force_login(make_user("auditor"))
    asked = client.post("/reports/evidence/", {"start": "2026-09-01", "end": "2026-10-31", "sample": "2", "seed": "11"})
    assert asked.status_code == 302 and asked["Location"] == "/reports/evidence/"
    [pack] = EvidencePackRequest.objects.all()
    before = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as queries:
        evidence_pack_build_job.call_local(pack.pk)
    # executemany is recorded as "N times: INSERT ...".
    statements = [re.sub(r"^(\d+|\?) times: ", "", q["sql"]) for q in queries.captured_queries]
    writes = [sql for sql in statements if sql.split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE", "REPLACE")]
    # The event, the chain's head it moves, and the pack's own state (claimed, then ready).
    assert writes and all(
        '"core_auditevent"' in sql or '"core_auditchainhead"' in sql or '"reports_evidencepackrequest"' in sql
        for sql in writes
    ), writes
    assert sum('"reports_evidencepackrequest"' in sql for sql in writes) == 2
    event = AuditEvent.objects.order_by("-seq").first()
    assert AuditEvent.objects.count() == before + 1 and event.action == "report.evidence"
    assert event.after["seed"] == 11 and event.after["leavers"] == 3
    assert event.actor_label == "auditor1"  # the one who asked for it, not the worker
    response = client.get(f"/reports/evidence/{pack.pk}/download/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["X-Ordna-Seed"] == "11" and "evidence-seed-11.zip" in response["Content-Disposition"]


def test_the_web_pages_and_downloads(org, make_user) -> None:
    client = Client()
    client.force_login(make_user("coordinator"))
    page = client.get("/reports/monthly/?month=2026-10")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Monthly follow-up 2026-10" in html and html.count("<svg") >= 3 and "<table" in html
    assert client.get("/reports/monthly/?month=2026-13").status_code == 200  # the error is shown on the page
    assert (
        "Give the month as YYYY-MM, for example 2026-10, not &#x27;2026-13&#x27;."
        in client.get("/reports/monthly/?month=2026-13").content.decode()
    )
    assert client.get("/reports/monthly/?month=2026-10&format=doc").status_code == 400
    for fmt, start in (("pdf", b"%PDF"), ("xlsx", b"PK"), ("html", b"<!doctype html>")):
        response = client.get(f"/reports/monthly/?month=2026-10&format={fmt}")
        assert response.status_code == 200 and response.content.startswith(start), fmt
    assert client.get("/reports/licenses/").status_code == 200
    assert client.get("/reports/licenses/?format=xlsx").content.startswith(b"PK")
    dashboard = client.get("/reports/")
    text = dashboard.content.decode()
    # The laptop line of L2 is the open work: the manager's, and a device outstanding.
    assert dashboard.status_code == 200 and "Open and overdue lines by responsible party" in text
    assert '<th scope="row">Manager</th><td class="num">1</td><td class="num">1</td>' in text
    assert "Devices outstanding" in text and "Licence waste" in text
    bad = client.post("/reports/evidence/", {"start": "2026-10-01", "end": "soon", "sample": "2"})
    assert bad.status_code == 200 and "To: soon is not a date" in bad.content.decode()


def test_the_api_gives_the_same_figures(org, make_user) -> None:
    token = token_create(user=make_user("auditor"), actor=Actor.system("test"))
    client = Client(headers={"Authorization": f"Bearer {token}"})
    body = client.get("/api/v1/reports/monthly?month=2026-11").json()
    assert body["leaver_active_accounts"] == 1 and body["license_waste_per_month"] == {"SEK": "300.00"}
    assert body["license_waste_per_year"] == {"SEK": "3600.00"} and body["devices_not_returned"] == 1
    october = client.get("/api/v1/reports/monthly?month=2026-10").json()
    assert (october["leavers"], october["on_time"], october["share_on_time"]) == (2, 1, 0.5)
    assert client.get("/api/v1/reports/monthly?month=10-2026").status_code == 400
    assert client.get("/api/v1/reports/monthly?month=2026-10&format=pdf").content.startswith(b"%PDF")
    [crm] = client.get("/api/v1/reports/licenses").json()
    assert crm["to_leavers"] == 2 and crm["waste_per_month"] == "300.00"
    state, _ = evidence_pack_through_api(client, {"start": "2026-09-01", "end": "2026-10-31", "sample": 1, "seed": 5})
    assert (state["seed"], state["leavers"], state["requested_by"]) == (5, 3, "auditor1")
    refused = client.post(
        "/api/v1/reports/evidence",
        data={"start": "2026-09-01", "end": "2026-10-31", "sample": 0},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "Sample size 0" in refused.json()["detail"]


def test_the_command_line(org, tmp_path, capsys) -> None:
    out = tmp_path / "october.xlsx"
    call_command("report", "monthly", "--month", "2026-10", "--format", "xlsx", "-o", str(out))
    assert load_workbook(out)["Summary"]["B2"].value == "2026-10"
    call_command("report", "licenses", "--format", "pdf", "-o", str(tmp_path / "l.pdf"))
    assert (tmp_path / "l.pdf").read_bytes().startswith(b"%PDF")
    call_command(
        "report",
        "evidence",
        "--from",
        "2026-09-01",
        "--to",
        "2026-10-31",
        "--sample",
        "2",
        "--seed",
        "3",
        "-o",
        str(tmp_path / "e.zip"),
    )
    assert "seed 3" in capsys.readouterr().out
    first = (tmp_path / "e.zip").read_bytes()
    call_command(
        "report",
        "evidence",
        "--from",
        "2026-09-01",
        "--to",
        "2026-10-31",
        "--sample",
        "2",
        "--seed",
        "3",
        "-o",
        str(tmp_path / "e.zip"),
    )
    assert (tmp_path / "e.zip").read_bytes() == first
    with pytest.raises(
        CommandError, match=r"--month: Give the month as YYYY-MM, for example 2026-10, not '2026-1'\."
    ) as error:
        call_command("report", "monthly", "--month", "2026-1", "-o", str(tmp_path / "x.html"))
    assert error.value.returncode == 2  # a month that is no month is wrong usage, as argparse's errors are
    with pytest.raises(CommandError, match=r"Sample size 0") as error:
        call_command(
            "report",
            "evidence",
            "--from",
            "2026-09-01",
            "--to",
            "2026-10-31",
            "--sample",
            "0",
            "-o",
            str(tmp_path / "x.zip"),
        )
    assert error.value.returncode == 1


def test_the_ordna_command_exits_2_on_wrong_usage(tmp_path) -> None:
    ordna = Path(sys.executable).with_name("ordna")
    completed = subprocess.run(
        [ordna, "report", "monthly", "--format", "doc", "-o", str(tmp_path / "x")], capture_output=True, check=False
    )
    assert completed.returncode == 2


def test_the_monthly_mail_goes_out_once_on_the_first_business_day(
    org, settings, django_capture_on_commit_callbacks
) -> None:
    settings.ORDNA_REPORT_RECIPIENTS = ["cio@example.se", "it@example.se"]
    actor = Actor.system("test")
    # Tuesday 1 December 2026 is a business day in Sweden: November's report goes out.
    with time_machine.travel(datetime(2026, 12, 1, 7, 0, tzinfo=ZoneInfo("Europe/Stockholm")), tick=False):
        with django_capture_on_commit_callbacks(execute=True):  # the mail leaves after commit
            mailing = monthly_mail_send(today=date(2026, 12, 1), actor=actor)
        assert mailing is not None and mailing.month == NOVEMBER
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["cio@example.se", "it@example.se"] and "2026-11" in message.subject
    assert [name for name, _content, _type in message.attachments] == [
        "ordna-monthly-2026-11.pdf",
        "ordna-monthly-2026-11.xlsx",
    ]
    assert "Licence waste per month: 300.00 SEK" in message.body
    assert MonthlyMailing.objects.get().sent_at is not None
    assert monthly_mail_send(today=date(2026, 12, 1), actor=actor) is None  # a second run sends nothing
    assert monthly_mail_send(today=date(2026, 12, 2), actor=actor) is None  # nor the day after
    assert len(mail.outbox) == 1


def test_no_mail_without_recipients_or_off_the_first_business_day(
    org, settings, django_capture_on_commit_callbacks
) -> None:
    actor = Actor.system("test")
    settings.ORDNA_REPORT_RECIPIENTS = []
    assert monthly_mail_send(today=date(2026, 12, 1), actor=actor) is None
    settings.ORDNA_REPORT_RECIPIENTS = ["cio@example.se"]
    # 1 November 2026 is a Sunday: the first business day is Monday the 2nd.
    assert monthly_mail_send(today=date(2026, 11, 1), actor=actor) is None
    with django_capture_on_commit_callbacks(execute=True):
        assert monthly_mail_send(today=date(2026, 11, 2), actor=actor) is not None
    assert len(mail.outbox) == 1 and "2026-10" in mail.outbox[0].subject


def test_the_schedule_runs_the_mailing(org, settings, django_capture_on_commit_callbacks) -> None:
    from ordna.reports.tasks import monthly_report_mail

    settings.ORDNA_REPORT_RECIPIENTS = ["cio@example.se"]
    with time_machine.travel(datetime(2026, 12, 1, 7, 0, tzinfo=ZoneInfo("Europe/Stockholm")), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert monthly_report_mail.call_local() == "2026-11-01"
        assert monthly_report_mail.call_local() is None
    assert len(mail.outbox) == 1
