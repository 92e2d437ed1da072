"""Template filters: amounts follow the reader's language; values are written as everywhere else."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from ordna.core.templatetags.ordna import count_label, money, value


@pytest.mark.parametrize(
    ("language", "value", "decimals", "expected"),
    [
        ("en", Decimal("2342"), 2, "2,342.00"),
        ("sv", Decimal("2342"), 2, "2\xa0342,00"),
        ("nl", Decimal("1941768.5"), 0, "1.941.768"),
        ("en", None, 2, "—"),
    ],
)
def test_money(language: str, value: Decimal | None, decimals: int, expected: str) -> None:
    with translation.override(language):
        assert money(value, decimals) == expected


def test_count_labels_are_translated() -> None:
    with translation.override("sv"):
        assert count_label("created") != "created"
    assert count_label("something_new") == "something new"


@pytest.mark.parametrize(
    ("raw", "expected"), [(None, "—"), ("", "—"), (date(2026, 11, 29), "2026-11-29"), ("E10474", "E10474"), (0, "0")]
)
def test_value_writes_dates_as_iso(raw: object, expected: str) -> None:
    assert value(raw) == expected
