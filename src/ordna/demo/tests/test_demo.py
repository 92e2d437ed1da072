"""The demo organisation: deterministic for a seed, shaped like the staffing group, loadable once."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from ordna.accounts.models import Account, Finding
from ordna.applications.models import Application, License
from ordna.core.actor import Actor
from ordna.core.audit import audit_verify
from ordna.core.models import AuditEvent, ImportRun, User
from ordna.demo.accounts import NON_PERSONAL_ACCOUNTS, demo_accounts
from ordna.demo.applications import DEMO_APPLICATIONS
from ordna.demo.organisation import demo_load, demo_plan
from ordna.demo.people import (
    LONG_GONE,
    DemoError,
    DemoSizes,
    demo_people,
    demo_sizes,
    email_local_part,
    unique_email,
)
from ordna.demo.users import DEMO_PASSWORD
from ordna.devices.models import Device
from ordna.people.models import Person
from ordna.people.selectors import people_export_rows

TODAY = date(2026, 3, 16)
ACTOR = Actor.system("demo-test")
DEMO_USERNAMES = ("admin", "coordinator", "hr", "manager", "keyuser", "supplier", "employee", "auditor")


@pytest.fixture
def fast_hashing(settings: Settings) -> None:
    # PBKDF2 at full strength costs a quarter of a second per user; the password rules still apply.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- pure generation ------------------------------------------------------------------------------------


def test_sizes_of_the_default_demo_are_3600_consultants_and_400_staff() -> None:
    assert demo_sizes(4000) == DemoSizes(
        people=4000,
        consultants=3600,
        employees=380,
        contractors=20,
        past_leavers=600,
        upcoming_leavers=120,
        future_starters=60,
        namesake_pairs=8,
        orphan_accounts=10,
    )


def test_sizes_of_a_small_demo_keep_at_least_one_of_everything() -> None:
    assert demo_sizes(200) == DemoSizes(
        people=200,
        consultants=180,
        employees=19,
        contractors=1,
        past_leavers=30,
        upcoming_leavers=6,
        future_starters=3,
        namesake_pairs=2,
        orphan_accounts=3,
    )


@pytest.mark.parametrize("people", [0, 59, 100_001])
def test_sizes_out_of_range_are_refused(people: int) -> None:
    with pytest.raises(DemoError, match="between 60 and 100000"):
        demo_sizes(people)


def test_the_same_seed_gives_the_same_people_and_another_seed_other_people() -> None:
    first = [p.hr_row() for p in demo_people(people=250, seed=7, today=TODAY)]
    again = [p.hr_row() for p in demo_people(people=250, seed=7, today=TODAY)]
    other = [p.hr_row() for p in demo_people(people=250, seed=8, today=TODAY)]

    assert first == again
    assert len(first) == 250
    assert sum(a != b for a, b in zip(first, other, strict=True)) > 200


def test_people_are_mostly_consultants_with_leavers_starters_and_namesakes() -> None:
    people = demo_people(people=300, seed=5, today=TODAY)

    assert Counter(p.employment_type for p in people) == {"consultant": 271, "employee": 28, "contractor": 1}
    left = [p for p in people if p.end_date and p.end_date < TODAY]
    leaving = [p for p in people if p.end_date and p.end_date >= TODAY]
    starting = [p for p in people if p.start_date and p.start_date > TODAY]
    assert len(left) == 45
    # Most left within 18 months; a few (every sixth of those before the trend's year) two years earlier still,
    # past the retention period (docs/privacy.md).
    long_gone = [p for p in left if p.end_date < TODAY - LONG_GONE]  # type: ignore[operator]
    assert len(long_gone) == 2
    assert all(TODAY - timedelta(days=548) <= p.end_date < TODAY for p in left if p not in long_gone)  # type: ignore[operator]
    assert all(TODAY - timedelta(days=548) - LONG_GONE <= p.end_date for p in long_gone)  # type: ignore[operator]
    assert len(leaving) == 9
    assert all(p.end_date <= TODAY + timedelta(days=60) for p in leaving)  # type: ignore[operator]
    assert len(starting) == 4
    assert all(
        p.start_date <= TODAY + timedelta(days=30) and p.end_date is None  # type: ignore[operator]
        for p in starting
    )
    assert all(p.start_date is not None and p.start_date >= TODAY - timedelta(days=8 * 365) for p in people)
    assert all(p.start_date <= p.end_date for p in people if p.end_date)  # type: ignore[operator]

    names = Counter(p.full_name for p in people)
    namesakes = [name for name, count in names.items() if count > 1]
    assert [names[n] for n in namesakes] == [2, 2]
    for name in namesakes:
        pair = [p for p in people if p.full_name == name]
        assert pair[0].employee_id != pair[1].employee_id
        assert pair[0].email != pair[1].email


def test_employee_ids_and_emails_are_unique_and_emails_are_plain_ascii() -> None:
    people = demo_people(people=300, seed=5, today=TODAY)

    assert [p.employee_id for p in people] == [f"E{10001 + n}" for n in range(300)]
    assert len({p.email for p in people}) == 300
    for person in people:
        assert re.fullmatch(r"[a-z0-9-]+\.[a-z0-9-]+[0-9]*@example\.(org|nl)", person.email), person.email
        dutch_office = person.department in ("Consulting Amsterdam", "Consulting Utrecht", "Consulting Rotterdam")
        assert person.email.endswith("@example.nl") == dutch_office
    assert any(set(p.full_name) & set("åäöéÅÄÖ") for p in people)
    assert any(p.last_name.startswith(("van ", "de ")) for p in people)


def test_every_person_reports_up_to_the_one_ceo_without_cycles() -> None:
    people = demo_people(people=300, seed=5, today=TODAY)
    manager_of = {p.employee_id: p.manager_employee_id for p in people}

    ceos = [e for e, m in manager_of.items() if not m]
    assert len(ceos) == 1
    for employee_id in manager_of:
        chain = [employee_id]
        while manager_of[chain[-1]]:
            chain.append(manager_of[chain[-1]])
            assert len(chain) <= 5, chain
        assert chain[-1] == ceos[0]
    managers = {m for m in manager_of.values() if m}
    by_id = {p.employee_id: p for p in people}
    heads = [p for p in people if p.manager_employee_id == ceos[0] and p.department != "Management"]
    assert sorted(p.department for p in heads) == sorted(
        [
            "Consulting Stockholm",
            "Consulting Göteborg",
            "Consulting Malmö",
            "Consulting Amsterdam",
            "Consulting Utrecht",
            "Consulting Rotterdam",
            "HR",
            "IT",
            "Finance",
            "Sales",
        ]
    )
    assert all(by_id[m].end_date is None and by_id[m].employment_type == "employee" for m in managers)


def test_locale_and_holiday_country_follow_the_office() -> None:
    people = demo_people(people=300, seed=5, today=TODAY)

    for person in people:
        if person.department in ("Consulting Amsterdam", "Consulting Utrecht", "Consulting Rotterdam"):
            assert (person.holiday_country, person.locale in ("nl", "en")) == ("NL", True)
        elif person.department.startswith("Consulting"):
            assert (person.holiday_country, person.locale in ("sv", "en")) == ("SE", True)
    assert {p.locale for p in people} == {"sv", "nl", "en"}


def test_email_local_part_folds_diacritics_and_joins_name_particles() -> None:
    assert email_local_part("Åsa", "Öberg") == "asa.oberg"
    assert email_local_part("Jan", "van der Meer") == "jan.vandermeer"
    assert email_local_part("Renée", "van 't Hof") == "renee.vanthof"
    assert email_local_part("Sean", "O'Brien") == "sean.obrien"
    assert email_local_part("Karl-Erik", "Sjögren") == "karl-erik.sjogren"


def test_unique_email_appends_a_digit_on_collision() -> None:
    taken: set[str] = set()

    addresses = [unique_email("asa.oberg", "example.org", taken) for _ in range(3)]

    assert addresses == ["asa.oberg@example.org", "asa.oberg2@example.org", "asa.oberg3@example.org"]
    assert unique_email("asa.oberg", "example.nl", taken) == "asa.oberg@example.nl"


def test_accounts_do_not_depend_on_the_moment_of_loading_except_for_sign_in_times() -> None:
    people = demo_people(people=200, seed=3, today=TODAY)
    morning = datetime(2026, 3, 16, 6, 0, tzinfo=UTC)
    evening = datetime(2026, 3, 16, 21, 0, tzinfo=UTC)

    early = demo_accounts(people=people, seed=3, today=TODAY, until=morning)
    late = demo_accounts(people=people, seed=3, today=TODAY, until=evening)

    assert [(a.application, a.key, a.status, a.licenses, a.person) for a in early] == [
        (a.application, a.key, a.status, a.licenses, a.person) for a in late
    ]
    assert all(a.last_login is None or a.last_login <= morning for a in early)


def test_even_the_smallest_demo_keeps_a_leaver_with_an_active_account_and_a_laptop() -> None:
    until = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
    for seed in range(1, 31):
        plan = demo_plan(people=60, seed=seed, today=TODAY, until=until)
        left = {p.employee_id for p in plan.people if p.end_date and p.end_date < TODAY}

        assert any(a.person in left and a.status == "active" for a in plan.accounts), seed
        assert any(d.holder in left and d.status == "issued" and d.kind == "laptop" for d in plan.devices), seed
        assert any(p.end_date and p.end_date >= TODAY for p in plan.people), seed
        assert len({u.person for u in plan.users if u.person}) == 5, seed


# --- loading --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_load_imports_exactly_the_generated_hr_rows(fast_hashing: None) -> None:
    summary = demo_load(people=200, seed=3, actor=ACTOR, today=TODAY)

    expected = [p.hr_row() for p in demo_people(people=200, seed=3, today=TODAY)]
    # One consultant moved to the other company of the group after the first HR file (issue 19).
    moved = next(row for row in expected if row["employee_id"] == summary.moved)
    assert (moved["employment_type"], moved["company"]) == ("consultant", "se")
    moved["company"] = "nl"
    exported = [
        {k: (v.isoformat() if isinstance(v, date) else v or "") for k, v in row.items() if k in expected[0]}
        for row in people_export_rows(Person.objects.all(), today=TODAY)
    ]
    assert exported == expected
    assert set(ImportRun.objects.filter(source="hr").values_list("outcome", flat=True)) == {"applied"}
    assert set(ImportRun.objects.filter(source="accounts").values_list("outcome", flat=True)) == {"applied"}
    assert (summary.people, summary.consultants, summary.employees, summary.contractors) == (200, 180, 19, 1)
    assert (summary.past_leavers, summary.upcoming_leavers, summary.future_starters) == (30, 6, 3)
    assert Person.objects.filter(manager__isnull=True).count() == 1


@pytest.mark.django_db
def test_demo_load_creates_applications_licences_accounts_and_devices(fast_hashing: None) -> None:
    summary = demo_load(people=200, seed=3, actor=ACTOR, today=TODAY)

    assert Application.objects.count() == 30 == summary.applications
    assert Application.objects.filter(owner__isnull=True).count() == 0
    assert Application.objects.filter(supplier__isnull=False).count() == 23
    assert License.objects.count() == summary.licenses == sum(len(a.licenses) for a in DEMO_APPLICATIONS)
    assert set(License.objects.values_list("currency", flat=True)) == {"SEK", "EUR"}
    assert License.objects.get(application__slug="m365", name="Microsoft 365 F3").seats is not None

    assert Account.objects.count() == summary.accounts
    assert Account.objects.filter(application__slug="m365", person__isnull=False).count() > 150
    left = Account.objects.filter(person__end_date__lt=TODAY)
    assert left.filter(status="active").values("person").distinct().count() == summary.leavers_with_active_accounts >= 1
    assert 0.4 <= left.filter(status="disabled").count() / left.count() <= 0.8
    non_personal = Account.objects.filter(non_personal=True)
    assert non_personal.count() == len(NON_PERSONAL_ACCOUNTS)
    assert all(a.person_id is None and a.owner.department == "IT" for a in non_personal)
    orphans = Account.objects.filter(person__isnull=True, non_personal=False, needs_review=False)
    assert orphans.filter(application__slug="m365").count() == 3
    assert set(orphans.values_list("match_rule", flat=True)) == {""}
    full_names = Counter(f"{first} {last}" for first, last in Person.objects.values_list("first_name", "last_name"))
    review = Account.objects.filter(needs_review=True)
    assert sorted(review.values_list("display_name", flat=True)) == sorted(n for n, c in full_names.items() if c > 1)
    assert review.count() == 2
    assert not review.filter(person__isnull=False).exists()
    # Correlation alone links the demo's accounts, by employee id or address; only service accounts carry a
    # person's (manual) decision.
    assert set(Account.objects.exclude(match_rule="").values_list("match_rule", flat=True)) == {
        "employee_id",
        "email",
        "manual",
    }
    assert set(Account.objects.filter(match_rule="manual").values_list("non_personal", flat=True)) == {True}
    assert Finding.objects.filter(kind="leaver_active", state="open").exists()
    assert Finding.objects.filter(kind="license_waste", monthly_cost__gt=0).exists()

    started = Person.objects.filter(start_date__lte=TODAY).exclude(end_date__lt=TODAY)
    laptops = Counter(
        Device.objects.filter(kind="laptop", status="issued", holder__in=started).values_list("holder_id", flat=True)
    )
    assert set(laptops.values()) == {1}
    assert len(laptops) == started.count()
    assert Device.objects.filter(status="issued", holder__end_date__lt=TODAY, kind="laptop").count() >= 1
    assert Device.objects.filter(kind="phone").count() >= 19
    assert re.fullmatch(r"LT-\d{6}", Device.objects.filter(kind="laptop").first().asset_tag)  # type: ignore[union-attr]


@pytest.mark.django_db
def test_every_demo_user_signs_in_with_the_demo_password(fast_hashing: None) -> None:
    summary = demo_load(people=150, seed=1, actor=ACTOR, today=TODAY)

    assert summary.users == DEMO_USERNAMES
    for username in DEMO_USERNAMES:
        assert authenticate(username=username, password=DEMO_PASSWORD) is not None, username
    users = {u.username: u for u in User.objects.select_related("person", "supplier")}
    assert {u: sorted(user.roles.values_list("role", flat=True)) for u, user in users.items()} == {
        "admin": ["admin"],
        "coordinator": ["coordinator"],
        "hr": ["hr"],
        "manager": ["manager"],
        "keyuser": ["key_user"],
        "supplier": ["supplier"],
        "employee": ["employee"],
        "auditor": ["auditor"],
    }
    assert users["coordinator"].person.department == "IT"  # type: ignore[union-attr]
    assert users["manager"].person.reports.exists()  # type: ignore[union-attr]
    assert users["keyuser"].person.owned_applications.count() >= 2  # type: ignore[union-attr]
    assert users["supplier"].supplier == Application.objects.get(slug="m365").supplier
    employee = users["employee"].person
    assert employee is not None and employee.employment_type == "consultant"
    assert employee.devices.filter(kind="laptop", status="issued").count() == 1


@pytest.mark.django_db
def test_the_audit_chain_verifies_after_loading(fast_hashing: None) -> None:
    demo_load(people=150, seed=2, actor=ACTOR, today=TODAY)

    result = audit_verify()

    assert result.ok
    # people, the HR import, suppliers, applications, licences, one per account import, one per service
    # account's owner decision, the devices, the users, and offboarding's templates, cases and lines
    # (the past year's import runs that verified old cases' lines are in the one demo.history event)
    account_imports = ImportRun.objects.filter(source="accounts").exclude(actor_label__endswith="(history)").count()
    owner_decisions = Account.objects.filter(non_personal=True).count()
    offboarding = AuditEvent.objects.filter(action__regex=r"^(case|case_template|line)\.").count()
    assert offboarding > 0
    # and the key users, questions, survey and wishes of support.demo
    support = (
        AuditEvent.objects.filter(target_type__in=["applications.keyuserappointment"]).count()
        + AuditEvent.objects.filter(target_type__startswith="support.").count()
    )
    assert support > 100
    # and the reminder runs of the last three business days (their digests are sent after the load commits)
    reminders = AuditEvent.objects.filter(action__in=["reminders.run", "digest.sent"]).count()
    assert reminders == 3
    # and the demo's connector (set once) and the disables waiting for approval in its outbox
    connectors = AuditEvent.objects.filter(action__startswith="connector.").count()
    assert AuditEvent.objects.filter(action="connector.set").count() == 1 and connectors > 1
    # and the contracts, service levels, reviews, actions and release of suppliers.demo
    contracts = AuditEvent.objects.filter(
        target_type__in=["suppliers.contract", "suppliers.review", "suppliers.actionitem", "releases.release"]
    ).count()
    assert contracts >= 7 * (1 + 2 + 1 + 1)  # a contract, two service levels, a review and an action each
    # and the HR file's watch-folder feed
    assert AuditEvent.objects.filter(action="feed.created").count() == 1
    # and the processors of the demo (issue 27): three agreements; the complete one with its document, two
    # sub-processors, a transfer and an oversight, the overdue one with a sub-processor, an oversight and the
    # announced sub-processor; and the applications marked as holding personal data
    processors = AuditEvent.objects.filter(action__startswith="processor.").count()
    assert processors == 3 + (1 + 2 + 1 + 1) + (1 + 1 + 1)
    personal = AuditEvent.objects.filter(action="application.updated", after__has_key="holds_personal_data").count()
    assert personal == Application.objects.filter(holds_personal_data=True).count() > 0
    assert (
        result.checked
        == AuditEvent.objects.count()
        == (
            150
            + 1
            + 7
            + 30
            + 31
            + account_imports
            + owner_decisions
            + 1
            + 8
            + offboarding
            + 1  # demo.history
            + support
            + reminders
            + connectors
            + contracts
            + 2  # the group's two companies (issue 19)
            + Application.objects.filter(company__isnull=False).count()  # each company's own applications
            + 2  # the consultant's move to the other company: the person changed, and the HR import
            + 1  # the feed
            + processors
            + personal
        )
    )
    assert AuditEvent.objects.filter(action="import.accounts").count() == account_imports > 20
    assert AuditEvent.objects.filter(action="demo.devices", after__count=Device.objects.count()).count() == 1


@pytest.mark.django_db
def test_an_existing_demo_username_is_kept_and_reported(fast_hashing: None) -> None:
    User.objects.create_user(username="admin", password="Another-secret-42")

    summary = demo_load(people=150, seed=1, actor=ACTOR, today=TODAY)

    assert summary.existing_users == ("admin",)
    assert summary.users == DEMO_USERNAMES[1:]
    assert authenticate(username="admin", password="Another-secret-42") is not None


@pytest.mark.django_db
def test_the_command_loads_once_and_refuses_a_second_time(fast_hashing: None, settings: Settings) -> None:
    settings.BASE_URL = "http://127.0.0.1:8000"
    out = StringIO()

    call_command("demo", people=150, seed=1, stdout=out)

    # No address: the loader cannot know the port `ordna serve` will use (`make run PORT=...`).
    assert (
        "\nSign in as admin / ordna-demo-2026 (also: coordinator, hr, manager, keyuser, supplier, employee, auditor)"
    ) in out.getvalue()
    assert "http" not in out.getvalue() and "8000" not in out.getvalue()
    assert "150 people: 135 consultants, 14 employees, 1 contractor\n" in out.getvalue()
    with pytest.raises(CommandError) as refused:
        call_command("demo", people=150, seed=2, stdout=StringIO())
    assert str(refused.value) == "the database already holds 150 people; the demo loads into an empty database"
    assert Person.objects.count() == 150


@pytest.mark.django_db
def test_the_command_refuses_a_size_out_of_range() -> None:
    with pytest.raises(CommandError, match="between 60 and 100000, not 10"):
        call_command("demo", people=10, stdout=StringIO())
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_the_demo_writes_its_templates_and_tasks_in_the_organisations_language(
    fast_hashing: None, settings: Settings
) -> None:
    """Case template and task names are data: written once, in ORDNA_LANGUAGE, whatever language is active."""
    from ordna.lifecycle.models import CaseTemplate, TemplateTask

    settings.LANGUAGE_CODE = "sv"
    call_command("demo", people=150, seed=1, stdout=StringIO())

    assert sorted(CaseTemplate.objects.values_list("name", flat=True)) == [
        "Avslut (alla)",
        "Avslut (konsult)",
        "Nyanställning (alla)",
        "Nyanställning (konsulter, Ordna Consulting BV)",  # the Dutch company's own (issue 19)
    ]
    tasks = set(TemplateTask.objects.values_list("title", "instructions"))
    assert (
        "Planera överlämningen av pågående arbete",
        "Kom överens om vem som tar över kunder, filer och brevlådor.",
    ) in tasks
    assert ("Arkivera den personliga lagringsytan", "") in tasks


@pytest.mark.django_db
def test_the_demo_has_a_watch_folder_feed_and_one_stale_application(fast_hashing: None, settings: Settings) -> None:
    from ordna.feeds.fetching import feed_folder
    from ordna.feeds.models import Feed
    from ordna.feeds.selectors import stale_sources

    demo_load(people=200, seed=3, actor=ACTOR, today=TODAY)
    feed = Feed.objects.get()
    assert (feed.name, feed.kind, feed.target, feed.schedule) == ("hr", "folder", "hr", "daily at 06:00")
    assert feed_folder(feed) == settings.DATA_DIR / "inbox" / "hr" and feed_folder(feed).is_dir()
    stale = stale_sources(day=timezone.localdate())  # the exports were taken now, whatever the demo's today
    assert [(s.key, s.age_days, s.max_age_days) for s in stale] == [("miro", 12, 7)]
    assert stale[0].blocked_lines >= 0


@pytest.mark.django_db
def test_the_demo_shows_the_processors_gaps_on_the_dashboard_and_in_the_review_agenda(fast_hashing: None) -> None:
    from ordna.reviews.models import Review
    from ordna.suppliers.models import SubProcessor
    from ordna.suppliers.processing_gaps import processing_gaps

    demo_load(people=150, seed=2, actor=ACTOR, today=TODAY)
    # Voorbeeld Software BV's agreement is complete; Example IT Services AB's has its oversight overdue, its
    # certificate expired and a sub-processor to decide; Example Telecom AB's expired, leaving its application
    # without one.
    gaps = {(g.supplier, g.kind) for g in processing_gaps(today=TODAY)}
    assert gaps == {
        ("Example IT Services AB", "oversight_overdue"),
        ("Example IT Services AB", "certification_expired"),
        ("Example IT Services AB", "subprocessor_undecided"),
        ("Example Telecom AB", "agreement_expired"),
        ("Example Telecom AB", "no_agreement"),
    }
    announced = SubProcessor.objects.get(status="proposed")
    assert announced.decide_by == TODAY + timedelta(days=5)
    agenda = Review.objects.get(supplier__name="Example IT Services AB").agenda
    assert "- Oversight overdue: Personuppgiftsbiträdesavtal" in agenda
    assert "- Sub-processor to decide: Personuppgiftsbiträdesavtal: Example Ticketing Ltd" in agenda
    client = Client()
    client.force_login(User.objects.get(username="coordinator"))
    with time_machine.travel(datetime(2026, 3, 16, 9, 0, tzinfo=UTC)):  # the demo's today
        page = client.get("/").content.decode()
    # The demo's coordinator reads Swedish.
    assert "5 brister hos personuppgiftsbiträden" in page and "Certifieringen har löpt ut" in page
