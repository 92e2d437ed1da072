"""Reminders by company (issue 19): an HR user limited to one company is reminded of its role's lines for that
company's leavers only; HR for the whole group of every leaver's."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ordna.conftest import TODAY, hr_csv, hr_row
from ordna.core.actor import Actor
from ordna.core.companies import company_save, user_companies_set
from ordna.core.services import user_add
from ordna.lifecycle.case_templates import template_save, template_task_add
from ordna.notifications.selectors import reminders_plan
from ordna.people.services import people_import

pytestmark = pytest.mark.django_db


def _titles(plan: Any, username: str) -> list[str]:
    keys = [key for key, r in plan.directory.recipients.items() if r.username == username]
    return sorted(e.item.title for key in keys for e in plan.digests[key].entries) if keys else []


def test_a_company_hr_user_is_reminded_of_its_companys_leavers_only(tmp_path: Path, actor: Actor) -> None:
    nl = company_save(actor=actor, code="nl", name="Uitzend Nederland BV", country="NL")
    template = template_save(actor=actor, name="Everyone")
    template_task_add(template=template, actor=actor, title="Final pay", responsible="hr", offset_days=0)
    last_day = (TODAY + timedelta(days=1)).isoformat()
    rows = [
        hr_row("S1", "Sara", "Svensson", end_date=last_day),
        hr_row("N1", "Noor", "Nieuw", end_date=last_day, company="nl"),
    ]
    path = tmp_path / "hr.csv"
    path.write_text(hr_csv(rows, header=[*list(hr_row("x")), "company"]), encoding="utf-8")
    assert people_import(path=path, actor=actor, today=TODAY).outcome == "applied"
    user_add(username="gunilla", roles=["hr"], actor=actor, email="gunilla@example.org")
    dutch_hr = user_add(username="nora", roles=["hr"], actor=actor, email="nora@example.nl")
    user_companies_set(user=dutch_hr, companies=[nl], actor=actor)

    plan = reminders_plan(today=TODAY)

    assert _titles(plan, "gunilla") == ["Final pay (Noor Nieuw)", "Final pay (Sara Svensson)"]
    assert _titles(plan, "nora") == ["Final pay (Noor Nieuw)"]
