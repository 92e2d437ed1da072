"""Template filters of the support pages: the insight's reasons and suggestion kinds in the reader's language."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ordna.support.insight import Reason

register = template.Library()


@register.filter
def reason_text(reason: Reason) -> str:
    f = reason.figures
    if reason.code == "many_questions":
        return ngettext(
            "%(n)s question in the last 12 months", "%(n)s questions in the last 12 months", int(f["questions"])
        ) % {"n": f["questions"]}
    if reason.code == "low_rating":
        return _("low self-rating: %(mean)s of 5 over %(n)s answers") % {"mean": f["mean"], "n": f["ratings"]}
    if reason.code == "wants_training":
        return _("%(percent)s%% of those asked want training") % {"percent": f["percent"]}
    if reason.code == "repeated":
        return _("%(n)s questions repeat earlier ones") % {"n": f["repeated"]}
    if reason.code == "escalations":
        return _("%(percent)s%% of questions needed the supplier") % {"percent": f["percent"]}
    if reason.code == "wishes":
        return _("%(n)s votes on open wishes") % {"n": f["votes"]}
    if reason.code == "no_key_user":
        return _("no active key user")
    if reason.code == "over_budget":
        return _("key users over their time budget")
    return reason.code


@register.filter
def suggestion_kind(kind: str) -> str:
    return {
        "training": _("Training"),
        "capacity": _("Capacity"),
        "training_and_capacity": _("Training and capacity"),
    }.get(kind, kind)


@register.filter
def hours(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    return _("%(hours)s h") % {"hours": round(seconds / 3600, 1)}


@register.filter
def get_item(mapping: dict[str, str], key: str) -> str:
    return str(mapping.get(key, key))
