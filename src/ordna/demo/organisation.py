"""The demo organisation behind `ordna demo`: a staffing group of Swedish and Dutch consultants.

The `demo_*` functions of the modules beside this one are pure: they return plain dataclasses, the same for the
same seed and `today`. `demo_load` writes them through the services that exist (the HR import, applications,
licences, the account import, users, cases, questions, contracts) and with bulk statements where there is no
service fast enough for thousands of rows yet (devices), each bulk step audited.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from ordna.applications.models import Application
from ordna.core.actor import Actor
from ordna.core.models import User
from ordna.demo.accounts import DemoAccount, accounts_demo_load, demo_accounts, license_seats
from ordna.demo.applications import DEMO_APPLICATIONS, application_owners, applications_demo_load
from ordna.demo.cases import case_templates_demo_load, cases_demo_load
from ordna.demo.companies import (
    companies_demo_load,
    company_applications_demo_load,
    company_templates_demo_load,
    consultant_move_demo,
)
from ordna.demo.connectors import connectors_demo_load
from ordna.demo.devices import DemoDevice, demo_devices, devices_demo_load
from ordna.demo.feeds import feeds_demo_load
from ordna.demo.history import history_demo_load
from ordna.demo.notifications import notifications_demo_load
from ordna.demo.people import (
    CONSULTANT,
    CONTRACTOR,
    EMPLOYEE,
    DemoError,
    DemoPerson,
    demo_people,
    demo_sizes,
    people_demo_load,
)
from ordna.demo.retention import retention_demo_load
from ordna.demo.suppliers import DEMO_SUPPLIERS, supplier_companies_demo_load, suppliers_demo_load
from ordna.demo.support import support_demo_load
from ordna.demo.users import DEMO_PASSWORD, DemoUser, demo_users, users_demo_load
from ordna.people.models import Person


@dataclass(frozen=True)
class DemoPlan:
    """Everything the demo writes, decided before the first write."""

    people: list[DemoPerson]
    owners: dict[str, str]
    accounts: list[DemoAccount]
    seats: dict[tuple[str, str], int]
    devices: list[DemoDevice]
    users: list[DemoUser]


def demo_plan(*, people: int, seed: int, today: date, until: datetime) -> DemoPlan:
    """The demo organisation for `seed`; `until` is the latest moment a sign-in or hand-out may have."""
    persons = demo_people(people=people, seed=seed, today=today)
    owners = application_owners(people=persons, seed=seed, today=today)
    accounts = demo_accounts(people=persons, seed=seed, today=today, until=until)
    devices = demo_devices(people=persons, seed=seed, today=today, until=until)
    users = demo_users(people=persons, owners=owners, devices=devices, accounts=accounts, today=today)
    return DemoPlan(persons, owners, accounts, license_seats(accounts), devices, users)


@dataclass(frozen=True)
class DemoSummary:
    """What `demo_load` wrote, for the command's summary."""

    people: int
    consultants: int
    employees: int
    contractors: int
    past_leavers: int
    upcoming_leavers: int
    future_starters: int
    leavers_with_active_accounts: int
    suppliers: int
    applications: int
    licenses: int
    accounts: int
    devices: int
    users: tuple[str, ...]
    existing_users: tuple[str, ...] = ()
    password: str = DEMO_PASSWORD
    companies: int = 0
    moved: str = ""  # the consultant who moved from one company of the group to another


def demo_blockers() -> str:
    """What keeps the demo from loading as new ("12 users, 300 people"); "" for a database without users,
    people or applications (`ordna demo --if-empty` on a data folder `ordna init` or the demo set up)."""
    counts = (
        (User.objects.count(), "user"),
        (Person.objects.count(), "person"),
        (Application.objects.count(), "application"),
    )
    return ", ".join(
        f"{n} {noun if n == 1 else ('people' if noun == 'person' else noun + 's')}" for n, noun in counts if n
    )


def demo_load(*, people: int, seed: int, actor: Actor, today: date) -> DemoSummary:
    """Load the demo organisation into an empty database, all or nothing; its texts (case templates and tasks)
    in ORDNA_LANGUAGE.

    Refuses (DemoError) when the database already holds people or applications, so it is loaded once.
    Demo users whose username exists already are left as they are and reported.
    """
    demo_sizes(people)  # rejects a size out of range before anything else
    # The demo's texts (template and task names) are data in the organisation's language.
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        existing = Person.objects.count()
        if existing:
            raise DemoError(f"the database already holds {existing} people; the demo loads into an empty database")
        apps = Application.objects.count()
        if apps:
            raise DemoError(f"the database already holds {apps} applications; the demo loads into an empty database")
        plan = demo_plan(people=people, seed=seed, today=today, until=timezone.now())
        names = [u.username for u in plan.users]
        existing_users = tuple(n for n in names if User.objects.filter(username__iexact=n).exists())
        case_templates_demo_load(actor=actor)
        companies = companies_demo_load(actor=actor)
        people_demo_load(plan.people, actor=actor, today=today)
        pk_of = dict(Person.objects.values_list("employee_id", "id"))
        supplier_pk = supplier_companies_demo_load(actor=actor)
        licenses = applications_demo_load(
            owners=plan.owners, seats=plan.seats, pk_of=pk_of, supplier_pk=supplier_pk, actor=actor
        )
        company_applications_demo_load(
            companies=companies, countries={a.slug: a.audience.countries for a in DEMO_APPLICATIONS}, actor=actor
        )
        company_templates_demo_load(actor=actor, companies=companies)
        accounts_demo_load(plan.accounts, pk_of=pk_of, actor=actor, seed=seed)
        devices_demo_load(plan.devices, pk_of=pk_of, actor=actor, seed=seed)
        created = users_demo_load(plan.users, pk_of=pk_of, supplier_pk=supplier_pk, skip=existing_users, actor=actor)
        cases_demo_load(actor=actor, today=today)
        history_demo_load(people=plan.people, devices=plan.devices, pk_of=pk_of, actor=actor, seed=seed, today=today)
        support_demo_load(seed=seed, actor=actor)
        notifications_demo_load(actor=actor, today=today)
        connectors_demo_load(actor=actor)
        feeds_demo_load(actor=actor)
        suppliers_demo_load(actor=actor, today=today)
        moved = consultant_move_demo(
            plan.people, actor=actor, today=today, keep={u.person for u in plan.users if u.person}
        )
        retention_demo_load(actor=actor, today=today)

    kinds = Counter(p.employment_type for p in plan.people)
    phases = Counter(p.phase(today) for p in plan.people)
    left = {p.employee_id for p in plan.people if p.phase(today) == "left"}
    return DemoSummary(
        people=len(plan.people),
        consultants=kinds[CONSULTANT],
        employees=kinds[EMPLOYEE],
        contractors=kinds[CONTRACTOR],
        past_leavers=phases["left"],
        upcoming_leavers=sum(1 for p in plan.people if p.phase(today) == "current" and p.end_date is not None),
        future_starters=phases["future"],
        leavers_with_active_accounts=len(
            {a.person for a in plan.accounts if a.person in left and a.status == "active"}
        ),
        suppliers=len(DEMO_SUPPLIERS),
        applications=len(DEMO_APPLICATIONS),
        licenses=licenses,
        accounts=len(plan.accounts),
        devices=len(plan.devices),
        users=created,
        existing_users=existing_users,
        companies=len(companies),
        moved=moved,
    )
