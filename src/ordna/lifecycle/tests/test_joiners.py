"""Joiners and movers on the case engine, and expected versus actual access (issue 11)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ordna.accounts.models import Account, Finding
from ordna.applications.models import Application
from ordna.conftest import TODAY, hr_row
from ordna.core.actor import Actor
from ordna.lifecycle import case_templates, due_dates, expected, services
from ordna.lifecycle.engine import LifecycleError
from ordna.lifecycle.models import Case, Line
from ordna.lifecycle.tests.conftest import day

pytestmark = pytest.mark.django_db


def lines_of(employee_id: str, case_kind: str, **filters: Any) -> list[tuple[str, str, bool, str]]:
    return sorted(
        Line.objects.filter(case__person__employee_id=employee_id, case__kind=case_kind, **filters).values_list(
            "kind", "subject", "grant", "state"
        )
    )


@pytest.fixture
def templates(actor: Actor) -> dict[str, Any]:
    """IT gets crm (with the Pro licence) and wiki and a laptop; Sales gets crm and erp; everyone a welcome task."""
    apps = {slug: Application.objects.create(slug=slug, name=slug.upper()) for slug in ("crm", "wiki", "erp", "gfx")}
    anyone = case_templates.template_save(actor=actor, name="Joiner (anyone)", kind="joiner")
    case_templates.template_task_add(
        template=anyone, actor=actor, title="Sign the contract", responsible="hr", offset_days=-3
    )
    it = case_templates.template_save(actor=actor, name="Joiner IT", kind="joiner", department="IT")
    case_templates.birthright_add(template=it, actor=actor, application=apps["crm"])
    case_templates.birthright_add(template=it, actor=actor, application=apps["crm"], licence="Pro")
    case_templates.birthright_add(template=it, actor=actor, application=apps["wiki"])
    case_templates.birthright_add(template=it, actor=actor, device_kind="laptop")
    sales = case_templates.template_save(actor=actor, name="Joiner Sales", kind="joiner", department="Sales")
    case_templates.birthright_add(template=sales, actor=actor, application=apps["crm"])
    case_templates.birthright_add(template=sales, actor=actor, application=apps["erp"])
    return {"apps": apps, "it": it, "sales": sales, "anyone": anyone}


def test_joiner_due_dates_are_the_business_day_before_the_first_day() -> None:
    first = TODAY + timedelta(days=7)  # Monday 23 November
    assert due_dates.grant_due(kind="account", first_day=first, country="SE", opened_on=TODAY) == TODAY + timedelta(
        days=4
    )
    assert due_dates.grant_due(kind="task", first_day=first, country="SE", opened_on=TODAY, offset_days=-3) == (
        TODAY + timedelta(days=2)
    )
    assert due_dates.needs_joiner_case(start_date=first, end_date=None, today=TODAY, lead_days=10, country="SE")
    far = due_dates.add_business_days(TODAY, 11, "SE")
    assert not due_dates.needs_joiner_case(start_date=far, end_date=None, today=TODAY, lead_days=10, country="SE")
    assert not due_dates.needs_joiner_case(start_date=first, end_date=first, today=TODAY, lead_days=10, country="SE")


def test_joiner_cases_open_for_people_starting_within_the_lead_time(templates, load_people) -> None:
    far = due_dates.add_business_days(TODAY, 11, "SE").isoformat()
    load_people(
        [
            hr_row("J1", "Jonna", "Joiner", start_date=day(7)),
            hr_row("J2", "Jens", "Later", start_date=far),
            hr_row("A1", "Anna", "Active"),
        ]
    )
    joiner_cases = {c.person.employee_id: c for c in Case.objects.filter(kind="joiner").select_related("person")}
    assert list(joiner_cases) == ["J1"]
    assert joiner_cases["J1"].effective_date == TODAY + timedelta(days=7)
    assert joiner_cases["J1"].template == templates["it"]
    # IT's birthright, and the task of the template for anyone is not added (the most specific template applies).
    assert lines_of("J1", "joiner") == [
        ("account", "crm", True, "open"),
        ("account", "wiki", True, "open"),
        ("device", "laptop", True, "open"),
        ("licence", "Pro", True, "open"),
    ]
    crm = Line.objects.get(case__person__employee_id="J1", subject="crm")
    assert crm.due == TODAY + timedelta(days=4)
    # Running the rules again opens nothing more.
    again = services.cases_open_due(actor=Actor.system("test"), today=TODAY)
    assert again.opened == [] and Case.objects.filter(kind="joiner").count() == 1


def test_joiner_lines_verify_when_the_accounts_appear_in_the_next_import(
    templates, load_people, import_accounts
) -> None:
    load_people([hr_row("J1", "Jonna", "Joiner", start_date=day(7))])
    import_accounts("crm", [("J1", "active", "")])
    assert lines_of("J1", "joiner", kind__in=["account", "licence"]) == [
        ("account", "crm", True, "verified"),
        ("account", "wiki", True, "open"),
        ("licence", "Pro", True, "open"),
    ]
    line = Line.objects.get(subject="crm", case__kind="joiner")
    assert line.verified_by == "import" and line.account is not None and line.account.key == "j1@crm.example.org"
    import_accounts("crm", [("J1", "active", "Pro")])
    import_accounts("wiki", [("J1", "disabled", "")])  # a disabled account is not access yet
    assert ("licence", "Pro", True, "verified") in lines_of("J1", "joiner")
    assert ("account", "wiki", True, "open") in lines_of("J1", "joiner")
    import_accounts("wiki", [("J1", "active", "")])
    from ordna.devices.services import device_register
    from ordna.people.models import Person

    device_register(
        asset_tag="LT-1", kind="laptop", actor=Actor.system("test"), holder=Person.objects.get(employee_id="J1")
    )
    case = Case.objects.get(kind="joiner")
    assert case.status == "completed"
    device_line = Line.objects.get(case=case, kind="device")
    assert device_line.verified_by == "check-out" and device_line.device.asset_tag == "LT-1"


def test_lines_that_give_are_verified_only_by_a_file_that_shows_status_and_licences(
    templates, load_people, write_file, actor
) -> None:
    """A user list without status and licence columns (issue 28) lists the joiner's account: it cannot say the
    account is active or holds the licence, so the lines that give stay open until an export that can."""
    from ordna.accounts.importing import accounts_import
    from ordna.accounts.presets import ColumnMapping

    load_people([hr_row("J1", "Jonna", "Joiner", start_date=day(7))])
    listing = write_file("crm.csv", "user,eid\nj1@crm.example.org,J1\n")
    result = accounts_import(
        create_application=True,
        application_slug="crm",
        path=listing,
        actor=actor,
        today=TODAY,
        mapping=ColumnMapping(columns={"key": "user", "employee_id": "eid"}),
    )
    assert result.outcome == "applied" and Account.objects.get().person.employee_id == "J1"
    assert [line for line in lines_of("J1", "joiner") if line[1] in ("crm", "Pro")] == [
        ("account", "crm", True, "open"),
        ("licence", "Pro", True, "open"),
    ]


def test_a_moved_start_date_replans_and_a_withdrawn_hire_cancels_and_takes_back_accounts(
    templates, load_people, import_accounts
) -> None:
    load_people([hr_row("J1", "Jonna", "Joiner", start_date=day(7))])
    load_people([hr_row("J1", "Jonna", "Joiner", start_date=day(9))])
    case = Case.objects.get(kind="joiner")
    assert case.effective_date == TODAY + timedelta(days=9) and not case.urgent
    assert Line.objects.get(case=case, subject="crm").due == TODAY + timedelta(days=8)
    load_people([hr_row("J1", "Jonna", "Joiner", start_date=day(1))])  # brought forward to tomorrow
    case.refresh_from_db()
    assert case.urgent
    load_people([hr_row("J1", "Jonna", "Joiner", start_date=day(9))])
    case.refresh_from_db()
    assert not case.urgent
    import_accounts("crm", [("J1", "active", "")])
    load_people([hr_row("J1", "Jonna", "Joiner", start_date=day(9), end_date=day(9))])
    case.refresh_from_db()
    assert case.status == "cancelled" and "withdrawn" in case.cancel_reason
    leaver = Case.objects.get(kind="leaver", person__employee_id="J1")
    assert lines_of("J1", "leaver", kind="account") == [("account", "j1@crm.example.org", False, "open")]
    assert leaver.status == "open"


def test_a_department_change_opens_a_mover_case_that_removes_the_old_departments_application(
    templates, load_people, import_accounts
) -> None:
    load_people([hr_row("M1", "Mona", "Mover", department="IT")])
    import_accounts("crm", [("M1", "active", "Pro")])
    import_accounts("wiki", [("M1", "active", "")])
    assert not Case.objects.filter(kind="mover").exists()

    load_people([hr_row("M1", "Mona", "Mover", department="Sales")])

    case = Case.objects.get(kind="mover")
    assert (case.from_department, case.effective_date, case.status) == ("IT", TODAY, "open")
    # wiki was IT's only: it goes; Pro was IT's licence on crm: it goes; erp is Sales': it comes.
    assert lines_of("M1", "mover") == [
        ("account", "erp", True, "open"),
        ("account", "m1@wiki.example.org", False, "open"),
        ("licence", "Pro", False, "open"),
    ]
    # The removal verifies like a leaver's; the addition like a joiner's.
    import_accounts("wiki", [("M1", "disabled", "")])
    import_accounts("crm", [("M1", "active", "")])
    import_accounts("erp", [("M1", "active", "")])
    case.refresh_from_db()
    assert case.status == "completed"
    assert {s for _k, s, _g, state in lines_of("M1", "mover") if state == "verified"} == {
        "erp",
        "m1@wiki.example.org",
        "Pro",
    }


def test_excess_access_is_an_account_no_template_gives(templates, load_people, import_accounts, actor) -> None:
    load_people([hr_row("P1", "Pia", "Person", department="IT"), hr_row("P2", "Per", "Person", department="HQ")])
    import_accounts("gfx", [("P1", "active", ""), ("P2", "active", "")])
    import_accounts("crm", [("P1", "active", "")])
    excess = Finding.objects.filter(kind="excess_access", state="open")
    # P1's IT template gives crm, not gfx; P2's department has no template with birthright: not judged.
    assert [(f.application.slug, f.person.employee_id) for f in excess] == [("gfx", "P1")]
    # Accepting is the approval (by the application's owner or key user); removing the access resolves it.
    import_accounts("gfx", [("P1", "disabled", ""), ("P2", "active", "")])
    assert not Finding.objects.filter(kind="excess_access", state="open").exists()
    assert Finding.objects.filter(kind="excess_access", state="resolved").count() == 1


def test_a_template_of_devices_and_tasks_only_judges_no_account(templates, load_people, import_accounts, actor) -> None:
    ops = case_templates.template_save(actor=actor, name="Joiner Ops", kind="joiner", department="Ops")
    case_templates.birthright_add(template=ops, actor=actor, device_kind="laptop")
    load_people([hr_row("O1", "Olle", "Ops", department="Ops")])
    import_accounts("gfx", [("O1", "active", "")])
    assert not Finding.objects.filter(kind="excess_access").exists()


def test_excess_access_survives_reconciliations_of_the_other_kinds(templates, load_people, import_accounts) -> None:
    from ordna.accounts.findings_sync import findings_recompute

    load_people([hr_row("P1", "Pia", "Person", department="IT")])
    import_accounts("gfx", [("P1", "active", "")])
    findings_recompute(application=templates["apps"]["gfx"], today=TODAY)
    assert Finding.objects.filter(kind="excess_access", state="open").count() == 1


def test_difference_is_pure() -> None:
    old = expected.Entitlement(1, {1: frozenset({"Pro"}), 2: frozenset()}, frozenset({"laptop"}))
    new = expected.Entitlement(2, {1: frozenset(), 3: frozenset()}, frozenset({"laptop", "phone"}))
    diff = expected.difference(old, new)
    assert diff.apps_removed == {2} and diff.apps_added == {3}
    assert diff.licences_removed == {1: frozenset({"Pro"})} and diff.licences_added == {}
    assert diff.devices_added == {"phone"}


def test_birthright_is_refused_on_leaver_templates_and_twice(templates, actor) -> None:
    leaver = case_templates.template_save(actor=actor, name="Leaver")
    with pytest.raises(LifecycleError, match=r"^Only joiner templates list birthright"):
        case_templates.birthright_add(template=leaver, actor=actor, device_kind="laptop")
    with pytest.raises(LifecycleError, match=r"already gives"):
        case_templates.birthright_add(template=templates["it"], actor=actor, device_kind="laptop")
    with pytest.raises(
        LifecycleError, match=r"^The device kind is one of laptop, phone, tablet, token, badge, not 'car'\."
    ):
        case_templates.birthright_add(template=templates["it"], actor=actor, device_kind="car")


def test_no_joiner_case_opens_where_no_joiner_template_applies(load_people) -> None:
    """Nothing to provide or verify: an empty case could never complete."""
    load_people([hr_row("N1", "Nina", "New", department="Finance", start_date=(TODAY + timedelta(days=3)).isoformat())])
    assert not Case.objects.filter(kind="joiner", person__employee_id="N1").exists()
