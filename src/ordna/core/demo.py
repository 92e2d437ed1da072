"""The demo organisation behind `ordna demo`: a staffing group of Swedish and Dutch consultants.

Everything is generated from one seed with `random.Random` instances of its own (never the global
generator), so the same seed and the same `today` give the same organisation on every machine.
The `demo_*` functions are pure: they return plain dataclasses. `demo_load` writes them through the
services that exist (the HR import, applications, licences, users) and with bulk statements where there
is no service fast enough for thousands of rows yet (accounts, devices), each bulk step audited.
"""

from __future__ import annotations

import csv
import math
import random
import re
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.people.hr_import import REQUIRED_FIELDS

# Printed by `ordna demo` for signing in to a throwaway demo database; never a real credential.
DEMO_PASSWORD = "ordna-demo-2026"  # noqa: S105
DEFAULT_PEOPLE = 4000
MIN_PEOPLE = 60
MAX_PEOPLE = 100_000
HR_COLUMNS = (*REQUIRED_FIELDS, "locale", "holiday_country")  # the ordna preset of the HR import

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

SWEDISH_FIRST_NAMES = (
    "Anna",
    "Eva",
    "Maria",
    "Karin",
    "Sara",
    "Kristina",
    "Lena",
    "Emma",
    "Kerstin",
    "Ingrid",
    "Marie",
    "Malin",
    "Jenny",
    "Annika",
    "Hanna",
    "Linnéa",
    "Sofia",
    "Elin",
    "Ida",
    "Johanna",
    "Åsa",
    "Märta",
    "Maja",
    "Ebba",
    "Elsa",
    "Alva",
    "Wilma",
    "Klara",
    "Saga",
    "Frida",
    "Agnes",
    "Astrid",
    "Ingela",
    "Birgitta",
    "Margareta",
    "Lovisa",
    "Tove",
    "Therése",
    "Madeleine",
    "Josefin",
    "Amélie",
    "Helén",
    "Lars",
    "Mikael",
    "Anders",
    "Johan",
    "Erik",
    "Per",
    "Karl",
    "Peter",
    "Jan",
    "Thomas",
    "Daniel",
    "Fredrik",
    "Hans",
    "Andreas",
    "Stefan",
    "Mattias",
    "Magnus",
    "Jonas",
    "Björn",
    "Göran",
    "Örjan",
    "Sören",
    "Håkan",
    "Åke",
    "Jörgen",
    "Mårten",
    "Olof",
    "Nils",
    "Gustav",
    "Oskar",
    "Viktor",
    "Axel",
    "Hugo",
    "Elias",
    "Linus",
    "Anton",
    "André",
    "René",
    "Joel",
    "Emil",
    "Karl-Erik",
    "Ann-Sofie",
)
SWEDISH_LAST_NAMES = (
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Jansson",
    "Hansson",
    "Bengtsson",
    "Jönsson",
    "Lindberg",
    "Jakobsson",
    "Magnusson",
    "Lindström",
    "Olofsson",
    "Lindqvist",
    "Lindgren",
    "Berg",
    "Axelsson",
    "Bergström",
    "Lundberg",
    "Lind",
    "Lundgren",
    "Lundqvist",
    "Mattsson",
    "Berglund",
    "Fredriksson",
    "Sandberg",
    "Henriksson",
    "Forsberg",
    "Sjöberg",
    "Wallin",
    "Engström",
    "Eklund",
    "Danielsson",
    "Håkansson",
    "Lundin",
    "Björk",
    "Bergman",
    "Gunnarsson",
    "Holm",
    "Wikström",
    "Samuelsson",
    "Isaksson",
    "Fransson",
    "Bergqvist",
    "Nyström",
    "Holmberg",
    "Arvidsson",
    "Löfgren",
    "Söderberg",
    "Nyberg",
    "Blomqvist",
    "Claesson",
    "Nordström",
    "Mårtensson",
    "Lundström",
    "Viklund",
    "Björklund",
    "Eliasson",
    "Pålsson",
    "Berggren",
    "Sandström",
    "Öberg",
    "Åberg",
    "Ström",
    "Sjögren",
    "Ek",
    "Hedlund",
    "Åström",
    "Öhman",
    "Bäckström",
    "Dahlström",
    "Sundén",
)
DUTCH_FIRST_NAMES = (
    "Jan",
    "Pieter",
    "Kees",
    "Johannes",
    "Hendrik",
    "Willem",
    "Cornelis",
    "Gerrit",
    "Dirk",
    "Bas",
    "Daan",
    "Sem",
    "Lucas",
    "Levi",
    "Finn",
    "Thijs",
    "Jesse",
    "Bram",
    "Ruben",
    "Sander",
    "Joost",
    "Maarten",
    "Niels",
    "Stijn",
    "Wouter",
    "Jeroen",
    "Rutger",
    "Floris",
    "Gijs",
    "Mees",
    "Teun",
    "Koen",
    "Tim",
    "Frank",
    "Arjen",
    "Noël",
    "Sjoerd",
    "Sanne",
    "Lotte",
    "Anouk",
    "Femke",
    "Fleur",
    "Iris",
    "Eva",
    "Lieke",
    "Sophie",
    "Julia",
    "Emma",
    "Tess",
    "Noor",
    "Saar",
    "Fenna",
    "Evi",
    "Roos",
    "Marieke",
    "Annemiek",
    "Els",
    "Ilse",
    "Marloes",
    "Mirjam",
    "Renée",
    "Chloë",
    "Zoë",
    "Anneloes",
    "Esmée",
    "Inge",
    "Karin",
    "Linda",
    "Nathalie",
    "Petra",
    "Sandra",
    "Yvonne",
    "Hanneke",
    "Gerda",
    "Sietske",
    "Wietske",
    "Jorien",
    "Maaike",
    "Jet",
)
DUTCH_LAST_NAMES = (
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "van der Linden",
    "Kok",
    "Jacobs",
    "de Haan",
    "Vermeulen",
    "van den Heuvel",
    "van der Veen",
    "van den Broek",
    "de Bruijn",
    "de Bruin",
    "van der Heijden",
    "Schouten",
    "van Beek",
    "Willems",
    "van Vliet",
    "van de Ven",
    "Hoekstra",
    "Maas",
    "Verhoeven",
    "Koster",
    "van Dam",
    "van der Wal",
    "Prins",
    "Blom",
    "Huisman",
    "Peeters",
    "de Jonge",
    "Kuipers",
    "van Veen",
    "Post",
    "Kuiper",
    "Veenstra",
    "Kramer",
    "van den Brink",
    "Scholten",
    "van Wijk",
    "Postma",
    "Martens",
    "Vink",
    "de Ruiter",
    "Timmermans",
    "Groen",
    "Gerritsen",
    "Jonker",
    "van Loon",
    "Boer",
    "van der Velde",
    "Willemsen",
    "Smeets",
    "de Lange",
    "de Vos",
    "Bosch",
    "van 't Hof",
    "Brinkman",
    "Evers",
)
# People who work in English (locale en): a few international colleagues.
INTERNATIONAL_FIRST_NAMES = (
    "James",
    "Sarah",
    "Priya",
    "Mateo",
    "Sofía",
    "Ahmed",
    "Olga",
    "Wei",
    "Fatima",
    "Lucas",
    "Grace",
    "Tomasz",
    "Aisha",
    "Diego",
    "Hannah",
    "Rahul",
)
INTERNATIONAL_LAST_NAMES = (
    "Wilson",
    "García",
    "Sharma",
    "Novak",
    "Kowalski",
    "Nguyen",
    "Hassan",
    "O'Brien",
    "Müller",
    "Rossi",
    "Fernández",
    "Schmidt",
    "Okafor",
    "Chen",
    "Patel",
    "Dubois",
)


class DemoError(ValueError):
    """The demo cannot be loaded as asked; the message says why."""


# --- people -----------------------------------------------------------------------------------------------


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
            )
        )
    return result


def write_hr_csv(people: Iterable[DemoPerson], path: Path) -> None:
    """The people as an HR file in the `ordna` preset (UTF-8, comma)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HR_COLUMNS)
        writer.writeheader()
        writer.writerows(person.hr_row() for person in people)


# --- suppliers, applications, licences ----------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSupplier:
    name: str
    contact_name: str
    contact_email: str
    phone: str


DEMO_SUPPLIERS = (
    DemoSupplier("Example IT Services AB", "Maria Lindholm", "servicedesk.itservices@example.org", "+46 8 555 010 00"),
    DemoSupplier("Voorbeeld Software BV", "Pieter de Klerk", "support.voorbeeldsoftware@example.nl", "+31 30 555 0100"),
    DemoSupplier("Example Telecom AB", "Johan Ekström", "foretag.telecom@example.org", "+46 31 555 020 00"),
    DemoSupplier("Nordic Cloud Partner AB", "Sofia Rydén", "cloud.partner@example.org", "+46 40 555 030 00"),
    DemoSupplier("Kantoor Automatisering BV", "Marloes Bakker", "servicedesk.kantoor@example.nl", "+31 20 555 0200"),
    DemoSupplier(
        "Example Business Systems AB", "Anders Wik", "support.businesssystems@example.org", "+46 8 555 040 00"
    ),
    DemoSupplier("Example Security Partner AB", "Elin Strand", "soc.securitypartner@example.org", "+46 8 555 050 00"),
)


@dataclass(frozen=True)
class DemoLicense:
    """A licence and who gets it: `who` names employment types, "manager", "all" or a department."""

    name: str
    monthly_cost: Decimal
    currency: str
    who: tuple[str, ...] = ("all",)
    share: float = 1.0
    # Seats bought as a multiple of the licences assigned (rounded up); None: no seat count is kept.
    seat_margin: float | None = None


@dataclass(frozen=True)
class DemoAudience:
    """Who has an account: a share of each employment type, limited to departments and countries for
    staff and contractors when given; managers (anyone with reports) always when `managers`."""

    employee: float = 0.0
    consultant: float = 0.0
    contractor: float = 0.0
    departments: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    managers: bool = False


@dataclass(frozen=True)
class DemoApplication:
    slug: str
    name: str
    description: str
    supplier: str
    criticality: str
    owner_department: str
    audience: DemoAudience
    licenses: tuple[DemoLicense, ...] = ()
    employee_id_attr: bool = False
    account_source: str = "generic"
    attest_only: bool = False


def _lic(name: str, cost: str, currency: str, *who: str, share: float = 1.0, seats: float | None = None) -> DemoLicense:
    return DemoLicense(name, Decimal(cost), currency, who or ("all",), share, seats)


DEMO_APPLICATIONS = (
    DemoApplication(
        "m365",
        "Microsoft 365",
        "Mail, Teams, OneDrive and Office for everyone.",
        "Example IT Services AB",
        "critical",
        "IT",
        DemoAudience(1, 1, 1),
        (
            _lic("Microsoft 365 E3", "390.00", "SEK", EMPLOYEE, CONTRACTOR, seats=1.08),
            _lic("Microsoft 365 F3", "85.00", "SEK", CONSULTANT, seats=1.05),
            _lic("Teams Phone Standard", "95.00", "SEK", EMPLOYEE, share=0.25),
        ),
        employee_id_attr=True,
        account_source="m365",
    ),
    DemoApplication(
        "slack",
        "Slack",
        "Chat for consultants and staff.",
        "",
        "high",
        "IT",
        DemoAudience(1, 0.85, 1),
        (_lic("Slack Pro", "87.50", "SEK"),),
        employee_id_attr=True,
        account_source="slack",
    ),
    DemoApplication(
        "flex-tid",
        "Flex HRM Tidrapportering",
        "Time reporting against assignments.",
        "Example Business Systems AB",
        "critical",
        "HR",
        DemoAudience(0.25, 1, 1),
        (_lic("Tidrapportering", "35.00", "SEK"),),
        employee_id_attr=True,
    ),
    DemoApplication(
        "intranet",
        "Intranet (Omnia)",
        "News, policies and the staff handbook.",
        "Example IT Services AB",
        "medium",
        "HR",
        DemoAudience(1, 1, 1),
        (),
        employee_id_attr=True,
    ),
    DemoApplication(
        "google",
        "Google Workspace",
        "Shared drives used with some customers.",
        "Nordic Cloud Partner AB",
        "medium",
        "IT",
        DemoAudience(0.5, 0.08, 0, ("Sales",)),
        (_lic("Business Starter", "72.00", "SEK"),),
        account_source="google",
    ),
    DemoApplication(
        "crm",
        "Lime CRM",
        "Customers, assignments and the sales pipeline (Sweden).",
        "Example Business Systems AB",
        "high",
        "Sales",
        DemoAudience(1, 0, 0, ("Sales", "Management"), ("SE",), managers=True),
        (_lic("Lime CRM User", "450.00", "SEK", seats=1.15),),
    ),
    DemoApplication(
        "salesforce",
        "Salesforce Sales Cloud",
        "Customers and the sales pipeline (Netherlands).",
        "Nordic Cloud Partner AB",
        "high",
        "Sales",
        DemoAudience(1, 0, 0, ("Sales",), ("NL",)),
        (_lic("Sales Cloud Enterprise", "165.00", "EUR", seats=1.2),),
    ),
    DemoApplication(
        "hubspot",
        "HubSpot Marketing Hub",
        "Campaigns and the consultant newsletter.",
        "Nordic Cloud Partner AB",
        "medium",
        "Sales",
        DemoAudience(0.4, 0, 0, ("Sales",)),
        (_lic("Marketing Hub Professional seat", "45.00", "EUR"),),
    ),
    DemoApplication(
        "visma-hr",
        "Visma HR",
        "Employment records and manager self-service (Sweden).",
        "Example Business Systems AB",
        "critical",
        "HR",
        DemoAudience(1, 0, 0, ("HR",), ("SE",), managers=True),
        (_lic("HR Professional", "650.00", "SEK", "HR"), _lic("Manager self-service", "45.00", "SEK", "manager")),
        employee_id_attr=True,
    ),
    DemoApplication(
        "afas",
        "AFAS Profit",
        "HR and payroll for the Dutch offices.",
        "Kantoor Automatisering BV",
        "critical",
        "HR",
        DemoAudience(1, 0, 0, ("HR",), ("NL",)),
        (_lic("AFAS HRM", "12.00", "EUR"),),
        employee_id_attr=True,
    ),
    DemoApplication(
        "personec",
        "Personec P (legacy payroll)",
        "Old payroll archive; no export, no connector.",
        "Example Business Systems AB",
        "medium",
        "HR",
        DemoAudience(1, 0, 0, ("HR",), ("SE",)),
        attest_only=True,
        account_source="",
    ),
    DemoApplication(
        "teamtailor",
        "Teamtailor",
        "Recruiting consultants.",
        "Example Business Systems AB",
        "medium",
        "HR",
        DemoAudience(1, 0, 0, ("HR",), managers=True),
        (_lic("Recruiter seat", "190.00", "SEK"),),
    ),
    DemoApplication(
        "linkedin-recruiter",
        "LinkedIn Recruiter",
        "Sourcing candidates.",
        "",
        "low",
        "HR",
        DemoAudience(0.5, 0, 0, ("HR", "Sales")),
        (_lic("Recruiter Lite", "1450.00", "SEK", seats=1.3),),
    ),
    DemoApplication(
        "topdesk",
        "TOPdesk",
        "Service desk shared with the outsourcing partner.",
        "Kantoor Automatisering BV",
        "high",
        "IT",
        DemoAudience(1, 0, 1),
        (_lic("Operator", "55.00", "EUR", "IT"),),
        employee_id_attr=True,
    ),
    DemoApplication(
        "jira",
        "Jira Software",
        "Internal development and customer projects.",
        "",
        "medium",
        "IT",
        DemoAudience(1, 0.1, 1, ("IT",)),
        (_lic("Jira Standard", "85.00", "SEK"),),
    ),
    DemoApplication(
        "confluence",
        "Confluence",
        "Project documentation.",
        "",
        "medium",
        "IT",
        DemoAudience(0.5, 0.1, 1),
        (_lic("Confluence Standard", "65.00", "SEK"),),
    ),
    DemoApplication(
        "github",
        "GitHub",
        "Source code of the internal tools.",
        "Example Security Partner AB",
        "high",
        "IT",
        DemoAudience(1, 0.06, 1, ("IT",)),
        (_lic("GitHub Enterprise", "230.00", "SEK", seats=1.1),),
    ),
    DemoApplication(
        "1password",
        "1Password Business",
        "Shared vaults for staff.",
        "Example Security Partner AB",
        "high",
        "IT",
        DemoAudience(1, 0, 1),
        (_lic("Business", "80.00", "SEK", seats=1.1),),
        employee_id_attr=True,
    ),
    DemoApplication(
        "zoom",
        "Zoom",
        "Meetings with customers who do not use Teams.",
        "Example IT Services AB",
        "low",
        "IT",
        DemoAudience(0.2, 0.05, 0),
        (_lic("Zoom Pro", "150.00", "SEK"),),
    ),
    DemoApplication(
        "miro",
        "Miro",
        "Whiteboards for workshops.",
        "Nordic Cloud Partner AB",
        "low",
        "Sales",
        DemoAudience(0.3, 0.05, 0),
        (_lic("Miro Business", "175.00", "SEK"),),
    ),
    DemoApplication(
        "adobe-cc",
        "Adobe Creative Cloud",
        "Design for marketing.",
        "",
        "low",
        "Sales",
        DemoAudience(0.15, 0, 0, ("Sales", "Management")),
        (_lic("All Apps", "780.00", "SEK", seats=1.5),),
    ),
    DemoApplication(
        "docusign",
        "DocuSign",
        "Signing contracts with consultants and customers.",
        "",
        "medium",
        "Finance",
        DemoAudience(0.6, 0, 0, ("HR", "Sales", "Finance", "Management")),
        (_lic("Business Pro", "440.00", "SEK"),),
    ),
    DemoApplication(
        "dropbox",
        "Dropbox",
        "Bought by a team on a card; nobody owns it.",
        "",
        "low",
        "IT",
        DemoAudience(0.05, 0.02, 0),
        (_lic("Dropbox Business", "150.00", "SEK"),),
    ),
    DemoApplication(
        "telavox",
        "Telavox växel",
        "Switchboard and mobile subscriptions (Sweden).",
        "Example Telecom AB",
        "high",
        "IT",
        DemoAudience(1, 0, 0, countries=("SE",)),
        (_lic("Telavox Flow", "199.00", "SEK"),),
        employee_id_attr=True,
    ),
    DemoApplication(
        "fortnox",
        "Fortnox",
        "Bookkeeping (Sweden).",
        "Example Business Systems AB",
        "high",
        "Finance",
        DemoAudience(1, 0, 0, ("Finance",), ("SE",)),
        (_lic("Fortnox Bokföring", "299.00", "SEK"),),
    ),
    DemoApplication(
        "exact",
        "Exact Online",
        "Bookkeeping (Netherlands).",
        "Kantoor Automatisering BV",
        "high",
        "Finance",
        DemoAudience(1, 0, 0, ("Finance",), ("NL",)),
        (_lic("Exact Online Accountancy", "89.00", "EUR"),),
    ),
    DemoApplication(
        "power-bi",
        "Power BI Pro",
        "Utilisation and margin dashboards.",
        "Example IT Services AB",
        "medium",
        "Finance",
        DemoAudience(1, 0, 0, ("Finance", "Management"), managers=True),
        (_lic("Power BI Pro", "140.00", "SEK", seats=1.25),),
        employee_id_attr=True,
    ),
    DemoApplication(
        "viewpoint",
        "Viewpoint",
        "Housing management at the housing corporations our Dutch consultants work for.",
        "Voorbeeld Software BV",
        "critical",
        "Consulting Amsterdam",
        DemoAudience(0, 0.35, 0, countries=("NL",)),
        (_lic("Viewpoint Named User", "42.00", "EUR", seats=1.1),),
    ),
    DemoApplication(
        "tobias-ax",
        "Tobias AX",
        "Housing ERP (finance and rentals) for Dutch customers.",
        "Voorbeeld Software BV",
        "critical",
        "Finance",
        DemoAudience(1, 0.15, 0, ("Finance",), ("NL",)),
        (_lic("Tobias AX User", "95.00", "EUR", seats=1.0),),
    ),
    DemoApplication(
        "zendesk",
        "Zendesk",
        "Support for consultants' questions about pay and time reports.",
        "Kantoor Automatisering BV",
        "medium",
        "IT",
        DemoAudience(0.6, 0, 0, ("IT", "HR")),
        (_lic("Suite Team", "55.00", "EUR"),),
    ),
)

# Service and shared accounts: (application, key, display name, licences).
NON_PERSONAL_ACCOUNTS = (
    ("m365", "Reception@example.org", "Reception Stockholm", ()),
    ("m365", "Scanner@example.org", "Scanner Stockholm", ("Microsoft 365 F3",)),
    ("m365", "Receptie@example.nl", "Receptie Amsterdam", ()),
    ("m365", "Scanner.Utrecht@example.nl", "Scanner Utrecht", ("Microsoft 365 F3",)),
    ("m365", "Meetingroom.Stockholm@example.org", "Meeting room Stockholm", ()),
    ("m365", "Noreply@example.org", "No reply", ()),
    ("m365", "Svc-Backup@example.org", "Backup service", ("Microsoft 365 E3",)),
    ("slack", "svc-jira-integration@example.org", "Jira integration", ()),
    ("github", "ci-bot@example.org", "CI bot", ("GitHub Enterprise",)),
    ("topdesk", "servicedesk@example.org", "Service desk mailbox", ("Operator",)),
)


def _is_in_audience(audience: DemoAudience, person: DemoPerson, is_manager: bool, draw: float) -> bool:
    if audience.countries and person.holiday_country not in audience.countries:
        return False
    if audience.managers and is_manager:
        return True
    if person.employment_type == CONSULTANT:
        return draw < audience.consultant
    if audience.departments and person.department not in audience.departments:
        return False
    share = audience.employee if person.employment_type == EMPLOYEE else audience.contractor
    return draw < share


def _license_applies(license_: DemoLicense, person: DemoPerson, is_manager: bool) -> bool:
    return any(
        who == "all" or who == person.employment_type or who == person.department or (who == "manager" and is_manager)
        for who in license_.who
    )


def _staff_pool(people: Sequence[DemoPerson], department: str, today: date) -> list[DemoPerson]:
    """Employees of `department` who are there now and not about to leave."""
    return [
        p
        for p in people
        if p.department == department
        and p.employment_type == EMPLOYEE
        and p.phase(today) == "current"
        and p.end_date is None
    ]


def application_owners(*, people: Sequence[DemoPerson], seed: int, today: date) -> dict[str, str]:
    """Application slug to the employee id of its owner: one of two or three application managers of the
    owning department (so some people own several), else the department head, else the CEO."""
    rng = random.Random(f"ordna-demo:{seed}:owners")
    ceo = next(p for p in people if not p.manager_employee_id)
    heads = {
        p.department: p for p in people if p.manager_employee_id == ceo.employee_id and p.department != "Management"
    }
    pools: dict[str, list[DemoPerson]] = {}
    owners: dict[str, str] = {}
    for app in DEMO_APPLICATIONS:
        if app.owner_department not in pools:
            candidates = [
                p
                for p in _staff_pool(people, app.owner_department, today)
                if p.employee_id != heads.get(app.owner_department, ceo).employee_id
            ]
            pools[app.owner_department] = rng.sample(candidates, min(len(candidates), 3 if len(candidates) > 8 else 2))
        pool = pools[app.owner_department]
        owners[app.slug] = (rng.choice(pool) if pool else heads.get(app.owner_department, ceo)).employee_id
    return owners


# --- accounts -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    """One account as an application's export would show it, linked (or not) the way Ordna would link it."""

    application: str
    key_display: str
    username: str
    email: str
    display_name: str
    employee_id_attr: str
    status: str
    last_login: datetime | None
    licenses: tuple[str, ...]
    person: str = ""  # employee id of the linked person
    match_rule: str = ""
    needs_review: bool = False
    non_personal: bool = False
    owner: str = ""  # employee id of the accountable owner of a non-personal account

    @property
    def key(self) -> str:
        return self.key_display.lower()


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _login_of_current(person: DemoPerson, rng: random.Random, until: datetime) -> datetime | None:
    # Every draw is made whatever the outcome, so later draws never depend on the moment of loading.
    draw, dormant_days, recent_minutes, first_day_minutes = (
        rng.random(),
        rng.randint(95, 500),
        rng.randint(0, 20 * 24 * 60),
        rng.randint(0, 600),
    )
    started = _at(person.start_date, 8) if person.start_date else None
    if draw < 0.03 or (started is not None and started > until):
        return None  # never signed in
    # About 6 % have not signed in for over 90 days: dormant accounts.
    login = until - (timedelta(days=dormant_days) if draw < 0.09 else timedelta(minutes=recent_minutes))
    if started is not None and login < started:
        login = min(started + timedelta(minutes=first_day_minutes), until)
    return login


def _login_of_leaver(end_date: date, active: bool, rng: random.Random, until: datetime) -> datetime:
    last_day = _at(end_date, 16)
    if active and rng.random() < 0.05:
        # Someone still signs in to a leaver's account that nobody closed. One `random()` draw whatever
        # the span, so that the draws after it do not depend on the moment of loading.
        after = last_day + (until - last_day) * rng.random()
        return min(max(after, last_day + timedelta(hours=1)), until)
    return min(last_day - timedelta(minutes=rng.randint(0, 10 * 24 * 60)), until)


def demo_accounts(*, people: Sequence[DemoPerson], seed: int, today: date, until: datetime) -> list[DemoAccount]:
    """Accounts of current people, of a third of past leavers (60 % of those disabled, the rest still
    active: what Ordna finds), pre-created mailboxes of future starters, service accounts, accounts of
    former staff unknown to HR, and name-only accounts of namesakes that need review."""
    rng = random.Random(f"ordna-demo:{seed}:accounts")
    sizes = demo_sizes(len(people))
    managers = {p.manager_employee_id for p in people if p.manager_employee_id}
    accounts: list[DemoAccount] = []
    for person in people:
        phase = person.phase(today)
        if phase == "left" and rng.random() >= 1 / 3:
            continue  # deleted by the supplier, as it should have been
        is_manager = person.employee_id in managers
        for app in DEMO_APPLICATIONS:
            draw = rng.random()
            if app.attest_only or not _is_in_audience(app.audience, person, is_manager, draw):
                continue
            if phase == "future" and app.slug != "m365":
                continue  # only the mailbox is made before the first day
            licenses = tuple(
                lic.name
                for lic in app.licenses
                if _license_applies(lic, person, is_manager) and rng.random() < lic.share
            )
            if phase == "left" and person.end_date is not None:
                status = "disabled" if rng.random() < 0.6 else "active"
                last_login: datetime | None = _login_of_leaver(person.end_date, status == "active", rng, until)
            else:
                status = "active"
                last_login = None if phase == "future" else _login_of_current(person, rng, until)
            by_employee_id = app.employee_id_attr and rng.random() < 0.9
            key = _upn(person.email) if app.slug == "m365" else person.email
            accounts.append(
                DemoAccount(
                    application=app.slug,
                    key_display=key,
                    username=person.email.split("@")[0],
                    email=person.email,
                    display_name=person.full_name,
                    employee_id_attr=person.employee_id if by_employee_id else "",
                    status=status,
                    last_login=last_login,
                    licenses=licenses,
                    person=person.employee_id,
                    match_rule="employee_id" if by_employee_id else "email",
                )
            )
    _ensure_leaver_with_active_account(accounts, people, today)
    accounts.extend(_non_personal_accounts(people, rng, today, until))
    accounts.extend(_orphan_accounts(people, sizes.orphan_accounts, rng, until))
    accounts.extend(_namesake_accounts(people, rng, until))
    keys = Counter((a.application, a.key) for a in accounts)
    duplicate = next((k for k, n in keys.items() if n > 1), None)
    if duplicate is not None:
        raise RuntimeError(f"demo accounts: duplicate key {duplicate}")
    return accounts


def _upn(email: str) -> str:
    """Microsoft 365 shows UPNs as typed by the admin who made them: `Asa.Oberg@example.org`."""
    local, domain = email.split("@")
    return f"{'.'.join(part[:1].upper() + part[1:] for part in local.split('.'))}@{domain}"


def _ensure_leaver_with_active_account(accounts: list[DemoAccount], people: Sequence[DemoPerson], today: date) -> None:
    """At least one past leaver keeps an active account, however small the demo: it is the point of Ordna.
    Reopens a leaver's disabled account, or else leaves the most recent leaver's mailbox open."""
    left = {p.employee_id for p in people if p.phase(today) == "left"}
    if any(a.person in left and a.status == "active" for a in accounts):
        return
    for number, account in enumerate(accounts):
        if account.person in left:
            accounts[number] = replace(account, status="active")
            return
    leaver = max((p for p in people if p.employee_id in left), key=lambda p: (p.end_date or today, p.employee_id))
    accounts.append(
        DemoAccount(
            application="m365",
            key_display=_upn(leaver.email),
            username=leaver.email.split("@")[0],
            email=leaver.email,
            display_name=leaver.full_name,
            employee_id_attr=leaver.employee_id,
            status="active",
            last_login=_at(leaver.end_date or today, 15),
            licenses=("Microsoft 365 F3" if leaver.employment_type == CONSULTANT else "Microsoft 365 E3",),
            person=leaver.employee_id,
            match_rule="employee_id",
        )
    )


def _non_personal_accounts(
    people: Sequence[DemoPerson], rng: random.Random, today: date, until: datetime
) -> list[DemoAccount]:
    it_people = [
        p
        for p in people
        if p.department == "IT" and p.phase(today) == "current" and not p.end_date and p.employment_type == EMPLOYEE
    ]
    result = []
    for slug, key, display_name, licenses in NON_PERSONAL_ACCOUNTS:
        result.append(
            DemoAccount(
                application=slug,
                key_display=key,
                username=key.split("@")[0].lower(),
                email=key.lower(),
                display_name=display_name,
                employee_id_attr="",
                status="active",
                last_login=until - timedelta(minutes=rng.randint(0, 30 * 24 * 60)),
                licenses=licenses,
                non_personal=True,
                owner=rng.choice(it_people).employee_id,
            )
        )
    return result


def _orphan_accounts(
    people: Sequence[DemoPerson], count: int, rng: random.Random, until: datetime
) -> list[DemoAccount]:
    """Accounts of former staff who left before the HR system was introduced: nobody HR knows."""
    names = {(p.first_name, p.last_name) for p in people}
    emails = {p.email for p in people}
    result: list[DemoAccount] = []
    made = 0
    for _ in range(count * 100):  # bounded: a huge demo may have used every name already
        if made == count:
            break
        first, last = rng.choice(SWEDISH_FIRST_NAMES), rng.choice(SWEDISH_LAST_NAMES)
        email = f"{email_local_part(first, last)}@example.org"
        if (first, last) in names or email in emails:
            continue
        names.add((first, last))
        emails.add(email)
        made += 1
        last_login = until - timedelta(days=rng.randint(200, 900))
        result.append(
            DemoAccount(
                "m365",
                _upn(email),
                email.split("@")[0],
                email,
                f"{first} {last}",
                "",
                "active",
                last_login,
                ("Microsoft 365 E3",),
            )
        )
        if rng.random() < 0.5:
            result.append(
                DemoAccount(
                    "slack",
                    email,
                    email.split("@")[0],
                    email,
                    f"{first} {last}",
                    "",
                    "active",
                    last_login,
                    ("Slack Pro",),
                )
            )
    return result


def _namesake_accounts(people: Sequence[DemoPerson], rng: random.Random, until: datetime) -> list[DemoAccount]:
    """A Zoom account known only by its display name for each pair of namesakes: never linked by guessing."""
    by_name = Counter(p.full_name for p in people)
    result = []
    for name in sorted(n for n, count in by_name.items() if count > 1):
        username = re.sub(r"[^a-z0-9]", "", ascii_fold(name).lower())
        result.append(
            DemoAccount(
                "zoom",
                username,
                username,
                "",
                name,
                "",
                "active",
                until - timedelta(days=rng.randint(1, 60)),
                ("Zoom Pro",),
                needs_review=True,
            )
        )
    return result


def license_seats(accounts: Iterable[DemoAccount]) -> dict[tuple[str, str], int]:
    """Seats bought per (application, licence) where a seat count is kept: the assigned licences times
    the licence's margin, rounded up (some over-bought on purpose); a small pack where none is assigned."""
    assigned = Counter((a.application, name) for a in accounts for name in a.licenses)
    seats = {}
    for app in DEMO_APPLICATIONS:
        for lic in app.licenses:
            if lic.seat_margin is not None:
                seats[(app.slug, lic.name)] = math.ceil(assigned[(app.slug, lic.name)] * lic.seat_margin) or 5
    return seats


# --- devices ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoDevice:
    asset_tag: str
    kind: str
    model: str
    serial: str
    holder: str  # employee id, "" in stock
    status: str
    expected_return: date | None
    issued_at: datetime | None


LAPTOP_MODELS = (
    "Lenovo ThinkPad T14 Gen 4",
    "Lenovo ThinkPad T14s Gen 3",
    "Dell Latitude 5440",
    "HP EliteBook 840 G10",
    "MacBook Air 13 M2",
)
PHONE_MODELS = ("iPhone 14", "iPhone 15", "Samsung Galaxy S23", "Samsung Galaxy A54")
TOKEN_MODELS = ("YubiKey 5 NFC", "YubiKey 5C NFC")
TAG_PREFIX = {"laptop": "LT", "phone": "PH", "token": "TK"}
SERIAL_CHARACTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"


def demo_devices(*, people: Sequence[DemoPerson], seed: int, today: date, until: datetime) -> list[DemoDevice]:
    """A laptop for everyone who has started, phones for staff, tokens for some; a fifth of past leavers
    never returned theirs (still issued to the leaver); a few spares in stock."""
    rng = random.Random(f"ordna-demo:{seed}:devices")
    counters: Counter[str] = Counter()
    devices: list[DemoDevice] = []

    def device(kind: str, models: Sequence[str], holder: DemoPerson | None, expected_return: date | None) -> None:
        counters[kind] += 1
        issued_at = None
        if holder is not None and holder.start_date is not None:
            issued_at = min(_at(holder.start_date, 8) + timedelta(minutes=rng.randint(0, 120)), until)
        devices.append(
            DemoDevice(
                asset_tag=f"{TAG_PREFIX[kind]}-{counters[kind]:06d}",
                kind=kind,
                model=rng.choice(models),
                serial="".join(rng.choices(SERIAL_CHARACTERS, k=10)),
                holder=holder.employee_id if holder else "",
                status="issued" if holder else "in_stock",
                expected_return=expected_return,
                issued_at=issued_at,
            )
        )

    kept_any = False
    for person in people:
        phase = person.phase(today)
        if phase == "future":
            continue
        holder: DemoPerson | None = person
        expected_return = person.end_date
        if phase == "left":
            kept = rng.random() < 0.2
            kept_any = kept_any or kept
            holder = person if kept else None
            expected_return = person.end_date if kept else None
        device("laptop", LAPTOP_MODELS, holder, expected_return)
        if person.employment_type == EMPLOYEE:
            device("phone", PHONE_MODELS, holder, expected_return)
        wants_token = person.department in ("IT", "Finance", "Management") or rng.random() < 0.03
        if wants_token and person.employment_type != CONTRACTOR:
            device("token", TOKEN_MODELS, holder, expected_return)
    if not kept_any:
        # However small the demo, one leaver still has the laptop: the manager's task to collect it.
        leaver = next(p for p in people if p.phase(today) == "left")
        for number, item in enumerate(devices):
            if item.kind == "laptop" and item.status == "in_stock":
                devices[number] = DemoDevice(
                    item.asset_tag,
                    item.kind,
                    item.model,
                    item.serial,
                    leaver.employee_id,
                    "issued",
                    leaver.end_date,
                    _at(leaver.start_date or today, 8),
                )
                break
    for _ in range(max(3, len(people) // 100)):
        device("laptop", LAPTOP_MODELS, None, None)
    return devices


# --- users --------------------------------------------------------------------------------------------------


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


# --- the whole plan, and loading it -------------------------------------------------------------------------


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


def demo_load(*, people: int, seed: int, actor: Actor, today: date) -> DemoSummary:
    """Load the demo organisation into an empty database, all or nothing.

    Refuses (DemoError) when the database already holds people or applications, so it is loaded once.
    Demo users whose username exists already are left as they are and reported.
    """
    from ordna.applications.models import Application
    from ordna.core.models import User
    from ordna.people.models import Person

    demo_sizes(people)  # rejects a size out of range before anything else
    with transaction.atomic():
        existing = Person.objects.count()
        if existing:
            raise DemoError(f"the database already holds {existing} people; the demo loads into an empty database")
        apps = Application.objects.count()
        if apps:
            raise DemoError(f"the database already holds {apps} applications; the demo loads into an empty database")
        plan = demo_plan(people=people, seed=seed, today=today, until=timezone.now())
        names = [u.username for u in plan.users]
        existing_users = tuple(n for n in names if User.objects.filter(username__iexact=n).exists())
        _load_case_templates(actor=actor)
        _load_people(plan.people, actor=actor, today=today)
        pk_of = dict(Person.objects.values_list("employee_id", "id"))
        supplier_pk = _load_suppliers(actor=actor)
        licenses = _load_applications(plan, pk_of=pk_of, supplier_pk=supplier_pk, actor=actor)
        _load_accounts(plan.accounts, pk_of=pk_of, actor=actor, seed=seed)
        _load_devices(plan.devices, pk_of=pk_of, actor=actor, seed=seed)
        created = _load_users(plan.users, pk_of=pk_of, supplier_pk=supplier_pk, skip=existing_users, actor=actor)
        _load_cases(actor=actor, today=today)
        from ordna.support.demo import support_demo_load

        support_demo_load(seed=seed, actor=actor)
        from ordna.notifications.demo import notifications_demo_load

        notifications_demo_load(actor=actor, today=today)
        from ordna.connectors.demo import connectors_demo_load

        connectors_demo_load(actor=actor)
        from ordna.suppliers.demo import suppliers_demo_load

        suppliers_demo_load(actor=actor, today=today)

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
    )


def _load_people(people: Sequence[DemoPerson], *, actor: Actor, today: date) -> None:
    from ordna.people.services import people_import

    with tempfile.TemporaryDirectory(prefix="ordna-demo-") as directory:
        path = Path(directory) / "demo-people.csv"
        write_hr_csv(people, path)
        result = people_import(path=path, actor=actor, today=today, allow_mass_change=True, file_name="demo-people.csv")
    if result.outcome != "applied":
        errors = "; ".join(str(e) for e in result.errors[:10]) or result.outcome
        raise RuntimeError(f"the demo's HR file was not applied: {errors}")


DEMO_TEMPLATE_TASKS = (
    # (title, responsible, business days from the last day, instructions)
    ("Plan the handover of open work", "manager", -5, "Agree who takes over clients, files and mailboxes."),
    ("Final salary and holiday pay settled", "hr", 0, "Check outstanding holiday days and expenses."),
    ("Return laptop, phone and badge", "employee", 0, "Hand them to your manager or the IT desk on your last day."),
    ("Convert the mailbox to a shared mailbox", "coordinator", 1, "Keep it 90 days, forward to the manager."),
    ("Archive the personal drive", "coordinator", 5, ""),
)
CONSULTANT_EXTRA_TASKS = (
    ("Tell the client the assignment ends", "manager", -10, "Confirm who takes over at the client."),
)


def _load_case_templates(*, actor: Actor) -> None:
    """A template for anyone and one for consultants, before the HR file opens the first cases."""
    from ordna.lifecycle.joiners import birthright_add
    from ordna.lifecycle.services import template_save, template_task_add

    general = template_save(actor=actor, name="Leaver (everyone)", exit_survey=True)
    # Joiners (issue 11): a laptop and a phone, and the first-week tasks; applications join the birthright
    # through Cases -> Templates once the applications exist.
    joiner = template_save(actor=actor, name="Joiner (everyone)", kind="joiner")
    for device_kind in ("laptop", "phone"):
        birthright_add(template=joiner, actor=actor, device_kind=device_kind)
    for title, responsible, offset in (
        ("Contract signed and filed", "hr", -5),
        ("Prepare the laptop and accounts", "coordinator", -2),
        ("Introduction and first-week plan", "manager", 0),
    ):
        template_task_add(template=joiner, actor=actor, title=title, responsible=responsible, offset_days=offset)
    consultant = template_save(actor=actor, name="Leaver (consultant)", employment_type=CONSULTANT)
    for template, tasks in ((general, DEMO_TEMPLATE_TASKS), (consultant, CONSULTANT_EXTRA_TASKS + DEMO_TEMPLATE_TASKS)):
        for title, responsible, offset, instructions in tasks:
            template_task_add(
                template=template,
                actor=actor,
                title=title,
                responsible=responsible,
                offset_days=offset,
                instructions=instructions,
            )


def _load_cases(*, actor: Actor, today: date) -> None:
    """Devices were loaded in bulk after the cases opened: give the cases their device lines, and close a few
    lines the way people would, so the board shows every state."""
    from ordna.lifecycle.models import Line
    from ordna.lifecycle.services import cases_open_due, line_attest, line_waive

    cases_open_due(actor=actor, today=today)
    tasks = list(Line.objects.filter(kind="task", state="open").order_by("case_id", "id")[:40])
    for number, line in enumerate(tasks):
        if number % 4 == 0:
            line_attest(line=line, actor=actor, note="Done, see the HR system.")
        elif number % 9 == 0:
            line_waive(line=line, actor=actor, reason="Not applicable: no client assignment.")


def _load_suppliers(*, actor: Actor) -> dict[str, int]:
    from ordna.suppliers.models import Supplier

    pk_of: dict[str, int] = {}
    for demo in DEMO_SUPPLIERS:
        existing = Supplier.objects.filter(name=demo.name).first()
        if existing is not None:
            pk_of[demo.name] = existing.pk
            continue
        with transaction.atomic():
            supplier = Supplier.objects.create(
                name=demo.name, contact_name=demo.contact_name, contact_email=demo.contact_email, phone=demo.phone
            )
            audit_record(
                actor=actor,
                action="supplier.created",
                target=supplier,
                after={
                    "name": demo.name,
                    "contact_name": demo.contact_name,
                    "contact_email": demo.contact_email,
                    "phone": demo.phone,
                },
            )
        pk_of[demo.name] = supplier.pk
    return pk_of


def _load_applications(
    plan: DemoPlan, *, pk_of: Mapping[str, int], supplier_pk: Mapping[str, int], actor: Actor
) -> int:
    """Create the applications and their licences; returns how many licences."""
    from ordna.applications.services import application_create, license_save

    count = 0
    for demo in DEMO_APPLICATIONS:
        app = application_create(
            slug=demo.slug,
            name=demo.name,
            actor=actor,
            description=demo.description,
            owner_id=pk_of[plan.owners[demo.slug]],
            supplier_id=supplier_pk.get(demo.supplier),
            criticality=demo.criticality,
            account_source=demo.account_source,
            attest_only=demo.attest_only,
        )
        for lic in demo.licenses:
            license_save(
                application=app,
                name=lic.name,
                actor=actor,
                monthly_cost=lic.monthly_cost,
                currency=lic.currency,
                seats=plan.seats.get((demo.slug, lic.name)),
            )
            count += 1
    return count


def _load_accounts(accounts: Sequence[DemoAccount], *, pk_of: Mapping[str, int], actor: Actor, seed: int) -> None:
    """Load the accounts as an administrator would: one export per application through the real import, so
    that correlation, not the demo, decides every link, and findings exist from the start. Service accounts
    then get their owner through the same decision a reviewer makes in the web."""
    from ordna.accounts.importing import accounts_import
    from ordna.accounts.models import Account
    from ordna.accounts.services import account_link
    from ordna.people.models import Person

    today = timezone.localdate()
    by_application: dict[str, list[DemoAccount]] = {}
    for account in accounts:
        by_application.setdefault(account.application, []).append(account)
    with tempfile.TemporaryDirectory(prefix="ordna-demo-") as directory:
        for slug, rows in sorted(by_application.items()):
            path = Path(directory) / f"{slug}.csv"
            with path.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(
                    ["account_id", "email", "display_name", "employee_id", "status", "last_login", "license"]
                )
                for a in rows:
                    login = a.last_login.isoformat() if a.last_login else ""
                    writer.writerow(
                        [
                            a.key_display,
                            a.email,
                            a.display_name,
                            a.employee_id_attr,
                            a.status,
                            login,
                            "+".join(a.licenses),
                        ]
                    )
            result = accounts_import(
                application_slug=slug,
                path=path,
                actor=actor,
                today=today,
                preset="generic",
                file_name=f"demo-{slug}.csv",
                allow_mass_change=True,
            )
            if result.outcome != "applied":
                errors = "; ".join(str(e) for e in result.errors[:10]) or result.outcome
                raise RuntimeError(f"the demo's {slug} export was not applied: {errors}")
    owners = {(a.application, a.key): a.owner for a in accounts if a.non_personal}
    people = Person.objects.in_bulk([pk_of[o] for o in owners.values()])
    stored = Account.objects.filter(non_personal=False, key__in=[key for _, key in owners])
    for service_account in stored.select_related("application"):
        owner = owners.get((service_account.application.slug, service_account.key))
        if owner:
            account_link(account=service_account, actor=actor, owner=people[pk_of[owner]], today=today)


def _load_devices(devices: Sequence[DemoDevice], *, pk_of: Mapping[str, int], actor: Actor, seed: int) -> None:
    from ordna.devices.models import Device

    rows = [
        Device(
            asset_tag=d.asset_tag,
            kind=d.kind,
            model=d.model,
            serial=d.serial,
            holder_id=pk_of[d.holder] if d.holder else None,
            status=d.status,
            expected_return=d.expected_return,
            issued_at=d.issued_at,
        )
        for d in devices
    ]
    with transaction.atomic():
        Device.objects.bulk_create(rows, batch_size=2000)
        audit_record(
            actor=actor,
            action="demo.devices",
            target_type="devices.device",
            target_id=f"demo-seed-{seed}",
            after={"count": len(rows)},
        )


def _load_users(
    users: Sequence[DemoUser],
    *,
    pk_of: Mapping[str, int],
    supplier_pk: Mapping[str, int],
    skip: Sequence[str],
    actor: Actor,
) -> tuple[str, ...]:
    from ordna.core.services import user_add

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
        )
        created.append(demo.username)
    return tuple(created)
