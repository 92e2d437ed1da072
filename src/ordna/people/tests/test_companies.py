"""The HR file's `company` column, and a move between companies of the group (issue 19)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ordna.conftest import TODAY, hr_csv, hr_row
from ordna.core.actor import Actor
from ordna.core.companies import CompanyError, company_save
from ordna.core.models import Company
from ordna.people.models import Person
from ordna.people.services import people_import

pytestmark = pytest.mark.django_db

HEADER = [*list(hr_row("x")), "company"]


def _import(tmp_path: Path, rows: list[dict[str, str]], actor: Actor, header: list[str] | None = None) -> Any:
    path = tmp_path / "hr.csv"
    path.write_text(hr_csv(rows, header=header or HEADER), encoding="utf-8")
    return people_import(path=path, actor=actor, today=TODAY)


@pytest.fixture
def companies(actor: Actor) -> dict[str, Company]:
    return {
        "se": company_save(actor=actor, code="se", name="Bemanning Sverige AB", country="SE", language="sv"),
        "nl": company_save(actor=actor, code="nl", name="Uitzend Nederland BV", country="NL", language="nl"),
    }


def test_a_file_without_the_column_puts_everyone_in_the_default_company(load_people: Any) -> None:
    load_people([hr_row("E1"), hr_row("E2")])
    assert set(Person.objects.values_list("company__is_default", flat=True)) == {True}


def test_the_column_names_a_company_by_code_or_name_and_its_defaults_apply(
    tmp_path: Path, actor: Actor, companies: dict[str, Company]
) -> None:
    result = _import(
        tmp_path,
        [hr_row("E1", company="se"), hr_row("E2", company="Uitzend Nederland BV"), hr_row("E3", company="")],
        actor,
    )
    assert result.outcome == "applied"
    people = {p.employee_id: p for p in Person.objects.select_related("company")}
    assert (people["E1"].company.code, people["E1"].locale, people["E1"].holiday_country) == ("se", "sv", "SE")
    assert (people["E2"].company.code, people["E2"].locale, people["E2"].holiday_country) == ("nl", "nl", "NL")
    assert people["E3"].company.is_default


def test_an_unknown_company_rejects_the_file_naming_the_row(
    tmp_path: Path, actor: Actor, companies: dict[str, Company]
) -> None:
    result = _import(tmp_path, [hr_row("E1", company="se"), hr_row("E2", company="de")], actor)
    assert result.outcome == "rejected"
    assert [(e.row, e.column) for e in result.errors] == [(3, "company")]
    assert "'de'" in str(result.errors[0].reason) and "se" in str(result.errors[0].reason)
    assert not Person.objects.exists()


def test_a_file_without_the_column_keeps_everyones_company(
    tmp_path: Path, actor: Actor, companies: dict[str, Company]
) -> None:
    _import(tmp_path, [hr_row("E1", company="se")], actor)
    again = _import(tmp_path, [hr_row("E1", department="Sales")], actor, header=HEADER[:-1])
    assert again.outcome == "applied"
    assert Person.objects.get().company.code == "se"


def test_a_company_needs_a_unique_code_name_and_domains(actor: Actor, companies: dict[str, Company]) -> None:
    company_save(actor=actor, code="b", name="B", mail_domains=["b.example.org"])
    for kwargs, field in (
        ({"code": "se", "name": "Other"}, "code"),
        ({"code": "x", "name": "bemanning sverige ab"}, "name"),
        ({"code": "x", "name": "X", "mail_domains": ["B.example.org"]}, "mail_domains"),
        ({"code": "x", "name": "X", "mail_domains": ["not a domain"]}, "mail_domains"),
        ({"code": "x", "name": "X", "country": "DE"}, "country"),
        ({"code": "Not Code", "name": "X"}, "code"),
    ):
        with pytest.raises(CompanyError) as refused:
            company_save(actor=actor, **kwargs)
        assert refused.value.field == field, kwargs


def test_a_consultant_moved_between_companies_gets_a_mover_case_not_a_leaver_case(
    tmp_path: Path, actor: Actor, companies: dict[str, Company]
) -> None:
    from ordna.accounts.importing import accounts_import
    from ordna.applications.models import Application
    from ordna.applications.services import application_create
    from ordna.lifecycle.models import Case, Line

    # Given a consultant of the Swedish company with an account in its own tenant and in a shared application
    _import(tmp_path, [hr_row("C1", "Kim", "Konsult", employment_type="consultant", company="se")], actor)
    application_create(slug="m365-se", name="M365 SE", actor=actor)
    Application.objects.filter(slug="m365-se").update(company=companies["se"])
    application_create(slug="slack", name="Slack", actor=actor)
    for slug in ("m365-se", "slack"):
        export = tmp_path / f"{slug}.csv"
        export.write_text(
            "account_id,email,display_name,employee_id,status,last_login,license\n"
            f"kim,,Kim Konsult,C1,active,{TODAY.isoformat()},\n",
            encoding="utf-8",
        )
        accounts_import(
            create_application=True, application_slug=slug, path=export, actor=actor, today=TODAY, preset="generic"
        )
    # When the HR file moves them to the Dutch company under the same employee id
    result = _import(tmp_path, [hr_row("C1", "Kim", "Konsult", employment_type="consultant", company="nl")], actor)
    # Then one mover case takes back the Swedish tenant's account and leaves the shared one; no leaver case
    assert result.outcome == "applied"
    case = Case.objects.get()
    assert (case.kind, case.from_company_id) == ("mover", companies["se"].pk)
    lines = list(Line.objects.filter(case=case).values_list("kind", "application__slug", "grant"))
    assert lines == [("account", "m365-se", False)]
    assert Person.objects.get().company == companies["nl"]
