"""Template filters of the support pages: the insight's reasons and suggestion kinds in the reader's language."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ordna.core import formats
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
        return ngettext(
            "low self-rating: %(mean)s of 5 over %(n)s answer",
            "low self-rating: %(mean)s of 5 over %(n)s answers",
            int(f["ratings"]),
        ) % {"mean": formats.number(f["mean"], 1), "n": f["ratings"]}
    if reason.code == "wants_training":
        return _("%(percent)s of those asked want training") % {"percent": formats.percent(f["percent"])}
    if reason.code == "repeated":
        return ngettext(
            "%(n)s question repeats an earlier one", "%(n)s questions repeat earlier ones", int(f["repeated"])
        ) % {"n": f["repeated"]}
    if reason.code == "escalations":
        return _("%(percent)s of questions needed the supplier") % {"percent": formats.percent(f["percent"])}
    if reason.code == "wishes":
        return ngettext("%(n)s vote on open wishes", "%(n)s votes on open wishes", int(f["votes"])) % {"n": f["votes"]}
    if reason.code == "no_key_user":
        return _("no active key user")
    if reason.code == "over_budget":
        return _("key users over their time budget")
    return reason.code


@register.filter
def score_part(part: str) -> str:
    """What one part of an insight score measures (support.insight.WEIGHTS)."""
    return str(
        {
            "load": _("questions, against the application with the most"),
            "gap": _("how low people rate their own skill"),
            "training": _("share of survey answers wanting training"),
            "repeats": _("share of questions repeating earlier ones"),
            "escalation": _("share of questions escalated to the supplier"),
            "wishes": _("votes on open wishes"),
            "capacity": _("no key user present, or key users over budget"),
        }.get(part, part)
    )


@register.filter
def suggestion_kind(kind: str) -> str:
    return {
        "training": _("Training"),
        "capacity": _("Capacity"),
        "training_and_capacity": _("Training and capacity"),
    }.get(kind, kind)


@register.filter
def hours(seconds: int | None) -> str:
    """Seconds of a clock as hours with their unit, in the active language's form ("1,5 h")."""
    return formats.hours(None if seconds is None else seconds / 3600, 1)


@register.filter
def get_item(mapping: dict[str, str], key: str) -> str:
    return str(mapping.get(key, key))
