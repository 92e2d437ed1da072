"""Leaver cases as docs/offboarding.md and issue 4 state them, built through the same services the product uses."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ordna.accounts.models import Finding
from ordna.conftest import TODAY, hr_row
from ordna.core.models import AuditEvent
from ordna.lifecycle import case_templates, closing, services
from ordna.lifecycle.engine import LifecycleError
from ordna.lifecycle.models import Case, Line
from ordna.lifecycle.tests.conftest import after, day

pytestmark = pytest.mark.django_db


def cases() -> dict[str, Case]:
    return {c.person.employee_id: c for c in Case.objects.select_related("person")}


def lines_of(employee_id: str, **filters: Any) -> list[Line]:
    return list(Line.objects.filter(case__person__employee_id=employee_id, **filters).order_by("kind", "subject"))


def test_cases_open_for_exactly_the_people_within_the_lead_time_or_recently_left(org) -> None:
    assert sorted(cases()) == ["L1", "L2", "R1"]
    assert {c.status for c in cases().values()} == {"open"}
    assert cases()["R1"].urgent and not cases()["L2"].urgent
    assert cases()["L1"].opened_by == "Ordna (test)"
    assert AuditEvent.objects.filter(action="case.opened").count() == 3


def test_opening_again_opens_nothing(org, actor) -> None:
    result = services.cases_open_due(actor=actor, today=TODAY)
    assert result.counts() == {"opened": 0, "replanned": 0, "cancelled": 0, "lines_added": 0}
    assert Case.objects.count() == 3


def test_the_daily_job_opens_a_case_when_the_end_date_comes_within_the_lead_time(org, actor) -> None:
    from datetime import timedelta

    result = services.cases_open_due(actor=actor, today=TODAY + timedelta(days=1))
    assert result.opened == ["F1"]


def test_dry_run_changes_nothing(org, actor) -> None:
    from datetime import timedelta

    result = services.cases_open_due(actor=actor, today=TODAY + timedelta(days=1), dry_run=True)
    assert result.opened == ["F1"]
    assert "F1" not in cases()


def test_a_line_per_active_account_and_licence_and_device(org, import_accounts, actor) -> None:
    from ordna.devices.services import device_register
    from ordna.people.models import Person

    l1 = Person.objects.get(employee_id="L1")
    device_register(asset_tag="LT-9", kind="laptop", actor=actor, holder=l1)
    import_accounts("crm", [("L1", "active", "Pro+Basic"), ("L2", "disabled", ""), ("A1", "active", "Pro")])
    services.cases_open_due(actor=actor, today=TODAY)
    assert [(x.kind, x.subject, x.state) for x in lines_of("L1")] == [
        ("account", "l1@crm.example.org", "open"),
        ("device", "LT-9", "open"),
        ("licence", "Basic", "open"),
        ("licence", "Pro", "open"),
    ]
    # A disabled account at opening is done already: no line. The stayer gets nothing.
    assert lines_of("L2") == []
    assert lines_of("A1") == []
    account = lines_of("L1", kind="account")[0]
    assert account.due.isoformat() == day(7)  # last day Saturday the 21st + 1 business day = Monday the 23rd
    assert account.responsible == "coordinator"  # crm has neither supplier nor owner


def test_accounts_that_appear_for_a_leaver_get_lines_in_the_existing_case(org, import_accounts) -> None:
    import_accounts("crm", [("L1", "active", "")])
    import_accounts("erp", [("L1", "active", "")])
    assert [x.subject for x in lines_of("L1", kind="account")] == ["l1@crm.example.org", "l1@erp.example.org"]
    import_accounts("erp", [("L1", "active", "")])  # the same file again adds nothing
    assert len(lines_of("L1", kind="account")) == 2


def test_an_export_after_the_last_day_verifies_exactly_the_lines_it_shows_done(org, import_accounts) -> None:
    from ordna.core.models import ImportRun

    import_accounts("crm", [("L1", "active", "Pro"), ("L2", "active", ""), ("R1", "active", ""), ("A1", "active", "")])
    import_accounts(
        "crm", [("L1", "disabled", "Pro"), ("L2", "active", ""), ("R1", "disabled", ""), ("A1", "active", "")]
    )
    states = {(x.case.person.employee_id, x.kind): (x.state, x.verified_by) for x in Line.objects.all()}
    assert states == {
        ("L1", "account"): ("open", ""),  # L1 works five more days: an export from today proves nothing
        ("L1", "licence"): ("open", ""),
        ("L2", "account"): ("open", ""),
        ("R1", "account"): ("verified", "import"),  # R1 left ten days ago
    }
    r1 = lines_of("R1", kind="account")[0]
    run = ImportRun.objects.filter(source="accounts").latest("id")
    assert (r1.proof_run_id, r1.proof_taken_at.date()) == (run.pk, TODAY)

    later = TODAY + timedelta(days=6)
    with after(6):  # the day after L1's last day
        import_accounts("crm", [("L1", "disabled", "Pro"), ("L2", "active", ""), ("A1", "active", "")], today=later)
        assert [(x.state, x.verified_by) for x in lines_of("L1")] == [("verified", "import"), ("open", "")]
        import_accounts("crm", [("L1", "disabled", ""), ("L2", "active", ""), ("A1", "active", "")], today=later)
    assert [(x.state, x.verified_by) for x in lines_of("L1")] == [("verified", "import"), ("verified", "import")]
    assert cases()["L1"].status == "completed"


def test_an_attested_line_contradicted_by_the_next_export_reopens_with_a_finding(org, import_accounts, it) -> None:
    import_accounts("crm", [("R1", "active", "")])
    line = lines_of("R1", kind="account")[0]
    closing.line_attest(line=line, actor=it, today=TODAY, reason="admin_console", note="disabled by hand")
    assert Case.objects.get(person__employee_id="R1").status == "completed"

    import_accounts("crm", [("R1", "active", "")])

    line.refresh_from_db()
    assert (line.state, line.reopened, line.closed_by) == ("open", 1, "")
    finding = Finding.objects.get(kind="contradicted")
    assert (finding.account_id, finding.person.employee_id, finding.state) == (line.account_id, "R1", "open")
    assert Case.objects.get(person__employee_id="R1").status == "open"
    # Reconciling again leaves offboarding's finding alone; verifying the line resolves it.
    import_accounts("crm", [("R1", "disabled", "")])
    line.refresh_from_db()
    finding.refresh_from_db()
    assert (line.state, finding.state) == ("verified", "resolved")
    assert Case.objects.get(person__employee_id="R1").status == "completed"


def test_an_attestation_not_contradicted_stays(org, import_accounts, it) -> None:
    import_accounts("crm", [("R1", "active", "")])
    line = lines_of("R1", kind="account")[0]
    closing.line_attest(line=line, actor=it, today=TODAY, reason="no_export", note="removed from the user list")
    import_accounts("crm", [("A1", "active", "")], allow_mass_change=True)  # R1's account is gone now
    line.refresh_from_db()
    assert line.state == "attested"
    assert not Finding.objects.filter(kind="contradicted").exists()


def test_waiving_without_a_reason_is_refused(org, import_accounts, it, settings) -> None:
    settings.ORDNA_WAIVER_APPROVAL = False
    import_accounts("crm", [("L1", "active", "")])
    line = lines_of("L1", kind="account")[0]
    with pytest.raises(LifecycleError, match=r"^Reason: say why"):
        closing.line_waive(line=line, actor=it, today=TODAY, reason="   ")
    line.refresh_from_db()
    assert line.state == "open"
    closing.line_waive(line=line, actor=it, today=TODAY, reason="Shared test account, owner agreed")
    line.refresh_from_db()
    assert (line.state, line.note, line.closed_by) == ("waived", "Shared test account, owner agreed", it.label)


def test_closing_a_closed_line_is_refused(org, import_accounts, it) -> None:
    import_accounts("crm", [("R1", "active", "")])
    line = lines_of("R1", kind="account")[0]
    closing.line_attest(line=line, actor=it, today=TODAY, reason="no_export", note="removed")
    with pytest.raises(closing.LineConflict, match=r"^This line was closed already \(Attested by coordinator"):
        closing.line_waive(line=line, actor=it, today=TODAY, reason="x")


def test_the_case_completes_when_no_line_is_open_and_device_check_in_verifies(org, actor, import_accounts, it) -> None:
    from ordna.devices.models import Device
    from ordna.devices.services import device_check_in, device_register
    from ordna.people.models import Person

    device_register(asset_tag="LT-1", kind="laptop", actor=actor, holder=Person.objects.get(employee_id="R1"))
    services.cases_open_due(actor=actor, today=TODAY)
    import_accounts("crm", [("R1", "active", "")])
    line = lines_of("R1", kind="account")[0]
    closing.line_attest(line=line, actor=it, today=TODAY, reason="no_export", note="removed from the user list")
    assert Case.objects.get(person__employee_id="R1").status == "open"
    device_check_in(device=Device.objects.get(asset_tag="LT-1"), actor=actor)
    device_line = lines_of("R1", kind="device")[0]
    assert (device_line.state, device_line.verified_by) == ("verified", "check-in")
    case = Case.objects.get(person__employee_id="R1")
    assert case.status == "completed" and case.completed_at is not None


def test_template_tasks_with_their_parties(org, load_people, actor) -> None:
    from ordna.applications.services import application_create
    from ordna.core.models import Supplier
    from ordna.people.models import Person

    supplier = Supplier.objects.create(name="Example IT Services AB")
    app = application_create(
        slug="crm", name="CRM", actor=actor, owner_id=Person.objects.get(employee_id="A1").pk, supplier_id=supplier.pk
    )
    template = case_templates.template_save(actor=actor, name="Everyone")
    for title, role, offset in (
        ("Handover", "manager", -5),
        ("Pay", "hr", 0),
        ("Return badge", "employee", 0),
        ("Mailbox", "coordinator", 1),
    ):
        case_templates.template_task_add(
            template=template, actor=actor, title=title, responsible=role, offset_days=offset
        )
    case_templates.template_task_add(
        template=template, actor=actor, title="CRM data", responsible="supplier", application=app
    )
    case_templates.template_task_add(
        template=template, actor=actor, title="CRM reports", responsible="owner", application=app
    )
    load_people([*org["rows"], hr_row("N1", "Nils", "New", manager_employee_id="M1", end_date=day(10))])
    tasks = {x.subject: x for x in lines_of("N1", kind="task")}
    assert {s: (x.responsible, x.due.isoformat()) for s, x in tasks.items()} == {
        "Handover": ("manager", day(3)),  # Thursday the 26th - 5 business days = Thursday the 19th
        "Pay": ("hr", day(10)),
        "Return badge": ("employee", day(10)),
        "Mailbox": ("coordinator", day(11)),
        "CRM data": ("supplier", day(10)),
        "CRM reports": ("owner", day(10)),
    }
    assert tasks["Handover"].responsible_person.employee_id == "M1"
    assert tasks["Return badge"].responsible_person.employee_id == "N1"
    assert tasks["CRM data"].responsible_supplier == supplier
    assert tasks["CRM reports"].responsible_person.employee_id == "A1"


def test_the_most_specific_template_applies(actor) -> None:
    general = case_templates.template_save(actor=actor, name="Anyone")
    consultants = case_templates.template_save(actor=actor, name="Consultants", employment_type="consultant")
    it = case_templates.template_save(actor=actor, name="IT", department="IT")
    it_consultants = case_templates.template_save(
        actor=actor, name="IT consultants", employment_type="consultant", department="IT"
    )
    templates = [general, consultants, it, it_consultants]
    pick = case_templates.template_for
    assert pick(templates, employment_type="consultant", department="IT") == it_consultants
    assert pick(templates, employment_type="employee", department="IT") == it
    assert pick(templates, employment_type="consultant", department="HR") == consultants
    assert pick(templates, employment_type="employee", department="HR") == general
    with pytest.raises(
        LifecycleError, match=r"^Another active template already applies to employment type 'any' and department 'IT'"
    ):
        case_templates.template_save(actor=actor, name="Again", department="IT")


def test_template_task_errors_name_the_field(actor) -> None:
    template = case_templates.template_save(actor=actor, name="T")
    with pytest.raises(LifecycleError, match=r"^Who is responsible is one of .*, not 'boss'\.$") as refused:
        case_templates.template_task_add(template=template, actor=actor, title="x", responsible="boss")
    assert refused.value.field == "responsible"
    with pytest.raises(LifecycleError, match=r"^A task for an application's owner or supplier names") as refused:
        case_templates.template_task_add(template=template, actor=actor, title="x", responsible="supplier")
    assert refused.value.field == "application"
    with pytest.raises(LifecycleError, match=r"^99 is outside -60 to 60 business days\.$") as refused:
        case_templates.template_task_add(template=template, actor=actor, title="x", responsible="hr", offset_days=99)
    assert refused.value.field == "offset_days"
    assert template.tasks.count() == 0


def test_moving_the_end_date_replans_and_removing_it_cancels(org, load_people) -> None:
    rows = {r["employee_id"]: dict(r) for r in org["rows"]}
    rows["L1"]["end_date"] = day(8)
    rows["L2"]["end_date"] = ""
    load_people(rows.values())
    l1, l2 = cases()["L1"], cases()["L2"]
    assert (l1.status, l1.effective_date.isoformat()) == ("open", day(8))
    assert (l2.status, l2.cancel_reason) == ("cancelled", "The end date was removed (an extension).")
    # The extension ends after all: a new case, the cancelled one stays as history.
    rows["L2"]["end_date"] = day(12)
    load_people(rows.values())
    assert list(Case.objects.filter(person__employee_id="L2").values_list("status", flat=True).order_by("id")) == [
        "cancelled",
        "open",
    ]


def test_a_late_end_date_on_a_later_import_still_opens_a_case(org, load_people) -> None:
    rows = {r["employee_id"]: dict(r) for r in org["rows"]}
    rows["A1"]["end_date"] = day(-60)
    load_people(rows.values())
    assert "A1" in cases()
    assert "O1" not in cases()  # known to have left long ago from the first import


def test_a_rehire_gets_a_fresh_case(org, load_people, import_accounts, it, settings) -> None:
    settings.ORDNA_WAIVER_APPROVAL = False
    import_accounts("crm", [("R1", "active", "")])
    closing.line_waive(line=lines_of("R1")[0], actor=it, today=TODAY, reason="gone with the contract")
    assert cases()["R1"].status == "completed"
    rows = {r["employee_id"]: dict(r) for r in org["rows"]}
    rows["R1"].update(start_date=day(-5), end_date=day(7))
    load_people(rows.values())
    assert list(Case.objects.filter(person__employee_id="R1").values_list("status", flat=True).order_by("id")) == [
        "completed",
        "open",
    ]


def test_an_hr_import_reports_the_cases_it_opened(load_people) -> None:
    from ordna.core.models import ImportRun

    result = load_people([hr_row("X1", end_date=day(3)), hr_row("X2")])
    assert result.cases == {"opened": 1, "replanned": 0, "cancelled": 0, "lines_added": 0}
    assert ImportRun.objects.get().counts["cases_opened"] == 1


def test_open_lines_by_party_for_a_reminder_engine(org, import_accounts) -> None:
    from ordna.lifecycle.selectors import open_lines_by_party

    import_accounts("crm", [("L1", "active", ""), ("R1", "active", "")])
    due = [(r["case__person__employee_id"], r["responsible"]) for r in open_lines_by_party(due_on_or_before=TODAY)]
    assert due == [("R1", "coordinator")]
