"""Template filters for labels that come from data keys (import counts, statuses)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from ordna.core.formats import short_date
from ordna.core.money import amounts_text

register = template.Library()

COUNT_LABELS = {
    "created": _("created"),
    "updated": _("updated"),
    "unchanged": _("unchanged"),
    "newly_leaving": _("newly leaving"),
    "newly_left": _("newly left (a past last day)"),
    "already_left": _("had left already (no case when it was longer ago than the recent days)"),
    "newly_ended": _("newly given a last day"),  # kept by imports before newly_left existed
    "not_in_file": _("not in the file"),
    "rows": _("rows"),
    "new": _("new"),
    "changed": _("changed"),
    "gone": _("gone"),
    "links_made": _("links made"),
    "needs_review": _("need review"),
    "findings_opened": _("findings opened"),
    "findings_resolved": _("findings resolved"),
    "applications_created": _("applications created"),
    # What an HR import set off in the lifecycle (counted into its run as cases_*).
    "cases_opened": _("cases opened"),
    "cases_replanned": _("cases re-planned"),
    "cases_cancelled": _("cases cancelled"),
    "cases_lines_added": _("lines added to cases"),
}


@register.filter
def count_label(key: str) -> str:
    """The words for a count an import kept (`newly_leaving` is "newly leaving"); an unknown key, from an app
    that counts something new, reads with spaces for underscores."""
    return str(COUNT_LABELS.get(key, key.replace("_", " ")))


@register.filter
def money(value: Decimal | float | int | None, decimals: int = 2) -> str:
    """An amount with the active language's grouping and decimal mark: 2 342,00 in Swedish, 2,342.00 in English."""
    if value is None or value == "":
        return "—"
    return number_format(Decimal(value), decimal_pos=int(decimals), use_l10n=True, force_grouping=True)


@register.filter
def amounts(value: Mapping[str, Decimal] | None, decimals: int = 2) -> str:
    """Money per currency (ordna.core.money), each amount with its code, never summed across currencies."""
    return amounts_text(value or {}, decimals=int(decimals))


@register.filter
def value(raw: object) -> str:
    """A field's value as Ordna writes it everywhere: dates in the language's short form, "—" for nothing."""
    if raw is None or raw == "":
        return "—"
    if isinstance(raw, date):
        return short_date(raw)
    return str(raw)


@register.filter
def item(mapping: Mapping[Any, Any] | None, key: Any) -> Any:
    """`mapping[key]`, or None: a page's per-row extras (errors, offers) looked up by the row's id."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def rest(total: int, shown: int) -> int:
    """How many of `total` a list cut at `shown` leaves out (for "and N more"); 0 when none."""
    return max(int(total) - int(shown), 0)
