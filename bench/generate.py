"""Deterministic benchmark data: an HR file of N people and account exports of M accounts over A applications.

The accounts look like the real thing: most are found by email (some upper-case, some on a second domain),
some by employee id or username, some only by name; a few per cent are disabled, orphans of former staff
unknown to HR, or service accounts; half of the applications assign licences.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from ordna.demo.names import (
    DUTCH_FIRST_NAMES,
    DUTCH_LAST_NAMES,
    INTERNATIONAL_FIRST_NAMES,
    INTERNATIONAL_LAST_NAMES,
    SWEDISH_FIRST_NAMES,
    SWEDISH_LAST_NAMES,
)

FIRST_NAMES = (*SWEDISH_FIRST_NAMES, *DUTCH_FIRST_NAMES, *INTERNATIONAL_FIRST_NAMES)
LAST_NAMES = (*SWEDISH_LAST_NAMES, *DUTCH_LAST_NAMES, *INTERNATIONAL_LAST_NAMES)

# The demo's names plus surnames from roots and endings, as Swedish surnames are built: a few thousand,
# the common ones drawn far more often (Zipf), so that namesakes are about as rare as in a real organisation.
ROOTS = [
    "Lind",
    "Berg",
    "Ström",
    "Holm",
    "Sund",
    "Dahl",
    "Ek",
    "Björk",
    "Sjö",
    "Nord",
    "Öst",
    "Väst",
    "Hag",
    "Malm",
    "Fors",
    "Lund",
    "Sand",
    "Åker",
    "Ros",
    "Gran",
    "Al",
    "Ask",
    "Hed",
    "Kvarn",
    "Lööf",
    "Vik",
    "Ny",
    "Blom",
    "Eng",
    "Falk",
    "Gull",
    "Hall",
    "Karl",
    "Lil",
    "Mos",
    "Nils",
    "Pers",
    "Rud",
    "Sten",
    "Törn",
]
ENDINGS = [
    "berg",
    "ström",
    "qvist",
    "gren",
    "lund",
    "holm",
    "dahl",
    "man",
    "sten",
    "bäck",
    "mark",
    "son",
    "ling",
    "blad",
    "by",
    "stedt",
    "hammar",
    "vall",
]


def _weighted(rng: random.Random, items: list[str]) -> str:
    """A quarter of names from the frequent head of the list, the rest spread evenly."""
    return items[min(int(rng.paretovariate(1.2)) - 1, len(items) - 1)] if rng.random() < 0.25 else rng.choice(items)


HEADER = [
    "employee_id",
    "first_name",
    "last_name",
    "email",
    "department",
    "manager_employee_id",
    "employment_type",
    "start_date",
    "end_date",
    "cost_center",
]
ACCOUNT_HEADER = ["account_id", "email", "display_name", "employee_id", "status", "last_login", "license"]


def fold(text: str) -> str:
    table = str.maketrans("åäöéÅÄÖÉ ", "aaoeAAOE.")
    return text.translate(table).lower()


def generate(
    directory: Path, *, people: int = 100_000, accounts: int = 1_000_000, applications: int = 20, seed: int = 7
) -> tuple[Path, list[Path]]:
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    surnames = sorted({root + ending for root in ROOTS for ending in ENDINGS} | set(LAST_NAMES))
    rng.shuffle(surnames)
    firsts = list(FIRST_NAMES)
    hr = directory / "people.csv"
    persons = []
    taken: set[str] = set()
    with hr.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(people):
            first, last = _weighted(rng, firsts), _weighted(rng, surnames)
            local = f"{fold(first)}.{fold(last)}"
            email = f"{local}@example.org"
            n = 2
            while email in taken:
                email = f"{local}{n}@example.org"
                n += 1
            taken.add(email)
            employee_id = f"E{100000 + i}"
            left = rng.random() < 0.12
            end = f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}" if left else ""
            writer.writerow(
                [
                    employee_id,
                    first,
                    last,
                    email,
                    "Consulting",
                    "" if i < 100 else f"E{100000 + i % 100}",
                    "consultant",
                    "2020-01-01",
                    end,
                    "CC1",
                ]
            )
            persons.append((employee_id, first, last, email, bool(end)))
    files = []
    per_app = accounts // applications
    for a in range(applications):
        path = directory / f"accounts-{a:02d}.csv"
        licensed = a % 2 == 0
        chosen = rng.sample(range(people), per_app - per_app // 50)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(ACCOUNT_HEADER)
            for j, index in enumerate(chosen):
                employee_id, first, last, email, has_left = persons[index]
                style = j % 10
                key, mail, eid = email, email, ""
                if style == 0:
                    mail = email.upper()
                elif style == 1:
                    mail = email.replace("@example.org", "@example-group.org")
                    key = mail
                elif style == 2:
                    key, mail, eid = f"u{index:06d}", "", employee_id
                elif style == 3:
                    key, mail = f"{fold(first)[0]}{fold(last).replace('.', '')}{j}", ""
                # As in the demo: most leavers' accounts were closed, a good part of them without taking the
                # licence back (the audit's finding); a few other accounts are disabled for other reasons.
                status = "disabled" if rng.random() < (0.6 if has_left else 0.02) else "active"
                # Most people signed in lately; one in ten not for months (dormant).
                recent = rng.random() < 0.9
                login = f"2026-11-{rng.randint(1, 21):02d}" if recent else f"2026-{rng.randint(1, 7):02d}-15"
                license = rng.choice(["Standard", "Pro", "Standard+Addon"]) if licensed else ""
                if status == "disabled" and rng.random() < 0.7:
                    license = ""
                writer.writerow([key, mail, f"{first} {last}", eid, status, login, license])
            for k in range(per_app // 50):  # former staff unknown to HR, and service accounts
                writer.writerow([f"x{a}-{k}", f"former{k}@example.org", f"Former Staff {k}", "", "active", "", ""])
        files.append(path)
    return hr, files
