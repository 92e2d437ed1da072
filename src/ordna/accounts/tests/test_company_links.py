"""Issue 19's first "done when": an HR file with a company column for three companies and the exports of two
tenants import with correct links, and the group report's three companies add up to the group."""

from __future__ import annotations

from pathlib import Path

import pytest

from ordna.conftest import TODAY, hr_csv, hr_row
from ordna.core.actor import Actor
from ordna.core.companies import company_save
from ordna.people.services import people_import

pytestmark = pytest.mark.django_db
HEADER = "account_id,email,display_name,employee_id,status,last_login,license\n"


def test_three_companies_and_two_tenants_link_by_each_companys_domains(tmp_path: Path, actor: Actor) -> None:
    from ordna.accounts.importing import accounts_import
    from ordna.accounts.models import Account
    from ordna.applications.models import Application
    from ordna.applications.services import application_create
    from ordna.reports.by_company import group_report

    # Given three companies, each with its own domains, and an Anna Berg in two of them
    a = company_save(actor=actor, code="a", name="A Bemanning AB", country="SE", mail_domains=["a.example.org"])
    b = company_save(
        actor=actor, code="b", name="B Consulting BV", country="NL", mail_domains=["b.example.nl", "b-brand.example.nl"]
    )
    company_save(actor=actor, code="c", name="C Staffing Ltd", mail_domains=["c.example.com"])
    rows = [
        hr_row("A1", "Anna", "Berg", email="anna.berg@a.example.org", company="a"),
        hr_row("B1", "Anna", "Berg", email="anna.berg@b.example.nl", company="B Consulting BV"),
        hr_row("C1", "Carl", "Carlsson", email="carl@c.example.com", company="c", end_date="2026-11-02"),
        hr_row("B2", "Bo", "Bak", email="bo.bak@b.example.nl", company="b", end_date="2026-11-05"),
    ]
    path = tmp_path / "hr.csv"
    path.write_text(hr_csv(rows, header=[*list(hr_row("x")), "company"]), encoding="utf-8")
    assert people_import(path=path, actor=actor, today=TODAY).outcome == "applied"
    # When each tenant's export is imported (the accounts carry addresses on the tenant's brand domains)
    for slug, company, lines in (
        ("m365-a", a, ["anna,anna.berg@a-tenant.example.org,Anna Berg,,active,2026-11-01,"]),
        (
            "m365-b",
            b,
            [
                "anna,anna.berg@b-brand.example.nl,Anna Berg,,active,2026-11-01,",
                "bo,bo.bak@b-brand.example.nl,Bo Bak,,active,2026-11-01,",
            ],
        ),
    ):
        application_create(slug=slug, name=slug, actor=actor)
        Application.objects.filter(slug=slug).update(company=company)
        export = tmp_path / f"{slug}.csv"
        export.write_text(HEADER + "".join(f"{line}\n" for line in lines), encoding="utf-8")
        result = accounts_import(
            create_application=True, application_slug=slug, path=export, actor=actor, today=TODAY, preset="generic"
        )
        assert result.outcome == "applied", result.errors
    # Then B's tenant links B's Anna by B's brand domain; A's tenant address is on no company's domain and the
    # two Annas share the name: review, never a guess
    links = dict(Account.objects.values_list("application__slug", "person__employee_id").filter(key="anna"))
    assert links == {"m365-a": None, "m365-b": "B1"}
    assert Account.objects.get(application__slug="m365-a", key="anna").needs_review
    assert Account.objects.get(application__slug="m365-b", key="bo").person.employee_id == "B2"
    # And the group report of November: three companies (and the default, empty) that add up to the group
    report = group_report(month=TODAY.replace(day=1), today=TODAY)
    rows_by_code = {row.code: row for row in report.companies}
    assert {code: row.figures.leavers for code, row in rows_by_code.items()} == {"a": 0, "b": 1, "c": 1, "group": 0}
    assert sum(row.figures.leavers for row in report.companies) == report.group.figures.leavers == 2
    assert rows_by_code["b"].at.leaver_accounts_active == report.group.at.leaver_accounts_active == 1
