"""Set-based writes: every row arrives, in order, whatever the number of rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction

from ordna.core import bulk
from ordna.core.models import Supplier

pytestmark = pytest.mark.django_db
WHEN = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
FIELDS = ("name", "contact_name", "contact_email", "phone", "created_at")


@pytest.mark.parametrize("count", [0, 1, 99, 100, 101, 100 * 100, 100 * 100 + 250 + 7])
def test_insert_rows_writes_every_row_in_order(count: int) -> None:
    rows = ((f"Supplier {i:05d}", "", "", "", WHEN) for i in range(count))
    bulk.insert_rows(Supplier, FIELDS, rows)
    names = list(Supplier.objects.order_by("id").values_list("name", flat=True))
    assert names == [f"Supplier {i:05d}" for i in range(count)]
    assert all(s.created_at == WHEN for s in Supplier.objects.all()[:3])


def test_insert_rows_is_all_or_nothing_inside_a_transaction() -> None:
    rows = [(f"Supplier {i:05d}", "", "", "", WHEN) for i in range(250)] + [("", "", "", "", WHEN)]  # blank: refused
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert_rows(Supplier, FIELDS, rows)
    assert not Supplier.objects.exists()


def test_insert_rows_binds_no_more_values_than_the_database_allows(monkeypatch) -> None:
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the bind limit is SQLite's")
    import sqlite3

    connection.ensure_connection()
    raw = connection.connection
    before = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)  # SQLite before 3.32
    try:
        assert bulk._rows_per_statement(len(FIELDS)) == 100
        assert bulk._rows_per_statement(18) == 55
        bulk.insert_rows(Supplier, FIELDS, [(f"Supplier {i:05d}", "", "", "", WHEN) for i in range(250)])
    finally:
        raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, before)
    assert Supplier.objects.count() == 250


def test_in_lists_come_in_slices_the_database_binds() -> None:
    ids = list(range(1, 1802))
    slices = list(bulk.chunks(ids))
    assert [len(s) for s in slices] == [900, 900, 1]
    assert [s[0] for s in slices] == [1, 901, 1801]
    assert list(bulk.chunks([], 3)) == []
    assert bulk.placeholders(3) == "%s, %s, %s"
