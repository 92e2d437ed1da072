"""Reports per company and the group report (issue 19): the same selectors with a company filter, so the
companies of the group add up to the group, on every surface (the page, the API, the workbook, the command line).

The organisation of the cross-surface test, its people spread over three companies: Sweden (the manager, Åsa
Öberg who left in September), the Netherlands (Anna Active and Lars Later, who left in September) and a third
(Lena Last, who left in November); the default company keeps nobody, and the orphaned account in the shared EU
application belongs to no company.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from ordna.conftest import TODAY
from ordna.core.actor import Actor
from ordna.core.companies import company_save, user_companies_set
from ordna.core.models import Company
from ordna.core.services import token_create
from ordna.reports import selectors
from ordna.reports.by_company import CompanyRow, group_report
from ordna.reports.tests.test_cross_surface import NOVEMBER, SEPTEMBER, history  # noqa: F401

pytestmark = pytest.mark.django_db
MEMBERS = {"se": ("M1", "L1"), "nl": ("A1", "L2"), "x": ("L3",)}


@pytest.fixture
def group(request: pytest.FixtureRequest, actor: Actor) -> dict[str, Company]:
    from ordna.people.models import Person

    request.getfixturevalue("history")
    companies = {
        "se": company_save(actor=actor, code="se", name="Bemanning Sverige AB", country="SE"),
        "nl": company_save(actor=actor, code="nl", name="Uitzend Nederland BV", country="NL"),
        "x": company_save(actor=actor, code="x", name="Example Consulting Ltd"),
    }
    # Given: each person in their company, as an HR file's company column would put them.
    for code, employee_ids in MEMBERS.items():
        Person.objects.filter(employee_id__in=employee_ids).update(company=companies[code])
    return companies


def _figures(row: CompanyRow) -> tuple[Any, ...]:
    return (
        row.figures.leavers,
        row.figures.on_time,
        row.at.leaver_accounts_active,
        row.at.overdue_lines,
        row.at.devices_not_returned,
    )


def _added(rows: list[CompanyRow]) -> tuple[tuple[int, ...], dict[str, Decimal]]:
    counts = tuple(sum(values) for values in zip(*(_figures(r) for r in rows), strict=True))
    money: dict[str, Decimal] = {}
    for row in rows:
        for currency, amount in row.at.licence_waste.items():
            money[currency] = money.get(currency, Decimal(0)) + amount
    return counts, money


@pytest.mark.parametrize("month", [SEPTEMBER, NOVEMBER])
def test_the_companies_add_up_to_the_group(group: dict[str, Company], month: date) -> None:
    report = group_report(month=month, today=TODAY)
    whole = selectors.monthly_report(month=month, today=TODAY)
    # The group's row is the monthly follow-up of the whole group ...
    assert _figures(report.group) == (
        whole.figures.leavers,
        whole.figures.on_time,
        whole.at.leaver_accounts_active,
        whole.at.overdue_lines,
        whole.at.devices_not_returned,
    )
    assert report.group.at.licence_waste == whole.at.licence_waste
    # ... and the companies' rows (with the rest: the orphan of the shared EU application) add up to it.
    counts, money = _added(report.companies)
    assert counts == _figures(report.group)
    assert money == report.group.at.licence_waste
    names = [row.name for row in report.companies]
    assert names[:4] == ["Bemanning Sverige AB", "Example Consulting Ltd", "Group", "Uitzend Nederland BV"]
    # Each company's row is its own monthly follow-up.
    for code in MEMBERS:
        own = selectors.monthly_report(month=month, today=TODAY, company=group[code].pk)
        row = next(r for r in report.companies if r.code == code)
        assert (own.figures.leavers, own.at.overdue_lines, own.at.licence_waste) == (
            row.figures.leavers,
            row.at.overdue_lines,
            row.at.licence_waste,
        )


def test_september_by_company(group: dict[str, Company]) -> None:
    report = group_report(month=SEPTEMBER, today=TODAY)
    rows = {row.code: row for row in report.companies}
    # Åsa (Sweden) and Lars (the Netherlands) left in September; Lena (x) in November.
    assert (rows["se"].figures.leavers, rows["nl"].figures.leavers, rows["x"].figures.leavers) == (1, 1, 0)
    assert rows["group"].figures.leavers == 0
    # The orphan's Std licence (10 EUR) is wasted in the shared application: the rest's row, nobody's company.
    assert rows[""].at.licence_waste == {"EUR": Decimal("10.00")}
    assert "EUR" not in rows["se"].at.licence_waste


def test_the_group_report_as_page_api_workbook_and_command(
    group: dict[str, Company], make_user: Any, tmp_path: Any
) -> None:
    from django.core.management import call_command

    coordinator = make_user("coordinator")
    client = Client()
    client.force_login(coordinator)
    page = client.get("/reports/group/?month=2026-09")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Bemanning Sverige AB" in html and "Uitzend Nederland BV" in html
    token = token_create(user=coordinator, actor=Actor.system("test"))
    api = Client(headers={"Authorization": f"Bearer {token}"})
    body = api.get("/api/v1/reports/group?month=2026-09").json()
    by_code = {row["company"]: row for row in body["companies"]}
    assert (by_code["se"]["leavers"], by_code["nl"]["leavers"], body["group"]["leavers"]) == (1, 1, 2)
    workbook = load_workbook(io.BytesIO(client.get("/reports/group/?month=2026-09&format=xlsx").content))
    sheet = workbook.worksheets[0]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[-1][1] == 2  # the group's leavers, the last row
    assert sum(row[1] for row in values[1:-1]) == 2
    pdf = client.get("/reports/group/?month=2026-09&format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    output = tmp_path / "group.html"
    call_command("report", "group", "--month", "2026-09", "-o", str(output))
    assert "Example Consulting Ltd" in output.read_text(encoding="utf-8")


def test_a_report_of_one_company_on_every_surface(group: dict[str, Company], make_user: Any, tmp_path: Any) -> None:
    from django.core.management import call_command

    coordinator = make_user("coordinator")
    token = token_create(user=coordinator, actor=Actor.system("test"))
    api = Client(headers={"Authorization": f"Bearer {token}"})
    se = api.get("/api/v1/reports/monthly?month=2026-09&company=se").json()
    nl = api.get("/api/v1/reports/monthly?month=2026-09&company=nl").json()
    whole = api.get("/api/v1/reports/monthly?month=2026-09").json()
    assert (se["leavers"], nl["leavers"], whole["leavers"]) == (1, 1, 2)
    refused = api.get("/api/v1/reports/monthly?company=de")
    assert refused.status_code == 422 and refused.json()["field"] == "company"
    output = tmp_path / "se.html"
    call_command("report", "monthly", "--month", "2026-09", "--company", "se", "-o", str(output))
    text = output.read_text(encoding="utf-8")
    assert "Bemanning Sverige AB" in text and "Öberg" in text and "Later" not in text


def test_a_scoped_coordinator_sees_their_companys_reports_only(group: dict[str, Company], make_user: Any) -> None:
    coordinator = make_user("coordinator")
    user_companies_set(user=coordinator, companies=[group["nl"]], actor=Actor.system("test"))
    client = Client()
    client.force_login(coordinator)
    page = client.get("/reports/monthly/?month=2026-09").content.decode()
    assert "Later" in page and "Öberg" not in page
    assert client.get("/reports/monthly/?month=2026-09&company=se").status_code == 404
    assert client.get("/reports/group/").status_code == 404
    token = token_create(user=coordinator, actor=Actor.system("test"))
    api = Client(headers={"Authorization": f"Bearer {token}"})
    assert api.get("/api/v1/reports/monthly?month=2026-09").json()["leavers"] == 1
    assert api.get("/api/v1/reports/monthly?month=2026-09&company=se").status_code == 422
    assert api.get("/api/v1/reports/group").status_code == 404
