"""Money per currency: the one mechanism every page, API, export and report uses to add, scale and write amounts.

An amount is always kept with its currency, as a mapping currency -> Decimal (`Amounts`). Amounts of different
currencies are never added into one figure (issue 23: "66 201,00" was 2,342 EUR plus 63,859 SEK): `amounts_add`
adds per currency, `amounts_text` writes each with its code in the active language's number format, and
`amounts_rows` gives the (currency, amount) pairs a table or an XLSX sheet lists one per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format

Amounts = dict[str, Decimal]
CENT = Decimal("0.01")
DEFAULT_CURRENCY = "SEK"  # a price without a currency (older price lists) is in the organisation's own


def amounts_add(*parts: Mapping[str, Decimal]) -> Amounts:
    """The sum of `parts` per currency, sorted by currency code; an amount of zero stays listed."""
    total: Amounts = {}
    for part in parts:
        for currency, amount in part.items():
            code = currency or DEFAULT_CURRENCY
            total[code] = total.get(code, Decimal(0)) + Decimal(amount)
    return {code: total[code].quantize(CENT, ROUND_HALF_UP) for code in sorted(total)}


def amounts_of(rows: Iterable[tuple[str | None, Decimal | int | float | None]]) -> Amounts:
    """The sum per currency of (currency, amount) rows, as read from the database."""
    total: Amounts = {}
    for currency, amount in rows:
        code = currency or DEFAULT_CURRENCY
        total[code] = total.get(code, Decimal(0)) + Decimal(str(amount or 0))
    return amounts_add(total)


def amounts_times(amounts: Mapping[str, Decimal], factor: int | Decimal) -> Amounts:
    """Each amount times `factor` (12: a month's money per year), in its own currency."""
    return amounts_add({code: Decimal(amount) * factor for code, amount in amounts.items()})


def amount_text(amount: Decimal | int | float, currency: str, *, decimals: int = 2) -> str:
    """One amount with its code, in the active language's format: "2 342,00 EUR" in Swedish."""
    shown = number_format(Decimal(str(amount)), decimal_pos=decimals, use_l10n=True, force_grouping=True)
    return f"{shown} {currency}"


def amounts_text(amounts: Mapping[str, Decimal], *, decimals: int = 2) -> str:
    """Every currency's amount with its code, never one sum: "2 342,00 EUR, 63 859,00 SEK"; "0" for none."""
    if not amounts:
        return "0"
    return ", ".join(amount_text(amounts[code], code, decimals=decimals) for code in sorted(amounts))


def amounts_rows(amounts: Mapping[str, Decimal]) -> list[tuple[str, Decimal]]:
    """(currency, amount) per currency, sorted: for tables and sheets that list one currency per row."""
    return [(code, Decimal(amounts[code])) for code in sorted(amounts)]
