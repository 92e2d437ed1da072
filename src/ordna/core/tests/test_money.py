"""Money per currency (issue 23): amounts of different currencies are never added into one figure."""

from __future__ import annotations

from decimal import Decimal

from django.template import Context, Template
from django.utils import translation

from ordna.core.money import amounts_add, amounts_of, amounts_rows, amounts_text, amounts_times


def test_amounts_add_per_currency_and_never_across() -> None:
    total = amounts_add({"EUR": Decimal("2342")}, {"SEK": Decimal("63859")}, {"EUR": Decimal("0.5")})
    assert total == {"EUR": Decimal("2342.50"), "SEK": Decimal("63859.00")}
    assert amounts_of([("SEK", 10), (None, Decimal("5")), ("EUR", "1.25")]) == {
        "EUR": Decimal("1.25"),
        "SEK": Decimal("15.00"),  # a price without a currency is in the organisation's own
    }
    assert amounts_times({"EUR": Decimal("10")}, 12) == {"EUR": Decimal("120.00")}
    assert amounts_rows(total) == [("EUR", Decimal("2342.50")), ("SEK", Decimal("63859.00"))]


def test_amounts_are_written_each_with_its_code_in_the_readers_format() -> None:
    amounts = {"SEK": Decimal("63859"), "EUR": Decimal("2342")}
    with translation.override("sv"):
        assert amounts_text(amounts) == "2\xa0342,00 EUR, 63\xa0859,00 SEK"
        shown = Template("{% load ordna %}{{ money|amounts }}").render(Context({"money": amounts}))
    # Not "66 201,00": the two amounts apart, each with its unit.
    assert shown == "2\xa0342,00 EUR, 63\xa0859,00 SEK"
    with translation.override("en"):
        assert amounts_text(amounts) == "2,342.00 EUR, 63,859.00 SEK"
        assert amounts_text({}) == "0"
