"""Template filters for labels that come from data keys (import counts, statuses)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

COUNT_LABELS = {
    "created": _("created"),
    "updated": _("updated"),
    "unchanged": _("unchanged"),
    "newly_leaving": _("newly leaving"),
    "newly_ended": _("newly ended"),
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
}


@register.filter
def count_label(key: str) -> str:
    return str(COUNT_LABELS.get(key, key.replace("_", " ")))
