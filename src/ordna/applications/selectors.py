"""Reads of the application catalogue for the start page's checklist: which applications still lack what."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from ordna.applications.models import Application


@dataclass(frozen=True)
class Missing:
    """Of `total` applications that need it, the names of those that lack it, by name."""

    total: int
    missing: list[str]


def _needing() -> Q:
    return Q(attest_only=False)  # an application without an export or connector has no accounts or seats to read


def applications_without_prices() -> Missing:
    """Applications (with an export or a connector) without any licence in the price list."""
    apps = Application.objects.filter(_needing())
    return Missing(
        apps.count(), list(apps.filter(licenses__isnull=True).order_by("name").values_list("name", flat=True))
    )


def applications_without_accounts() -> Missing:
    """Applications (with an export or a connector) whose accounts were never imported or read."""
    apps = Application.objects.filter(_needing())
    never = apps.filter(accounts_seen_at__isnull=True, accounts_active=0, accounts_disabled=0, accounts_gone=0)
    return Missing(apps.count(), list(never.order_by("name").values_list("name", flat=True)))
