"""Rows read before are recognised by their digest and not read again; the outcome never differs."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from ordna.accounts import applying, importing
from ordna.accounts.models import Account, Finding
from ordna.accounts.presets import PRESETS, ColumnMapping, mapping_preset
from ordna.accounts.reading import forget_people_snapshot, known_row_digests, stored_accounts
from ordna.accounts.rows import read_accounts, row_digester
from ordna.accounts.services import account_link, licenses_import, reconcile
from ordna.accounts.tests.test_services import BASE, account, export, run
from ordna.applications.models import Application
from ordna.conftest import TODAY, hr_row
from ordna.core.tabular import TableError, open_table
from ordna.people.models import Person

pytestmark = pytest.mark.django_db
GENERIC = PRESETS["generic"]
ROWS = [*BASE, account("ebe", "", "E Berg", employee_id="E2", license="Standard")]


@pytest.fixture
def people(load_people) -> None:
    load_people(
        [
            hr_row("E1", "Karin", "Lindqvist", email="karin.lindqvist@example.org"),
            hr_row("E2", "Johan", "Berg", email="johan.berg@example.org"),
            hr_row("E3", "Johan", "Berg", email="johan.berg2@example.org"),
            hr_row("E4", "Åsa", "Öberg", email="asa.oberg@example.org", end_date="2026-10-31"),
        ]
    )


def reread(write_file, rows: list[dict[str, str]]) -> Any:
    app = Application.objects.get(slug="crm")
    path = write_file("again.csv", export(rows))
    return read_accounts(open_table(path), GENERIC, known=known_row_digests(stored_accounts(app), GENERIC))


def test_rows_read_before_are_not_read_again(people, write_file, actor) -> None:
    assert run(write_file, actor, ROWS).outcome == "applied"
    read = reread(write_file, ROWS)
    # Whatever their link: by address, employee id or name, unlinked, or waiting for review.
    assert sorted(key for key, _ in read.unchanged) == ["aob", "ebe", "jbe", "kli01", "svc-export"]
    assert read.records == []
    # A changed cell is a changed row.
    changed = [dict(row, license="Premium") if row["account_id"] == "kli01" else row for row in ROWS]
    assert sorted(key for key, _ in reread(write_file, changed).unchanged) == ["aob", "ebe", "jbe", "svc-export"]
    # The same row twice is still a duplicate.
    twice = reread(write_file, [*ROWS, ROWS[0]])
    assert [(e.row, e.reason) for e in twice.errors] == [(7, "duplicate account 'kli01' (also on row 2)")]


def test_links_made_from_anything_but_the_row_are_made_again(people, write_file, actor) -> None:
    run(write_file, actor, ROWS)
    # Re-linked from the stored columns: the name links and the rest may differ from what the row says.
    reconcile(application=Application.objects.get(slug="crm"), actor=actor, today=TODAY)
    assert sorted(key for key, _ in reread(write_file, ROWS).unchanged) == ["ebe", "kli01"]
    # A decision is kept whatever the row says.
    jbe = Account.objects.get(key="jbe")
    account_link(account=jbe, actor=actor, person=Person.objects.get(employee_id="E2"), today=TODAY)
    run(write_file, actor, ROWS)  # reads the others in full again, and stores their digests
    assert sorted(key for key, _ in reread(write_file, ROWS).unchanged) == ["aob", "ebe", "jbe", "kli01", "svc-export"]


def test_new_people_mean_links_are_made_again(people, write_file, actor, load_people) -> None:
    run(write_file, actor, ROWS)
    load_people([hr_row("E9", "Nina", "Ny")])
    assert reread(write_file, ROWS).unchanged == []


def state() -> dict[str, Any]:
    accounts = sorted(
        Account.objects.values_list(
            "key",
            "key_display",
            "status",
            "person__employee_id",
            "match_rule",
            "needs_review",
            "licenses",
            "last_login",
            "non_personal",
            "owner__employee_id",
            "email",
            "display_name",
            "employee_id_attr",
        )
    )
    findings = sorted(Finding.objects.values_list("kind", "account__key", "license", "state", "monthly_cost"))
    return {"accounts": accounts, "findings": findings}


def scenario(write_file, actor, load_people) -> list[Any]:
    """Imports of changing exports, decisions and people between them; what each left behind."""
    seen = []

    def step(rows: list[dict[str, str]], **options: Any) -> None:
        result = run(write_file, actor, rows, **options)
        assert result.outcome == "applied", result.errors
        seen.append((result.counts, state()))

    step(ROWS)
    step(ROWS)
    v2 = [
        dict(row, license="Premium") if row["account_id"] == "kli01" else row
        for row in ROWS
        if row["account_id"] != "svc-export"
    ]
    v2.append(account("nyy", "nina.ny@example.org", "Nina Ny"))
    step(v2)  # a changed row, a gone account, a new one nobody owns yet
    account_link(
        account=Account.objects.get(key="jbe"), actor=actor, person=Person.objects.get(employee_id="E3"), today=TODAY
    )
    step(v2)
    step([*v2, ROWS[3]])  # the gone account is back
    load_people([hr_row("E9", "Nina", "Ny", email="nina.ny@example.org")])
    step([*v2, ROWS[3]])  # the same file: nyy now has a person, the others keep theirs
    step([dict(v2[0], status="disabled")], full=False)  # a delta
    step([*v2, ROWS[3]])
    # A namesake arrives and the links are remade from the stored columns (no first and last name there).
    load_people([hr_row("E10", "Johan", "Berg", email="johan.berg3@example.org"), hr_row("E11", "Export", "Service")])
    seen.append((reconcile(application=Application.objects.get(slug="crm"), actor=actor, today=TODAY), state()))
    step([*v2, ROWS[3]])
    step([*v2, ROWS[3]])
    return seen


def test_imports_end_the_same_whether_unchanged_rows_are_read_again_or_not(
    people, write_file, actor, load_people, monkeypatch
) -> None:
    not_read_again = []
    plan_accounts = importing.plan_accounts

    def spy(**options: Any) -> Any:
        not_read_again.append(len(options.get("unchanged", ())))
        return plan_accounts(**options)

    monkeypatch.setattr(importing, "plan_accounts", spy)
    with transaction.atomic():
        recognised = scenario(write_file, actor, load_people)
        transaction.set_rollback(True)
    monkeypatch.setattr(importing, "plan_accounts", plan_accounts)
    forget_people_snapshot()
    monkeypatch.setattr(importing, "known_row_digests", lambda stored, preset: {})
    read_in_full = scenario(write_file, actor, load_people)
    assert recognised == read_in_full
    assert [counts.get("unchanged") for counts, _ in recognised] == [0, 5, 3, 5, 5, 5, 0, 5, None, 6, 6]
    # After the re-link only the identifier links are recognised; the import after it stores the others again.
    assert not_read_again == [0, 5, 3, 5, 5, 1, 0, 5, 0, 3, 6]


def test_a_row_that_no_longer_matches_its_stored_account_is_read_again(people, write_file, actor, monkeypatch) -> None:
    run(write_file, actor, ROWS)
    stale = known_row_digests(stored_accounts(Application.objects.get(slug="crm")), GENERIC)
    # Another import changed kli01 after this one recognised its row (the stored digest is no longer that row's).
    Account.objects.filter(key="kli01").update(source_digest=1)
    monkeypatch.setattr(importing, "known_row_digests", lambda stored, preset: stale)
    result = run(write_file, actor, ROWS)
    assert result.outcome == "applied" and result.counts["unchanged"] == 5
    assert Account.objects.get(key="kli01").source_digest != 1  # read in full, its digest written again


def test_a_row_digest_depends_on_the_cells_the_preset_and_its_settings() -> None:
    mapping = ColumnMapping(columns={"key": "Login", "status": "State"}, disabled_values=("locked",))
    relaxed = ColumnMapping(columns={"key": "Login", "status": "State"}, disabled_values=())
    names = ("Login", "State")
    digest = row_digester(mapping_preset(mapping), names)
    assert digest(("anna", "locked")) == row_digester(mapping_preset(mapping), names)(("anna", "locked"))
    assert digest(("anna", "locked")) != digest(("anna", "active"))
    # Cells, not their concatenation: a separator inside a cell does not make two rows one.
    assert digest(("anna\x1fx", "locked")) != digest(("anna", "x\x1flocked"))
    # "locked" reads as disabled under one mapping and not under the other: the digests differ.
    assert digest(("anna", "locked")) != row_digester(mapping_preset(relaxed), names)(("anna", "locked"))
    assert digest(("anna", "locked")) != row_digester(GENERIC, names)(("anna", "locked"))


def both_ways(scenario: Any, monkeypatch: Any) -> tuple[Any, Any]:
    """The scenario with rows recognised, then (after a rollback) with every row read in full."""
    with transaction.atomic():
        recognised = scenario()
        transaction.set_rollback(True)
    forget_people_snapshot()
    monkeypatch.setattr(importing, "known_row_digests", lambda stored, preset: {})
    return recognised, scenario()


def test_a_row_naming_its_licence_implicitly_is_read_every_time(write_file, actor, load_people, monkeypatch) -> None:
    """ "*" stands for the application's only licence, which a price list may change between imports."""

    def scenario() -> list[Any]:
        load_people([hr_row("E1", "Karin", "Lindqvist", email="karin.lindqvist@example.org")])
        prices = "application,license,monthly_cost,currency,seats\ncrm,Standard,300,SEK,5\n"
        licenses_import(path=write_file("p1.csv", prices), actor=actor, today=TODAY)
        rows = [account("kli01", "karin.lindqvist@example.org", "Karin Lindqvist", license="*", status="disabled")]
        seen = []
        result = run(write_file, actor, rows)
        seen.append((result.counts, result.notices, state()))
        more = "application,license,monthly_cost,currency,seats\ncrm,Premium,900,SEK,\n"
        licenses_import(path=write_file("p2.csv", more), actor=actor, today=TODAY)  # no longer the only one
        result = run(write_file, actor, rows)
        seen.append((result.counts, result.notices, state()))
        return seen

    recognised, read_in_full = both_ways(scenario, monkeypatch)
    assert recognised == read_in_full
    assert recognised[1][1]  # the notice that the export names no licences


def test_links_a_delta_makes_with_other_people_are_not_vouched_for(
    write_file, actor, load_people, settings, monkeypatch
) -> None:
    def scenario() -> list[Any]:
        load_people(
            [
                hr_row("E1", "Karin", "Lindqvist", email="karin.lindqvist@example.org"),
                hr_row("E2", "Other", "Person", email="karin.lindqvist@example.net"),
            ]
        )
        rows = [account("kl", "karin.lindqvist@corp.test", "Karin Lindqvist")]
        seen = []
        settings.ORDNA_MAIL_DOMAINS = ["example.org"]
        seen.append((run(write_file, actor, rows).counts, state()))  # linked by name to E1
        settings.ORDNA_MAIL_DOMAINS = ["example.org", "example.net", "corp.test"]
        seen.append((run(write_file, actor, rows, full=False).counts, state()))  # the address is ambiguous
        settings.ORDNA_MAIL_DOMAINS = ["example.org"]
        seen.append((run(write_file, actor, rows).counts, state()))  # linked by name again
        return seen

    recognised, read_in_full = both_ways(scenario, monkeypatch)
    assert recognised == read_in_full
    assert recognised[2][1]["accounts"][0][3:6] == ("E1", "name", False)


def test_a_file_that_cannot_be_read_again_rejects_the_import(people, write_file, actor, monkeypatch) -> None:
    run(write_file, actor, ROWS)
    stale = known_row_digests(stored_accounts(Application.objects.get(slug="crm")), GENERIC)
    Account.objects.filter(key="kli01").update(source_digest=1)  # changed since: the file must be read again
    monkeypatch.setattr(importing, "known_row_digests", lambda stored, preset: stale)
    opened = []
    real_open = importing.open_table

    def open_once(path: Any, **options: Any) -> Any:
        opened.append(path)
        if len(opened) > 1:
            raise TableError(f"cannot open {path.name}: No such file or directory")
        return real_open(path, **options)

    monkeypatch.setattr(importing, "open_table", open_once)
    result = run(write_file, actor, ROWS)
    assert result.outcome == "rejected"
    assert [e.reason for e in result.errors] == [
        "The file could not be read again: cannot open accounts.csv: No such file or directory"
    ]
    assert Account.objects.get(key="kli01").source_digest == 1  # nothing applied


def test_a_plan_made_stale_meanwhile_is_made_again_before_the_lock(people, write_file, actor, monkeypatch) -> None:
    run(write_file, actor, ROWS)
    checks = []
    stale = applying.plan_stale

    def changed_once(plan: Any, slug: str) -> bool:
        checks.append(plan)
        return len(checks) == 1 or stale(plan, slug)

    monkeypatch.setattr(applying, "plan_stale", changed_once)
    planned = []
    plan_accounts = importing.plan_accounts
    monkeypatch.setattr(
        importing, "plan_accounts", lambda **o: planned.append(len(o["unchanged"])) or plan_accounts(**o)
    )
    result = run(write_file, actor, [dict(ROWS[0], license="Premium"), *ROWS[1:]])
    assert result.outcome == "applied" and result.counts["changed"] == 1
    assert len(checks) == 2  # the second attempt applied
    assert planned == [4, 0]  # recognised rows first; read in full for the second plan


@pytest.mark.django_db(transaction=True)
def test_an_import_locks_its_application_from_the_check_to_the_writes(people, write_file, actor) -> None:
    """On PostgreSQL two imports of one application could otherwise both pass the check and then write over
    each other (SQLite's write lock serialises them already)."""
    from django.db import OperationalError, connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers with its write lock")
    import threading

    run(write_file, actor, ROWS)
    plan = importing.plan_import(
        application=Application.objects.get(slug="crm"), records=[], full=False, today=TODAY, with_findings=False
    )
    answer: list[str] = []

    def other_import() -> None:
        try:
            with transaction.atomic(), connections["default"].cursor() as cursor:
                cursor.execute("SELECT id FROM applications_application WHERE slug = 'crm' FOR UPDATE NOWAIT")
            answer.append("free")
        except OperationalError:
            answer.append("locked")
        finally:
            connections["default"].close()

    with transaction.atomic():
        assert applying.plan_stale(plan, "crm") is False
        thread = threading.Thread(target=other_import)
        thread.start()
        thread.join()
    assert answer == ["locked"]


def test_a_file_that_keeps_what_it_cannot_show_ends_the_same_recognised_or_read(
    people, write_file, actor, monkeypatch
) -> None:
    """A mapping without status and licence columns keeps each account's stored status and licences (issue 28):
    its recognised rows must leave the accounts exactly as reading them in full would, whatever wrote the
    status and licences in between."""
    from ordna.accounts.importing import accounts_import

    listing = "login,name\n" + "".join(f"{row['account_id']},{row['display_name']}\n" for row in ROWS)
    mapping = ColumnMapping(columns={"key": "login", "display_name": "name"})

    def scenario() -> list[Any]:
        seen = []

        def once(**options: Any) -> None:
            path = write_file("listing.csv", listing)
            result = accounts_import(
                create_application=True,
                application_slug="crm",
                path=path,
                actor=actor,
                today=TODAY,
                mapping=mapping,
                allow_mass_change=True,
            )
            assert result.outcome == "applied", result.errors
            seen.append((result.counts, state()))

        run(write_file, actor, ROWS)
        once()
        once()  # recognised: each account as stored
        disabled = [dict(row, status="disabled", license="") if row["account_id"] == "kli01" else row for row in ROWS]
        run(write_file, actor, disabled)  # the application's own export disables kli01 and takes its licence
        once()
        once()
        seen.append(("kli01", Account.objects.filter(key="kli01").values_list("status", "licenses").get()))
        return seen

    not_read_again: list[int] = []
    plan_accounts = importing.plan_accounts

    def spy(**options: Any) -> Any:
        not_read_again.append(len(options.get("unchanged", ())))
        return plan_accounts(**options)

    monkeypatch.setattr(importing, "plan_accounts", spy)
    recognised, read_in_full = both_ways(scenario, monkeypatch)
    assert recognised == read_in_full
    # The listing's second reading recognises every row, before and after the export changed kli01 (each
    # format's reading stores its own digests, so the first reading after the other format's is in full).
    assert not_read_again[:6] == [0, 0, 5, 0, 0, 5]
    assert recognised[-1] == ("kli01", ("disabled", []))
