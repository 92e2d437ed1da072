"""Index-backed lists at the size of a large group, on SQLite, without a server: what issue 24's items 2 and 3
change, measured on the very statements the pages and API lists issue (`python -m bench.lists`).

- keyset vs OFFSET: page 19,000 of 1,000,000 accounts ordered by (application_id, key), 50 a page;
- search: people whose name or address contains a part, LIKE '%part%' (a scan) vs the FTS5 trigram index.

The tables are built in a temporary file with the columns the statements touch; each statement runs 5 times
and the median is printed.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ACCOUNTS = 1_000_000
APPLICATIONS = 20
PEOPLE = 100_000
FIRST = ["Anna", "Johan", "Maria", "Erik", "Sara", "Pieter", "Sanne", "Lars", "Eva", "Daan", "Åsa", "Noor"]
LAST = ["Lindberg", "Berg", "de Vries", "Jansen", "Öberg", "Nilsson", "Bakker", "Svensson", "Visser", "Holm"]


def median_ms(run: Callable[[], object], times: int = 5) -> float:
    spent = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        spent.append((time.perf_counter() - start) * 1000)
    return statistics.median(spent)


def build(db: sqlite3.Connection) -> None:
    rng = random.Random(24)
    db.execute("CREATE TABLE account (id INTEGER PRIMARY KEY, application_id INT NOT NULL, key TEXT NOT NULL)")
    db.execute("CREATE UNIQUE INDEX account_key ON account (application_id, key)")
    db.executemany(
        "INSERT INTO account (application_id, key) VALUES (?, ?)",
        ((i % APPLICATIONS + 1, f"user{i:07d}.{rng.randrange(10**6)}@example.org") for i in range(ACCOUNTS)),
    )
    db.execute("CREATE TABLE person (id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT, email TEXT)")
    people = []
    for i in range(PEOPLE):
        first, last = rng.choice(FIRST), f"{rng.choice(LAST)}{i % 997}"
        people.append((first, last, f"{first.lower()}.{last.lower().replace(' ', '')}{i}@example.org"))
    db.executemany("INSERT INTO person (first_name, last_name, email) VALUES (?, ?, ?)", people)
    db.execute(
        "CREATE VIRTUAL TABLE person_search USING fts5(first_name, last_name, email, content='person', "
        "content_rowid='id', tokenize='trigram')"
    )
    db.execute("INSERT INTO person_search(person_search) VALUES ('rebuild')")
    db.commit()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = sqlite3.connect(Path(folder) / "lists.sqlite3")
        start = time.perf_counter()
        build(db)
        print(f"built {ACCOUNTS:,} accounts and {PEOPLE:,} people in {time.perf_counter() - start:.1f} s")
        offset = 18_999 * 50
        order = "ORDER BY application_id, key"
        by_offset = f"SELECT id, application_id, key FROM account {order} LIMIT 50 OFFSET {offset}"  # noqa: S608
        last = db.execute(by_offset).fetchall()[-1]
        # As Keyset.after spells it: one row-value comparison, a range of the (application_id, key) index.
        seek = f"SELECT id, application_id, key FROM account WHERE (application_id, key) > (?, ?) {order} LIMIT 50"  # noqa: S608
        args = (last[1], last[2])
        print(f"accounts page 19,000 by OFFSET: {median_ms(lambda: db.execute(by_offset).fetchall()):.1f} ms")
        print(f"accounts next page by cursor:   {median_ms(lambda: db.execute(seek, args).fetchall()):.1f} ms")
        slug_order = "SELECT id FROM account ORDER BY key LIMIT 50"  # an order no index serves, as before
        print(f"accounts page 1, sorted per request: {median_ms(lambda: db.execute(slug_order).fetchall()):.1f} ms")
        for part in ("berg12", "sanne", "vries3"):
            like = "SELECT count(*) FROM person WHERE first_name LIKE ? OR last_name LIKE ? OR email LIKE ?"
            match = (
                "SELECT count(*) FROM person WHERE id IN (SELECT rowid FROM person_search WHERE person_search MATCH ?)"
            )
            pattern = f"%{part}%"
            found_like = db.execute(like, (pattern,) * 3).fetchone()[0]
            found_match = db.execute(match, (f'"{part}"',)).fetchone()[0]
            spent_like = median_ms(lambda: db.execute(like, (pattern,) * 3).fetchone())  # noqa: B023
            spent_match = median_ms(lambda: db.execute(match, (f'"{part}"',)).fetchone())  # noqa: B023
            print(
                f"people search {part!r}: LIKE {spent_like:.1f} ms ({found_like} found), "
                f"FTS5 trigram {spent_match:.1f} ms ({found_match} found)"
            )


if __name__ == "__main__":
    main()
