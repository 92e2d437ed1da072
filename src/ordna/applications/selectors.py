"""Reads of the application catalogue for the start page's checklist: which applications still lack what."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from rapidfuzz import fuzz, utils

from ordna.applications.models import Application, License


@dataclass(frozen=True)
class Missing:
    """Of `total` applications that read accounts (an export or a connector; not attested only), the names of
    those without a licence in the price list, and of those whose accounts were never imported or read."""

    total: int
    unpriced: list[str]
    unread: list[str]


def applications_missing(only: Q | None = None) -> Missing:
    """What the applications still lack, by name, in one query; `only` limits the applications (a user's
    companies: `applications.scopes.company_scope`)."""
    rows = (
        Application.objects.filter(only or Q(), attest_only=False)
        .annotate(priced=Exists(License.objects.filter(application=OuterRef("pk"))))
        .order_by("name")
        .values_list("name", "priced", "accounts_seen_at", "accounts_active", "accounts_disabled", "accounts_gone")
    )
    total, unpriced, unread = 0, [], []
    for name, priced, seen, active, disabled, gone in rows:
        total += 1
        if not priced:
            unpriced.append(name)
        if seen is None and not (active or disabled or gone):
            unread.append(name)
    return Missing(total, unpriced, unread)


def applications_like(name: str, *, limit: int = 3) -> list[str]:
    """The slugs of the known applications nearest to `name` (a typo such as "microsoft-365" finds "m365", whose
    name is "Microsoft 365"), best first: rapidfuzz's weighted ratio against slug and name, 60 out of 100 or more."""
    wanted = utils.default_process(name)
    if not wanted:
        return []
    scored: list[tuple[float, str]] = []
    for slug, title in Application.objects.order_by("slug").values_list("slug", "name"):
        score = max(fuzz.WRatio(wanted, utils.default_process(text)) for text in (slug, title))
        if score >= 60:
            scored.append((score, slug))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    return [slug for _score, slug in scored[:limit]]
