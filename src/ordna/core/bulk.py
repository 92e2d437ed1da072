"""Set-based writes for large changes: one `executemany` per statement instead of the ORM's per-object work.

Django's `bulk_update` builds a CASE expression per row and `bulk_create` prepares every field of every
object; for imports of tens of thousands of rows that is most of the time. These helpers take plain
value tuples, adapt only the fields whose database form differs from the Python value (dates, times,
decimals, JSON), and leave the rest to the driver.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import chain, islice
from typing import Any, cast

from django.db import connection, models

PASS_THROUGH = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "EmailField",
    "FloatField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}


CACHEABLE = {"DateField", "DateTimeField", "DecimalField"}  # hashable values that repeat a lot in imports


def _adapter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    kind = field.get_internal_type()
    if kind in PASS_THROUGH:
        return None

    def adapt(value: Any) -> Any:
        return None if value is None else field.get_db_prep_save(value, connection)

    return lru_cache(maxsize=4096)(adapt) if kind in CACHEABLE else adapt


def _columns(
    model: type[models.Model], fields: Sequence[str], prepared: Collection[str]
) -> tuple[list[str], Callable[[Sequence[Any]], tuple]]:
    meta = model._meta
    resolved = [cast("models.Field[Any, Any]", meta.get_field(name)) for name in fields]
    adapters = [None if f.name in prepared else _adapter(f) for f in resolved]
    columns = [connection.ops.quote_name(str(f.column)) for f in resolved]
    if not any(adapters):
        return columns, tuple
    pairs = [(i, adapt_one) for i, adapt_one in enumerate(adapters) if adapt_one is not None]

    def adapt(row: Sequence[Any]) -> tuple:
        values = list(row)
        for i, adapt_one in pairs:
            values[i] = adapt_one(values[i])
        return tuple(values)

    return columns, adapt


ROWS_PER_INSERT = 100  # rows per INSERT statement, fewer where the database binds fewer values


def _rows_per_statement(columns: int) -> int:
    """ROWS_PER_INSERT, or as many rows as the connection binds values for (SQLite builds before 3.32 bind
    at most 999; PostgreSQL 65,535)."""
    limit = 65535
    if connection.vendor == "sqlite":
        import sqlite3

        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(1, min(ROWS_PER_INSERT, limit // max(1, columns)))


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]], *, prepared: Collection[str] = ()
) -> None:
    """INSERT `rows` (values in the order of `fields`) into `model`'s table; values are Python values, except
    for the fields named in `prepared`, which are already in database form (JSON text, say).

    Rows go in groups of ROWS_PER_INSERT (fewer where the database binds fewer values) through one
    multi-row `INSERT ... VALUES (...), (...)`: SQLite then opens the table, its indexes and the parent
    tables of its foreign keys once per group instead of once per row, about a third less time per row
    (docs/performance.md). The rows keep their order.
    """
    columns, adapt = _columns(model, fields, prepared)
    table = connection.ops.quote_name(model._meta.db_table)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "  # noqa: S608 - names from the model
    values = iter(rows if adapt is tuple else map(adapt, rows))
    per = _rows_per_statement(len(columns))
    full = head + ", ".join([one] * per)
    with connection.cursor() as cursor:
        groups: list[tuple[Any, ...]] = []  # full groups wait here, a few hundred at a time
        while True:
            batch = list(islice(values, per))
            if len(batch) == per:
                groups.append(tuple(chain.from_iterable(batch)))
                if len(groups) < 100:
                    continue
            if groups:
                cursor.executemany(full, groups)
                groups = []
            if len(batch) < per:
                if batch:  # the last, short group
                    cursor.execute(head + ", ".join([one] * len(batch)), list(chain.from_iterable(batch)))
                return


def update_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]], *, prepared: Collection[str] = ()
) -> None:
    """UPDATE `fields` of `model` by primary key; each row is (*values in the order of `fields`, pk)."""
    columns, adapt = _columns(model, fields, prepared)
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(str(model._meta.pk.column))
    assignments = ", ".join(f"{c} = %s" for c in columns)
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608 - names from the model
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(*adapt(row[:-1]), row[-1]) for row in rows])


IN_LIST_SIZE = 900  # ids per `IN (...)`: under the 999 values older SQLite builds bind in one statement


def chunks(items: Sequence[Any], size: int = IN_LIST_SIZE) -> Iterator[Sequence[Any]]:
    """`items` in consecutive slices of at most `size`, for statements that name rows by an `IN` list."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def placeholders(count: int) -> str:
    """`%s, %s, ...`: the parameters of an `IN` list of `count` values."""
    return ", ".join(["%s"] * count)
