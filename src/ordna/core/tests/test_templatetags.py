"""Amounts follow the reader's language: grouping and decimal mark."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from ordna.core.templatetags.ordna import count_label, money


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
