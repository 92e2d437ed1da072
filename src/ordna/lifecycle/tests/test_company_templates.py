"""Case templates per company and employment type (issue 19): a company's own template applies to its people
before the group's, and a user scoped to a company edits that company's templates only."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from ordna.conftest import TODAY, hr_csv, hr_row
from ordna.core.actor import Actor
from ordna.core.companies import company_save, user_companies_set
from ordna.core.models import Company
from ordna.core.services import token_create
from ordna.lifecycle.case_templates import template_for, template_save, template_task_add
from ordna.lifecycle.engine import LifecycleError
from ordna.lifecycle.models import Case, CaseTemplate, Line

pytestmark = pytest.mark.django_db


@pytest.fixture
def companies(actor: Actor) -> dict[str, Company]:
    return {
        "se": company_save(actor=actor, code="se", name="Bemanning Sverige AB", country="SE"),
        "nl": company_save(actor=actor, code="nl", name="Uitzend Nederland BV", country="NL"),
    }


def test_a_companys_own_template_comes_before_the_groups(actor: Actor, companies: dict[str, Company]) -> None:
    group = template_save(actor=actor, name="Everyone", employment_type="consultant")
    own = template_save(actor=actor, name="SE consultants", employment_type="consultant", company=companies["se"])
    templates = list(CaseTemplate.objects.all())
    assert template_for(templates, employment_type="consultant", department="", company_id=companies["se"].pk) == own
    assert template_for(templates, employment_type="consultant", department="", company_id=companies["nl"].pk) == group
    # One active template per company and match, the group's apart.
    with pytest.raises(LifecycleError) as clash:
        template_save(actor=actor, name="Again", employment_type="consultant", company=companies["se"])
    assert clash.value.field == "active"


def test_a_leaver_of_a_company_gets_its_own_checklist(
    tmp_path: Path, actor: Actor, companies: dict[str, Company]
) -> None:
    from ordna.people.services import people_import

    group = template_save(actor=actor, name="Everyone")
    template_task_add(template=group, actor=actor, title="Final pay", responsible="hr")
    own = template_save(actor=actor, name="Sweden", company=companies["se"])
    template_task_add(template=own, actor=actor, title="Return the SE badge", responsible="employee")
    last_day = (TODAY + timedelta(days=3)).isoformat()
    path = tmp_path / "hr.csv"
    header = [*list(hr_row("x")), "company"]
    rows = [hr_row("S1", end_date=last_day, company="se"), hr_row("N1", end_date=last_day, company="nl")]
    path.write_text(hr_csv(rows, header=header), encoding="utf-8")
    assert people_import(path=path, actor=actor, today=TODAY).outcome == "applied"
    subjects = {
        case.person.employee_id: sorted(Line.objects.filter(case=case).values_list("subject", flat=True))
        for case in Case.objects.select_related("person")
    }
    assert subjects == {"S1": ["Return the SE badge"], "N1": ["Final pay"]}


def test_a_scoped_hr_user_edits_their_companys_templates_only(
    actor: Actor, companies: dict[str, Company], make_user: Any
) -> None:
    group = template_save(actor=actor, name="Everyone")
    nl_own = template_save(actor=actor, name="NL", company=companies["nl"])
    hr = make_user("hr")
    user_companies_set(user=hr, companies=[companies["se"]], actor=actor)
    api = Client(headers={"Authorization": f"Bearer {token_create(user=hr, actor=actor)}"})
    # It sees the group's template (its default) and no other company's.
    listed = {t["name"]: t["company"] for t in api.get("/api/v1/case-templates").json()}
    assert listed == {"Everyone": None}
    # It makes its company's own; the group's is not its to make or change.
    made = api.post("/api/v1/case-templates", {"name": "SE", "company": "se"}, content_type="application/json")
    assert made.status_code == 201 and made.json()["company"] == "se"
    refused = api.post("/api/v1/case-templates", {"name": "Mine"}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["field"] == "company"
    for template in (group, nl_own):
        answer = api.patch(f"/api/v1/case-templates/{template.pk}", {"name": "x"}, content_type="application/json")
        assert answer.status_code == 404
    page = Client()
    page.force_login(hr)
    assert page.get(f"/cases/templates/{nl_own.pk}/").status_code == 404
    assert "Bemanning Sverige AB" in page.get("/cases/templates/").content.decode()
    with pytest.raises(LifecycleError):
        template_save(actor=Actor.for_user(hr), template=group, name="Changed")
