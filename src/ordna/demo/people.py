"""The demo's people: a staffing group of Swedish and Dutch consultants, with its structure, names, dates and
namesakes, written as an HR file and loaded through the HR import.

Everything is generated from one seed with `random.Random` instances of its own (never the global
generator), so the same seed and the same `today` give the same organisation on every machine.
"""

from __future__ import annotations

import csv
import math
import random
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from ordna.core.actor import Actor
from ordna.demo.names import (
    DUTCH_FIRST_NAMES,
    DUTCH_LAST_NAMES,
    INTERNATIONAL_FIRST_NAMES,
    INTERNATIONAL_LAST_NAMES,
    SWEDISH_FIRST_NAMES,
    SWEDISH_LAST_NAMES,
)
from ordna.people.hr_import import REQUIRED_FIELDS
from ordna.people.services import people_import

DEFAULT_PEOPLE = 4000
MIN_PEOPLE = 60
MAX_PEOPLE = 100_000
# The ordna preset of the HR import, with the optional locale, holiday and company columns.
HR_COLUMNS = (*REQUIRED_FIELDS, "locale", "holiday_country", "company")

EMPLOYEE, CONSULTANT, CONTRACTOR = "employee", "consultant", "contractor"
SWEDISH_CONSULTING = ("Consulting Stockholm", "Consulting Göteborg", "Consulting Malmö")
DUTCH_CONSULTING = ("Consulting Amsterdam", "Consulting Utrecht", "Consulting Rotterdam")
CENTRAL_DEPARTMENTS = ("HR", "IT", "Finance", "Sales", "Management")
DEPARTMENTS = (*SWEDISH_CONSULTING, *DUTCH_CONSULTING, *CENTRAL_DEPARTMENTS)
COST_CENTERS = {
    "Consulting Stockholm": "2100",
    "Consulting Göteborg": "2200",
    "Consulting Malmö": "2300",
    "Consulting Amsterdam": "3100",
    "Consulting Utrecht": "3200",
    "Consulting Rotterdam": "3300",
    "HR": "1100",
    "IT": "1200",
    "Finance": "1300",
    "Sales": "1400",
    "Management": "1000",
}
# Share of the consultants per office, and of the central staff per department.
CONSULTING_WEIGHTS = {
    "Consulting Stockholm": 30,
    "Consulting Göteborg": 17,
    "Consulting Malmö": 11,
    "Consulting Amsterdam": 19,
    "Consulting Utrecht": 13,
    "Consulting Rotterdam": 10,
}
CENTRAL_WEIGHTS = {"Sales": 35, "HR": 20, "Finance": 15, "IT": 15, "Management": 15}
CONSULTANTS_PER_TEAM = 40
STAFF_PER_TEAM = 12


class DemoError(ValueError):
    """The demo cannot be loaded as asked; the message says why."""


@dataclass(frozen=True)
class DemoSizes:
    """How many of each: derived from the requested number of people alone."""

    people: int
    consultants: int
    employees: int
    contractors: int
    past_leavers: int
    upcoming_leavers: int
    future_starters: int
    namesake_pairs: int
    orphan_accounts: int


def demo_sizes(people: int) -> DemoSizes:
    """About 90 % consultants, 9.5 % staff and 0.5 % contractors; 15 % left in the last 18 months."""
    if not MIN_PEOPLE <= people <= MAX_PEOPLE:
        raise DemoError(f"--people must be between {MIN_PEOPLE} and {MAX_PEOPLE}, not {people}")
    employees = max(12, people * 95 // 1000)
    contractors = max(1, people // 200)
    return DemoSizes(
        people=people,
        consultants=people - employees - contractors,
        employees=employees,
        contractors=contractors,
        past_leavers=people * 15 // 100,
        upcoming_leavers=max(1, people * 3 // 100),
        future_starters=max(1, people * 15 // 1000),
        namesake_pairs=max(2, people // 500),
        orphan_accounts=max(3, people // 400),
    )


@dataclass(frozen=True)
class DemoPerson:
    """One row of the demo's HR file (the `ordna` preset with its optional locale and holiday columns)."""

    employee_id: str
    first_name: str
    last_name: str
    email: str
    department: str
    manager_employee_id: str
    employment_type: str
    start_date: date | None
    end_date: date | None
    cost_center: str
    locale: str
    holiday_country: str
    company: str = "se"  # the demo company's code (demo/companies.py)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def hr_row(self) -> dict[str, str]:
        """The row as the HR file holds it: every value a string, dates in ISO format."""
        return {
            "employee_id": self.employee_id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "department": self.department,
            "manager_employee_id": self.manager_employee_id,
            "employment_type": self.employment_type,
            "start_date": self.start_date.isoformat() if self.start_date else "",
            "end_date": self.end_date.isoformat() if self.end_date else "",
            "cost_center": self.cost_center,
            "locale": self.locale,
            "holiday_country": self.holiday_country,
            "company": self.company,
        }

    def phase(self, today: date) -> str:
        """'left', 'future' or 'current' (current includes people whose end date is still ahead)."""
        if self.end_date is not None and self.end_date < today:
            return "left"
        if self.start_date is not None and self.start_date > today:
            return "future"
        return "current"


def ascii_fold(text: str) -> str:
    """Å to A, é to e, ü to u: the letters a mail system keeps of a name."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def email_local_part(first_name: str, last_name: str) -> str:
    """`Åsa Öberg` to `asa.oberg`, `Jan van der Meer` to `jan.vandermeer`, `Sean O'Brien` to `sean.obrien`."""

    def part(name: str) -> str:
        return re.sub(r"[^a-z0-9-]", "", ascii_fold(name).lower())

    return f"{part(first_name)}.{part(last_name)}"


def unique_email(local_part: str, domain: str, taken: set[str]) -> str:
    """`local@domain`, or with 2, 3, ... appended to the local part when that address is taken; adds it."""
    address = f"{local_part}@{domain}"
    number = 2
    while address in taken:
        address = f"{local_part}{number}@{domain}"
        number += 1
    taken.add(address)
    return address


def _apportion(total: int, weights: Mapping[str, int]) -> dict[str, int]:
    """Split `total` in proportion to `weights` (largest remainder; ties go to the earlier key)."""
    weight_sum = sum(weights.values())
    exact = {key: total * weight / weight_sum for key, weight in weights.items()}
    shares = {key: math.floor(value) for key, value in exact.items()}
    left = total - sum(shares.values())
    for key in sorted(exact, key=lambda k: (-(exact[k] - shares[k]), list(weights).index(k)))[:left]:
        shares[key] += 1
    return shares


def _country(department: str) -> str:
    return "NL" if department in DUTCH_CONSULTING else "SE"


@dataclass
class _Slot:
    """A person being built: structure first, then names and dates, then the employee id."""

    index: int
    role: str  # ceo, head, team_manager, member, contractor, consultant
    department: str
    employment_type: str
    manager: int | None
    country: str
    locale: str = ""
    first_name: str = ""
    last_name: str = ""
    start_date: date | None = None
    end_date: date | None = None
    employee_id: str = ""


def _build_structure(sizes: DemoSizes, rng: random.Random) -> list[_Slot]:
    """A CEO, department heads reporting to the CEO, team managers under the heads, everyone else below."""
    slots: list[_Slot] = []

    def add(role: str, department: str, employment_type: str, manager: int | None, country: str) -> int:
        slots.append(_Slot(len(slots), role, department, employment_type, manager, country))
        return len(slots) - 1

    ceo = add("ceo", "Management", EMPLOYEE, None, "SE")
    heads = {"Management": ceo}
    for department in DEPARTMENTS:
        if department != "Management":
            heads[department] = add("head", department, EMPLOYEE, ceo, _country(department))
    remaining = sizes.employees - len(slots)
    consultants_of = _apportion(sizes.consultants, CONSULTING_WEIGHTS)
    team_total = min(math.ceil(sizes.consultants / CONSULTANTS_PER_TEAM), remaining // 3)
    teams_of = _apportion(team_total, consultants_of)
    team_managers: dict[str, list[int]] = {}
    for department, count in teams_of.items():
        team_managers[department] = [
            add("team_manager", department, EMPLOYEE, heads[department], _country(department)) for _ in range(count)
        ]
    for department, count in _apportion(remaining - team_total, CENTRAL_WEIGHTS).items():
        leads = count // STAFF_PER_TEAM if count > STAFF_PER_TEAM + 2 else 0
        team_managers[department] = [
            add("team_manager", department, EMPLOYEE, heads[department], "SE") for _ in range(leads)
        ]
        for number in range(count - leads):
            manager = team_managers[department][number % leads] if leads else heads[department]
            add("member", department, EMPLOYEE, manager, "NL" if rng.random() < 0.3 else "SE")
    for _ in range(sizes.contractors):
        department = "IT" if rng.random() < 0.7 else "Sales"
        pool = team_managers[department] or [heads[department]]
        add("contractor", department, CONTRACTOR, rng.choice(pool), "NL" if rng.random() < 0.3 else "SE")
    for department, count in consultants_of.items():
        pool = team_managers[department] or [heads[department]]
        for _ in range(count):
            add("consultant", department, CONSULTANT, rng.choice(pool), _country(department))
    return slots


def _pick_name(slot: _Slot, rng: random.Random, used: set[tuple[str, str]]) -> tuple[str, str]:
    firsts: Sequence[str]
    lasts: Sequence[str]
    if slot.locale == "en":
        firsts, lasts = INTERNATIONAL_FIRST_NAMES, INTERNATIONAL_LAST_NAMES
    elif slot.country == "NL":
        firsts, lasts = DUTCH_FIRST_NAMES, DUTCH_LAST_NAMES
    else:
        firsts, lasts = SWEDISH_FIRST_NAMES, SWEDISH_LAST_NAMES
    name = (rng.choice(firsts), rng.choice(lasts))
    # Namesakes are made on purpose later; here a few tries keep names apart (beyond the lists' size,
    # a duplicate is accepted: a large organisation has namesakes anyway).
    for _ in range(60):
        if name not in used:
            break
        name = (rng.choice(firsts), rng.choice(lasts))
    used.add(name)
    return name


def _weighted_ranking(slots: Sequence[_Slot], rng: random.Random) -> list[_Slot]:
    """People who may leave or start, in a random order where consultants and contractors come first
    more often (they end assignments often); managers never leave in the demo."""
    weights = {CONSULTANT: 3.0, CONTRACTOR: 3.0, EMPLOYEE: 1.0}
    keyed = [
        (rng.random() ** (1 / weights[s.employment_type]), s.index, s)
        for s in slots
        if s.role in ("member", "contractor", "consultant")
    ]
    keyed.sort(key=lambda item: (-item[0], item[1]))
    return [slot for _, _, slot in keyed]


LONG_GONE = timedelta(days=730)


def _assign_dates(slots: Sequence[_Slot], sizes: DemoSizes, rng: random.Random, today: date) -> None:
    earliest = today - timedelta(days=8 * 365)
    for slot in slots:
        if slot.role in ("ceo", "head", "team_manager"):
            slot.start_date = today - timedelta(days=rng.randint(365, 8 * 365))
        elif slot.employment_type == EMPLOYEE:
            slot.start_date = today - timedelta(days=rng.randint(1, 8 * 365))
        else:
            # Consultants and contractors come and go: most started in the last few years.
            days = 1 + int(rng.expovariate(1 / 900))
            slot.start_date = today - timedelta(days=days if days <= 8 * 365 else rng.randint(1, 8 * 365))
    ranking = _weighted_ranking(slots, rng)
    past = ranking[: sizes.past_leavers]
    upcoming = ranking[sizes.past_leavers : sizes.past_leavers + sizes.upcoming_leavers]
    future = ranking[
        sizes.past_leavers + sizes.upcoming_leavers : sizes.past_leavers
        + sizes.upcoming_leavers
        + sizes.future_starters
    ]
    for slot in past:
        slot.end_date = today - timedelta(days=rng.randint(1, 548))
        slot.start_date = max(earliest, slot.end_date - timedelta(days=rng.randint(30, 5 * 365)))
    # Some left long ago, past the retention period (docs/privacy.md): every sixth of those who left over 13 months
    # ago (before the 12-month trend) left two years earlier still. No random draw: the rest stays as it was.
    long_gone = [slot for slot in past if slot.end_date is not None and slot.end_date < today - timedelta(days=400)]
    for slot in long_gone[::6]:
        assert slot.end_date is not None and slot.start_date is not None  # noqa: S101 - set just above
        slot.end_date -= LONG_GONE
        slot.start_date = max(earliest, slot.start_date - LONG_GONE)
    for slot in upcoming:
        slot.end_date = today + timedelta(days=rng.randint(0, 60))
        slot.start_date = max(earliest, today - timedelta(days=rng.randint(30, 6 * 365)))
    for slot in future:
        slot.start_date = today + timedelta(days=rng.randint(1, 30))


def _make_namesakes(slots: Sequence[_Slot], pairs: int, rng: random.Random) -> None:
    """Give `pairs` people the full name of a colleague: the case where a name must never decide a link."""
    candidates = [s for s in slots if s.role in ("member", "contractor", "consultant")]
    chosen = rng.sample(candidates, 2 * pairs)
    for original, namesake in zip(chosen[::2], chosen[1::2], strict=True):
        namesake.first_name, namesake.last_name = original.first_name, original.last_name


def demo_people(*, people: int, seed: int, today: date) -> list[DemoPerson]:
    """The demo organisation's people in employee-id order; the same arguments give the same list."""
    sizes = demo_sizes(people)
    rng = random.Random(f"ordna-demo:{seed}:people")
    slots = _build_structure(sizes, rng)
    used: set[tuple[str, str]] = set()
    for slot in slots:
        local = "sv" if slot.country == "SE" else "nl"
        slot.locale = "en" if slot.role != "ceo" and rng.random() < 0.03 else local
        slot.first_name, slot.last_name = _pick_name(slot, rng, used)
    _assign_dates(slots, sizes, rng, today)
    _make_namesakes(slots, sizes.namesake_pairs, rng)

    # Employee ids follow the hiring order, as HR systems hand them out; so do the plain addresses:
    # the later namesake gets the address with a digit.
    ordered = sorted(slots, key=lambda s: (s.start_date or today, s.index))
    for number, slot in enumerate(ordered):
        slot.employee_id = f"E{10001 + number}"
    taken: set[str] = set()
    result: list[DemoPerson] = []
    for slot in ordered:
        domain = "example.nl" if slot.department in DUTCH_CONSULTING else "example.org"
        manager = slots[slot.manager].employee_id if slot.manager is not None else ""
        result.append(
            DemoPerson(
                employee_id=slot.employee_id,
                first_name=slot.first_name,
                last_name=slot.last_name,
                email=unique_email(email_local_part(slot.first_name, slot.last_name), domain, taken),
                department=slot.department,
                manager_employee_id=manager,
                employment_type=slot.employment_type,
                start_date=slot.start_date,
                end_date=slot.end_date,
                cost_center=COST_CENTERS[slot.department],
                locale=slot.locale,
                holiday_country=slot.country,
                company="nl" if slot.country == "NL" else "se",
            )
        )
    return result


def write_hr_csv(people: Iterable[DemoPerson], path: Path) -> None:
    """The people as an HR file in the `ordna` preset (UTF-8, comma)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HR_COLUMNS)
        writer.writeheader()
        writer.writerows(person.hr_row() for person in people)


def day_at(day: date, hour: int) -> datetime:
    """`hour` o'clock (UTC) on `day`: the moments of the demo's sign-ins and hand-outs."""
    return datetime.combine(day, time(hour), tzinfo=UTC)


def people_demo_load(people: Sequence[DemoPerson], *, actor: Actor, today: date) -> None:
    """Import the people as HR would: one HR file (the `ordna` preset) through the HR import."""
    with tempfile.TemporaryDirectory(prefix="ordna-demo-") as directory:
        path = Path(directory) / "demo-people.csv"
        write_hr_csv(people, path)
        result = people_import(path=path, actor=actor, today=today, allow_mass_change=True, file_name="demo-people.csv")
    if result.outcome != "applied":
        errors = "; ".join(str(e) for e in result.errors[:10]) or result.outcome
        raise RuntimeError(f"the demo's HR file was not applied: {errors}")
