"""Template filters for labels that come from data keys (import counts, statuses)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from ordna.core import formats
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


@register.filter
def number(raw: Decimal | float | int | None, digits: int = 0) -> str:
    """A figure in the active language's form (2,5 in Swedish): ordna.core.formats.number."""
    return formats.number(raw, int(digits))


@register.filter
def hours_text(raw: Decimal | float | int | None, digits: int = 1) -> str:
    """Hours (not seconds: that is support's `hours`) with their unit ("0,0 h" in Swedish): formats.hours."""
    return formats.hours(raw, int(digits))


@register.filter
def percent(raw: Decimal | float | int | None, digits: int = 0) -> str:
    """A share in percent with its unit ("100 %"): ordna.core.formats.percent."""
    return formats.percent(raw, int(digits))


def _readable(raw: Any) -> str:
    """One recorded value as a person reads it: "—" for nothing, yes/no, lists and mappings written out."""
    if raw is None or raw == "" or raw == [] or raw == {}:
        return "—"
    if isinstance(raw, bool):
        return str(_("yes") if raw else _("no"))
    if isinstance(raw, list | tuple):
        return ", ".join(_readable(v) for v in raw)
    if isinstance(raw, dict):
        return "; ".join(f"{k}: {_readable(v)}" for k, v in raw.items())
    if isinstance(raw, float | Decimal):
        return formats.number(raw, 2)
    return str(raw)


@register.filter
def audit_changes(event: Any) -> list[tuple[str, str, str]]:
    """An audit event's change as rows (field, before, after), one per field named in either: the audit log
    shows "status: active → disabled" instead of two dictionaries. A field only after reads "— → value"."""
    before = event.before if isinstance(event.before, dict) else ({"": event.before} if event.before else {})
    after = event.after if isinstance(event.after, dict) else ({"": event.after} if event.after else {})
    fields = list(dict.fromkeys([*before, *after]))
    return [(name, _readable(before.get(name)), _readable(after.get(name))) for name in fields]
