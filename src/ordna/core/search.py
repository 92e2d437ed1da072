"""Substring search through an index: people and accounts by name, address or username.

Why this way: a list searched with `LIKE '%word%'` reads every row, twice per page (the page and its count),
and no B-tree index can help a pattern that starts with a wildcard. Both databases Ordna runs on have an index
made for exactly this, built from every three-character piece of the text (trigrams): SQLite's FTS5 with the
`trigram` tokenizer, and PostgreSQL's `pg_trgm` as a GIN index. Both find any substring of three characters or
more, case-insensitively, so one search means the same on both, and neither needs a search server beside the
database. A word-based full-text index (FTS5's default tokenizer, PostgreSQL's tsvector) would not find "berg"
in "Lindberg" or "nna" in "anna.berg@", which is how people search for a name or an address.

- SQLite: a virtual FTS5 table `<table>_search` over the columns, its content read from the table itself
  (no copy of the text), kept current by triggers on insert, delete and an update of those columns only.
- PostgreSQL: one GIN index per column on `UPPER(column) gin_trgm_ops`, the very expression Django's
  `icontains` compares, so the planner answers each column from its index and ORs them.

Words of one or two characters have no trigram: they are searched as before, by a scan (`icontains`).
`ensure` runs after every `ordna migrate`, so an index whose SQLite triggers went with a table that a later
migration rebuilt is put back and refilled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

SHORTEST = 3  # a trigram


@dataclass(frozen=True)
class SearchIndex:
    """The columns of one table that are searched by substring."""

    table: str
    columns: tuple[str, ...]

    @property
    def fts(self) -> str:
        return f"{self.table}_search"

    def matching(self, text: str) -> Q:
        """The rows where `text` occurs in any of the columns, case-insensitively."""
        scan = Q()
        for column in self.columns:
            scan |= Q(**{f"{column}__icontains": text})
        if len(text) < SHORTEST or connection.vendor != "sqlite":
            return scan  # PostgreSQL answers icontains from the trigram indexes; short words are scanned
        phrase = '"' + text.replace('"', '""') + '"'
        return Q(pk__in=RawSQL(f"SELECT rowid FROM {self.fts} WHERE {self.fts} MATCH %s", [phrase]))  # noqa: S611, S608

    def ensure(self, db: Any) -> None:
        """Create what is missing of the index on `db` (a connection); refill an SQLite index that had lost
        its triggers."""
        if db.vendor == "sqlite":
            self._ensure_sqlite(db)
        elif db.vendor == "postgresql":
            with db.cursor() as cursor:
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                for column in self.columns:
                    cursor.execute(
                        f"CREATE INDEX IF NOT EXISTS {self.table}_{column}_trgm "
                        f"ON {self.table} USING gin (UPPER({column}) gin_trgm_ops)"
                    )

    def _ensure_sqlite(self, db: Any) -> None:
        cols = ", ".join(self.columns)
        new = ", ".join(f"new.{c}" for c in self.columns)
        old = ", ".join(f"old.{c}" for c in self.columns)
        remove = f"INSERT INTO {self.fts}({self.fts}, rowid, {cols}) VALUES ('delete', old.id, {old});"  # noqa: S608
        add = f"INSERT INTO {self.fts}(rowid, {cols}) VALUES (new.id, {new});"  # noqa: S608
        triggers = {
            f"{self.fts}_insert": f"AFTER INSERT ON {self.table} BEGIN {add} END",
            f"{self.fts}_delete": f"AFTER DELETE ON {self.table} BEGIN {remove} END",
            f"{self.fts}_update": f"AFTER UPDATE OF {cols} ON {self.table} BEGIN {remove} {add} END",
        }
        with db.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [self.table])
            present = {row[0] for row in cursor.fetchall()}
            if present >= set(triggers):
                return
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {self.fts} USING fts5({cols}, content='{self.table}', "
                f"content_rowid='id', tokenize='trigram')"
            )
            for name, body in triggers.items():
                cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
            cursor.execute(f"INSERT INTO {self.fts}({self.fts}) VALUES ('rebuild')")  # noqa: S608 - our names

    def drop(self, db: Any) -> None:
        """Remove the index (a migration's way back)."""
        with db.cursor() as cursor:
            if db.vendor == "sqlite":
                for suffix in ("insert", "delete", "update"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {self.fts}_{suffix}")
                cursor.execute(f"DROP TABLE IF EXISTS {self.fts}")
            elif db.vendor == "postgresql":
                for column in self.columns:
                    cursor.execute(f"DROP INDEX IF EXISTS {self.table}_{column}_trgm")
