"""Reads of the application catalogue for the start page's checklist: which applications still lack what."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from ordna.applications.models import Application, License


@dataclass(frozen=True)
class Missing:
    """Of `total` applications that read accounts (an export or a connector; not attested only), the names of
    those without a licence in the price list, and of those whose accounts were never imported or read."""

    total: int
    unpriced: list[str]
    unread: list[str]


def applications_missing() -> Missing:
    """What the applications still lack, by name, in one query."""
    rows = (
        Application.objects.filter(attest_only=False)
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
