"""The demo's group of companies (issue 19, docs/companies.md): the Swedish staffing company, which is the
default company, and the Dutch consultancy, each with its own mail domain and its own applications; a joiner
template of the Dutch company's own for its consultants; and one consultant who moves from the Swedish company
to the Dutch one, which the HR file's company column tells and which opens a mover case."""

from __future__ import annotations

import tempfile
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from django.utils.translation import pgettext

from ordna.applications.models import Application
from ordna.applications.services import application_update
from ordna.core.actor import Actor
from ordna.core.companies import company_save
from ordna.core.models import Company, default_company_id
from ordna.demo.people import CONSULTANT, DemoPerson, write_hr_csv
from ordna.lifecycle.case_templates import birthright_add, template_save
from ordna.people.services import people_import

# code, name, country, language, mail domain; the first is the default company (the HR file's rows without a
# company would be its people).
DEMO_COMPANIES = (
    ("se", "Ordna Bemanning AB", "SE", "sv", "example.org"),
    ("nl", "Ordna Consulting BV", "NL", "nl", "example.nl"),
)


def company_of_country(country: str) -> str:
    """The demo company of a person from their holiday country: the Dutch offices are the Dutch company."""
    return "nl" if country == "NL" else "se"


def companies_demo_load(*, actor: Actor) -> dict[str, int]:
    """The demo's companies, the default one renamed to the Swedish company; their ids by code."""
    default = Company.objects.get(pk=default_company_id())
    ids = {}
    for number, (code, name, country, language, domain) in enumerate(DEMO_COMPANIES):
        company = company_save(
            actor=actor,
            code=code,
            name=name,
            country=country,
            language=language,
            mail_domains=[domain],
            company=default if number == 0 else None,
        )
        ids[code] = company.pk
    return ids


def company_applications_demo_load(
    *, companies: dict[str, int], countries: dict[str, tuple[str, ...]], actor: Actor
) -> None:
    """An application the demo gives one country's people only is that company's own; the rest are shared."""
    for slug, only in countries.items():
        if len(only) == 1:
            application_update(
                application=Application.objects.get(slug=slug),
                actor=actor,
                company_id=companies[company_of_country(only[0])],
            )


def company_templates_demo_load(*, actor: Actor, companies: dict[str, int]) -> None:
    """The Dutch company's own joiner template for its consultants: the group's laptop and phone, and Viewpoint,
    the housing system of the customers its consultants work for."""
    template = template_save(
        actor=actor,
        name=pgettext("demo data", "Joiner (consultants, Ordna Consulting BV)"),
        kind="joiner",
        employment_type=CONSULTANT,
        company=Company.objects.get(pk=companies["nl"]),
    )
    for device_kind in ("laptop", "phone"):
        birthright_add(template=template, actor=actor, device_kind=device_kind)
    viewpoint = Application.objects.filter(slug="viewpoint").first()
    if viewpoint is not None:
        birthright_add(template=template, actor=actor, application=viewpoint)


def consultant_move_demo(people: Sequence[DemoPerson], *, actor: Actor, today: date, keep: Collection[str] = ()) -> str:
    """Move the first Swedish consultant who is neither new nor leaving, nor one of the demo users' people
    (`keep`, whose journeys the tour shows), to the Dutch company, through an HR file with the company column,
    as HR would: a mover case, not a leaver case. Returns their employee id."""
    movers = [
        p
        for p in people
        if p.employment_type == CONSULTANT
        and p.employee_id not in keep
        and p.company == "se"
        and p.end_date is None
        and p.start_date is not None
        and p.start_date < today
    ]
    if not movers:
        return ""
    moved = replace(movers[0], company="nl")
    with tempfile.TemporaryDirectory(prefix="ordna-demo-") as directory:
        path = Path(directory) / "demo-move.csv"
        write_hr_csv([moved], path)
        result = people_import(path=path, actor=actor, today=today, file_name="demo-move.csv")
    if result.outcome != "applied":
        raise RuntimeError(f"the demo's move was not applied: {[str(e) for e in result.errors[:3]]}")
    return moved.employee_id
