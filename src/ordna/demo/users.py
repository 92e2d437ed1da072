"""The demo's sign-in users: one per role, each linked to someone who makes the role worth showing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from ordna.core.actor import Actor
from ordna.core.services import user_add
from ordna.demo.accounts import DemoAccount
from ordna.demo.applications import DEMO_APPLICATIONS
from ordna.demo.devices import DemoDevice
from ordna.demo.people import CONSULTANT, DemoPerson
from ordna.people.models import Person

# Printed by `ordna demo` for signing in to a throwaway demo database; never a real credential.
DEMO_PASSWORD = "ordna-demo-2026"  # noqa: S105


@dataclass(frozen=True)
class DemoUser:
    username: str
    roles: tuple[str, ...]
    person: str = ""  # employee id
    supplier: str = ""  # supplier name
    email: str = ""


def demo_users(
    *,
    people: Sequence[DemoPerson],
    owners: Mapping[str, str],
    devices: Sequence[DemoDevice],
    accounts: Sequence[DemoAccount],
    today: date,
) -> list[DemoUser]:
    """One user per role, each linked to someone who makes the role worth showing."""
    by_id = {p.employee_id: p for p in people}
    ceo = next(p for p in people if not p.manager_employee_id)
    heads = {
        p.department: p for p in people if p.manager_employee_id == ceo.employee_id and p.department != "Management"
    }
    reports: dict[str, list[DemoPerson]] = {}
    for person in people:
        reports.setdefault(person.manager_employee_id, []).append(person)
    used = {heads["IT"].employee_id, heads["HR"].employee_id, ceo.employee_id}

    def manager_score(person: DemoPerson) -> tuple[bool, bool, bool, int]:
        mine = reports.get(person.employee_id, [])
        return (
            person.employee_id not in {h.employee_id for h in heads.values()},
            any(r.phase(today) == "current" and r.end_date is not None for r in mine),
            any(r.phase(today) == "left" for r in mine),
            len(mine),
        )

    managers = [p for p in people if reports.get(p.employee_id) and p.employee_id not in used]
    manager = max(managers, key=manager_score)
    used.add(manager.employee_id)

    owned = Counter(owners.values())
    key_user = max((by_id[e] for e in owned if e not in used), key=lambda p: (owned[p.employee_id], p.employee_id))
    used.add(key_user.employee_id)

    laptop_holders = {d.holder for d in devices if d.kind == "laptop" and d.status == "issued"}
    in_m365 = {a.person for a in accounts if a.application == "m365" and a.status == "active"}
    employee = next(
        p
        for p in people
        if p.employment_type == CONSULTANT
        and p.phase(today) == "current"
        and p.end_date is None
        and p.employee_id in laptop_holders
        and p.employee_id in in_m365
        and p.employee_id not in used
    )
    m365_supplier = next(a.supplier for a in DEMO_APPLICATIONS if a.slug == "m365")
    return [
        DemoUser("admin", ("admin",), email="admin@example.org"),
        DemoUser("coordinator", ("coordinator",), heads["IT"].employee_id, email=heads["IT"].email),
        DemoUser("hr", ("hr",), heads["HR"].employee_id, email=heads["HR"].email),
        DemoUser("manager", ("manager",), manager.employee_id, email=manager.email),
        DemoUser("keyuser", ("key_user",), key_user.employee_id, email=key_user.email),
        DemoUser("supplier", ("supplier",), supplier=m365_supplier),
        DemoUser("employee", ("employee",), employee.employee_id, email=employee.email),
        DemoUser("auditor", ("auditor",), email="auditor@example.org"),
    ]


def users_demo_load(
    users: Sequence[DemoUser],
    *,
    pk_of: Mapping[str, int],
    supplier_pk: Mapping[str, int],
    skip: Sequence[str],
    actor: Actor,
) -> tuple[str, ...]:
    """Make the users (those in `skip` exist already); returns the usernames made."""
    locale_of = dict(
        Person.objects.filter(employee_id__in=[u.person for u in users]).values_list("employee_id", "locale")
    )
    created = []
    for demo in users:
        if demo.username in skip:
            continue
        user_add(
            username=demo.username,
            roles=demo.roles,
            actor=actor,
            person_id=pk_of[demo.person] if demo.person else None,
            supplier_id=supplier_pk[demo.supplier] if demo.supplier else None,
            email=demo.email,
            password=DEMO_PASSWORD,
            locale=locale_of.get(demo.person, ""),
        )
        created.append(demo.username)
    return tuple(created)
