"""A price change touches only what changed (issue 24): the licence's findings are re-priced in place, with no
account read, and end as a full recomputation would leave them; new seats still recompute the application."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ordna.accounts.findings_sync import findings_recompute
from ordna.accounts.models import Finding
from ordna.accounts.services import licenses_import
from ordna.accounts.tests.test_services import BASE, people, run  # noqa: F401 - `people` is a fixture
from ordna.applications.models import Application
from ordna.conftest import TODAY

pytestmark = pytest.mark.django_db
PRICES = "application,license,monthly_cost,currency,seats\n"


def money() -> dict[tuple[str, str], tuple[Decimal, str]]:
    return {
        (f.kind, f.account.key if f.account else ""): (f.monthly_cost, f.currency)
        for f in Finding.objects.filter(kind__in=["license_waste", "seat_overbuy"]).select_related("account")
    }


def test_a_new_price_reprices_the_licences_findings_in_place(people, write_file, actor) -> None:  # noqa: F811
    licenses_import(path=write_file("p1.csv", PRICES + "crm,Standard,300,SEK,10\n"), actor=actor, today=TODAY)
    run(write_file, actor, BASE)
    assert money() == {
        ("license_waste", "aob"): (Decimal("300.00"), "SEK"),
        ("seat_overbuy", ""): (Decimal("2100.00"), "SEK"),  # 10 seats, 3 assigned
    }
    with CaptureQueriesContext(connection) as queries:
        result = licenses_import(
            path=write_file("p2.csv", PRICES + "crm,Standard,12.50,EUR,10\n"), actor=actor, today=TODAY
        )
    assert result.outcome == "applied" and result.counts["changed"] == 1
    assert not [q for q in queries.captured_queries if "accounts_account" in q["sql"]]  # no account read
    updates = [q for q in queries.captured_queries if q["sql"].startswith("UPDATE") and "accounts_finding" in q["sql"]]
    assert len(updates) == 2  # the licence waste in one statement, the unused seats' finding in another
    repriced = money()
    assert repriced == {
        ("license_waste", "aob"): (Decimal("12.50"), "EUR"),
        ("seat_overbuy", ""): (Decimal("87.50"), "EUR"),
    }
    # The same as recomputing the application from its accounts.
    findings_recompute(application=Application.objects.get(slug="crm"), today=TODAY)
    assert money() == repriced


def test_new_seats_recompute_the_application(people, write_file, actor) -> None:  # noqa: F811
    licenses_import(path=write_file("p1.csv", PRICES + "crm,Standard,300,SEK,10\n"), actor=actor, today=TODAY)
    run(write_file, actor, BASE)
    licenses_import(path=write_file("p2.csv", PRICES + "crm,Standard,300,SEK,3\n"), actor=actor, today=TODAY)
    assert not Finding.objects.filter(kind="seat_overbuy", state="open").exists()  # all 3 seats assigned
    licenses_import(path=write_file("p3.csv", PRICES + "crm,Standard,300,SEK,5\n"), actor=actor, today=TODAY)
    assert Finding.objects.get(kind="seat_overbuy", state="open").monthly_cost == Decimal("600.00")


def test_a_price_for_a_licence_that_had_none_prices_its_waste(people, write_file, actor) -> None:  # noqa: F811
    run(write_file, actor, BASE)
    assert money() == {("license_waste", "aob"): (Decimal("0.00"), "SEK")}
    licenses_import(path=write_file("p1.csv", PRICES + "crm,Standard,40,NOK,\n"), actor=actor, today=TODAY)
    assert money() == {("license_waste", "aob"): (Decimal("40.00"), "NOK")}


def test_an_unchanged_reconcile_reads_nothing_and_a_change_reconciles_again(people, write_file, actor) -> None:  # noqa: F811
    from datetime import timedelta

    from ordna.accounts.services import reconcile
    from ordna.people.models import Person

    run(write_file, actor, BASE)
    crm = Application.objects.get(slug="crm")
    first = reconcile(application=crm, actor=actor, today=TODAY)
    assert first["nothing_changed"] == 0 and first["accounts"] == len(BASE)
    with CaptureQueriesContext(connection) as queries:
        again = reconcile(application=crm, actor=actor, today=TODAY)
    assert again == {**first, "relinked": 0, "links_made": 0, "needs_review": 0, "findings_opened": 0,
                     "findings_resolved": 0, "nothing_changed": 1}  # fmt: skip
    assert not [q for q in queries.captured_queries if 'FROM "accounts_account"' in q["sql"]]
    assert len(queries.captured_queries) <= 6
    # What it depends on: the day, the people, the prices.
    assert reconcile(application=crm, actor=actor, today=TODAY + timedelta(days=1))["nothing_changed"] == 0
    assert reconcile(application=crm, actor=actor, today=TODAY + timedelta(days=1))["nothing_changed"] == 1
    Person.objects.filter(employee_id="E1").update(end_date=TODAY)
    Person.objects.get(employee_id="E1").save()  # raises updated_at, as every HR import does
    assert reconcile(application=crm, actor=actor, today=TODAY + timedelta(days=1))["nothing_changed"] == 0
    licenses_import(path=write_file("p.csv", PRICES + "crm,Standard,5,SEK,\n"), actor=actor, today=TODAY)
    assert reconcile(application=crm, actor=actor, today=TODAY + timedelta(days=1))["nothing_changed"] == 0
