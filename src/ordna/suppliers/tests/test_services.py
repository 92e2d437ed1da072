"""Contracts imported and exported, decisions and alerts, the service level that applies, contract pages and
what a supplier's own users see of them."""

from __future__ import annotations

import io
import json
from datetime import date
from io import BytesIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from ordna.conftest import TODAY, hr_row
from ordna.core.actor import Actor
from ordna.core.models import Supplier
from ordna.core.services import token_create
from ordna.suppliers import measures, selectors, services
from ordna.suppliers.models import Contract

pytestmark = pytest.mark.django_db

HEADER = (
    "supplier,title,start_date,initial_term_months,renewal,renewal_term_months,notice,decision_buffer_days,"
    "annual_value,currency\n"
)
CONTRACTS = HEADER + (
    "Example IT Services AB,Office IT,2021-01-01,24,tacit,12,3 months,30,1200000,SEK\n"
    "Example IT Services AB,Printing,2025-01-01,24,none,,2 months,0,0,SEK\n"
    "Voorbeeld Software BV,ERP hosting,2026-01-31,1,tacit,1,10 days,0,50000,EUR\n"
    "Voorbeeld Software BV,Leap,2027-03-31,12,express,12,1 month,5,10,EUR\n"
)


def test_import_then_export_gives_every_date_by_the_rules(write_file, actor, tmp_path) -> None:
    result = services.contracts_import(path=write_file("c.csv", CONTRACTS), actor=actor)
    assert (result.outcome, result.created) == ("applied", 4)
    out = BytesIO()
    from ordna.core.tabular import write_table

    write_table(
        selectors.contracts_export_rows(Contract.objects.all(), today=TODAY),
        columns=selectors.CONTRACT_EXPORT_COLUMNS,
        fmt="json",
        out=out,
    )
    rows = {r["title"]: r for r in json.loads(out.getvalue())}
    assert rows["Office IT"] == {
        "supplier": "Example IT Services AB",
        "title": "Office IT",
        "current_term_start": "2026-01-01",
        "current_term_end": "2026-12-31",
        "cancel_by": "2026-09-30",  # from the current term, not the initial one (2022-09-30)
        "decision_date": "2026-08-31",
        "status": "notice_passed",
    }
    assert rows["Printing"]["cancel_by"] == "2026-10-31"
    # 2026-01-31 ends 02-27 (02-28 minus a day); each renewal runs from its own start: 02-28..03-27, ...
    assert (rows["ERP hosting"]["current_term_start"], rows["ERP hosting"]["current_term_end"]) == (
        "2026-10-28",
        "2026-11-27",
    )
    assert rows["ERP hosting"]["cancel_by"] == "2026-11-17"  # (11-28) - 10 days - 1 day
    assert rows["Leap"] == {
        "supplier": "Voorbeeld Software BV",
        "title": "Leap",
        "current_term_start": "2027-03-31",
        "current_term_end": "2028-03-30",
        "cancel_by": "2028-02-28",
        "decision_date": "2028-02-23",
        "status": "not_started",
    }
    # The same file again changes nothing.
    again = services.contracts_import(path=write_file("c.csv", CONTRACTS), actor=actor)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


def test_import_errors_name_row_and_column_and_nothing_is_applied(write_file, actor) -> None:
    bad = HEADER + (
        "Example IT Services AB,Good,2026-01-01,12,tacit,12,3 months,0,10,SEK\n"
        "Example IT Services AB,Bad date,2026-02-30,12,tacit,12,3 months,0,10,SEK\n"
        "Example IT Services AB,Bad notice,2026-01-01,12,tacit,12,3 weeks,0,10,SEK\n"
        "Example IT Services AB,No renewal term,2026-01-01,12,tacit,,3 months,0,10,SEK\n"
        "Example IT Services AB,Bad renewal,2026-01-01,12,sometimes,12,3 months,0,10,SEK\n"
        "Example IT Services AB,Bad money,2026-01-01,12,tacit,12,3 months,0,lots,SEK\n"
    )
    result = services.contracts_import(path=write_file("c.csv", bad), actor=actor)
    assert result.outcome == "rejected"
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "start_date"),
        (4, "notice"),
        (5, "renewal_term_months"),
        (6, "renewal"),
        (7, "annual_value"),
    ]
    assert Contract.objects.count() == 0 and Supplier.objects.count() == 0


def test_import_rejects_a_header_without_the_columns(write_file, actor) -> None:
    result = services.contracts_import(path=write_file("c.csv", "supplier,title\nA,B\n"), actor=actor)
    assert result.errors[0].row == 1 and "start_date" in result.errors[0].reason


def test_command_line_import_and_export(write_file, tmp_path) -> None:
    call_command("import", "contracts", str(write_file("c.csv", CONTRACTS)))
    target = tmp_path / "contracts.xlsx"
    call_command("export", "contracts", "--format", "xlsx", "-o", str(target))
    from openpyxl import load_workbook

    sheet = load_workbook(target).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == selectors.CONTRACT_EXPORT_COLUMNS
    assert len(rows) == 5
    bad = write_file("bad.csv", HEADER + "X,Y,2026-01-01,0,tacit,12,3 months,0,0,SEK\n")
    errors = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import", "contracts", str(bad), stderr=errors)
    assert refused.value.returncode == 1
    assert "row 2, column initial_term_months: The initial term lasts at least one month." in errors.getvalue()


def test_alerts_repeat_until_a_decision_with_its_reason(make_contract, actor) -> None:
    # cancel_by 2027-03-31 - 3 months... term 2026-04-01..2027-03-31: cancel by 2026-12-31, decision by 2026-12-21.
    contract = make_contract(start_date=date(2026, 4, 1), decision_buffer_days=10)
    reminders = selectors.contract_reminders(TODAY)
    assert [(r.kind, r.due, r.stage) for r in reminders] == [("contract_decision", date(2026, 12, 21), 90)]
    assert reminders[0].key == f"contract:{contract.pk}:term:0:stage:90"
    assert [r.stage for r in selectors.contract_reminders(date(2026, 12, 22))] == [0]  # overdue: repeats
    with pytest.raises(
        services.ContractError, match=r"^Say why: it is what the next person will want to know\.$"
    ) as no:
        services.contract_decide(contract=contract, decision="renew", reason=" ", actor=actor, today=TODAY)
    assert no.value.field == "reason"
    services.contract_decide(contract=contract, decision="terminate", reason="Moving to X", actor=actor, today=TODAY)
    assert selectors.contract_reminders(TODAY) == []
    contract.refresh_from_db()
    assert contract.dates(date(2027, 4, 1)).status == "expired"


def test_express_renewal_by_decision_adds_a_term(make_contract, actor) -> None:
    contract = make_contract(renewal="express", start_date=date(2026, 1, 1))
    services.contract_decide(contract=contract, decision="renew", reason="Good value", actor=actor, today=TODAY)
    contract.refresh_from_db()
    assert contract.dates(date(2027, 6, 1)).current_term_end == date(2027, 12, 31)


def test_escalation_takes_the_contracts_resolution_level_else_the_application_setting(
    load_people, make_contract, actor
) -> None:
    from ordna.applications.models import Application
    from ordna.applications.services import application_create
    from ordna.people.models import Person
    from ordna.support import services as support

    load_people([hr_row("E1")])
    supplier = Supplier.objects.create(name="Example IT Services AB")
    application_create(slug="crm", name="CRM", actor=actor, supplier_id=supplier.pk)
    crm = Application.objects.get(slug="crm")
    crm.supplier_resolution_hours = 40
    crm.save()
    person = Person.objects.get()
    first = support.question_ask(application=crm, asked_by=person, category="how_to", text="?", actor=actor)
    support.question_escalate(question=first, actor=actor, ticket_ref="T-1")
    assert first.supplier_target_hours == 40
    contract = make_contract(applications=("crm",))
    services.service_level_set(
        contract=contract, metric="resolution", priority="", target=16, target_percent=90, actor=actor
    )
    second = support.question_ask(application=crm, asked_by=person, category="how_to", text="?", actor=actor)
    support.question_escalate(question=second, actor=actor, ticket_ref="T-2")
    assert second.supplier_target_hours == 16


def test_without_a_registered_measure_every_level_reads_as_not_measured(make_contract, actor, monkeypatch) -> None:
    contract = make_contract()
    services.service_level_set(
        contract=contract, metric="resolution", priority="", target=16, target_percent=90, actor=actor
    )
    monkeypatch.setattr(measures, "_measure", None)
    (report,) = measures.service_levels_measured(contract, since=date(2026, 10, 1), until=TODAY)
    assert (report.level.metric, report.measured, report.met, report.percent_met, report.breaches) == (
        "resolution",
        0,
        0,
        None,
        [],
    )


# What a supplier's own users see -------------------------------------------------------------------------------


@pytest.fixture
def two_suppliers(make_user, make_contract):
    s1 = Supplier.objects.create(name="Example IT Services AB")
    s2 = Supplier.objects.create(name="Voorbeeld Software BV")
    return {
        "users": (make_user("supplier", supplier=s1), make_user("supplier", supplier=s2)),
        "suppliers": (s1, s2),
        "contracts": (
            make_contract(supplier=s1.name, title="Office IT"),
            make_contract(supplier=s2.name, title="ERP hosting"),
        ),
    }


def test_contract_pages_lists_exports_and_search_show_a_supplier_only_its_own(two_suppliers) -> None:
    u1, _u2 = two_suppliers["users"]
    s1, _s2 = two_suppliers["suppliers"]
    c1, c2 = two_suppliers["contracts"]
    client = Client()
    client.force_login(u1)
    assert client.get(f"/contracts/{c2.pk}/").status_code == 404
    assert client.get(f"/contracts/{c1.pk}/").status_code == 200
    page = client.get("/contracts/?q=o").content.decode()
    assert "Office IT" in page and "ERP hosting" not in page
    export = client.get("/contracts/export/?format=json").json()
    assert [row["title"] for row in export] == ["Office IT"]
    assert [s.name for s in client.get("/suppliers/").context["page"]] == [s1.name]


def test_contracts_in_the_api_show_a_supplier_only_its_own(two_suppliers) -> None:
    u1, _u2 = two_suppliers["users"]
    _c1, c2 = two_suppliers["contracts"]
    token = token_create(user=u1, actor=Actor.system("test"))
    api = Client(headers={"Authorization": f"Bearer {token}"})
    contracts = api.get("/api/v1/contracts").json()
    assert (contracts["count"], [c["title"] for c in contracts["items"]]) == (1, ["Office IT"])
    assert api.get("/api/v1/contracts?q=ERP").json()["count"] == 0
    assert api.get(f"/api/v1/contracts/{c2.pk}").status_code == 404
    assert api.get(f"/api/v1/contracts/{c2.pk}/service-levels").status_code == 404
    assert [r["title"] for r in api.get("/api/v1/contracts/export").json()] == ["Office IT"]
    assert api.get("/api/v1/suppliers").status_code == 404  # the list of all suppliers is for IT


def test_contract_pages_issue_the_same_queries_for_3_or_30_contracts(make_user, make_contract) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(make_user("admin"))

    def counts() -> tuple[int, ...]:
        result = []
        for url in ("/contracts/", "/", "/suppliers/"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return tuple(result)

    def add(start: int, stop: int) -> None:
        for n in range(start, stop):
            make_contract(supplier=f"Supplier {n % 4}", title=f"Contract {n}", start_date=date(2026, 4, 1))

    add(0, 3)
    few = counts()
    add(3, 30)
    assert counts() == few


def test_our_deliberation_on_a_contract_is_not_shown_to_its_supplier(two_suppliers, actor) -> None:
    u1, _u2 = two_suppliers["users"]
    c1, _c2 = two_suppliers["contracts"]
    client = Client()
    client.force_login(u1)
    assert "Contract decisions due" not in client.get("/").content.decode()  # an alert of ours, not theirs
    services.contract_decide(contract=c1, decision="terminate", reason="Too expensive", actor=actor, today=TODAY)
    page = client.get(f"/contracts/{c1.pk}/").content.decode()
    assert "Office IT" in page and "Too expensive" not in page and "Decide by" not in page
    token = token_create(user=u1, actor=Actor.system("test"))
    api = Client(headers={"Authorization": f"Bearer {token}"})
    detail = api.get(f"/api/v1/contracts/{c1.pk}").json()
    assert (detail["decision_date"], detail["decided"], detail["decision_buffer_days"]) == (None, None, None)
    assert [r["decision_date"] for r in api.get("/api/v1/contracts/export").json()] == [None]
