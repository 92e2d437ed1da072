"""Reads of accounts and findings: filters, money totals, the review queue, the export shapes (docs/api.md)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from ordna.accounts.correlation import PersonIndex
from ordna.accounts.models import Account, Finding, FindingKind, FindingState
from ordna.core.errors import not_one_of
from ordna.people.models import Person

ACCOUNT_EXPORT_COLUMNS = ("application", "account", "person", "status", "match", "review")
FINDING_EXPORT_COLUMNS = ("kind", "application", "account", "person", "monthly_cost", "currency", "since", "state")


def accounts_filter(
    queryset: QuerySet[Account],
    *,
    application: str = "",
    person: str = "",
    status: str = "",
    review: bool | None = None,
    q: str = "",
) -> QuerySet[Account]:
    if application:
        queryset = queryset.filter(application__slug=application)
    if person:
        queryset = queryset.filter(person__employee_id=person)
    if status:
        queryset = queryset.filter(status=status)
    if review is not None:
        queryset = queryset.filter(needs_review=review)
    if q:
        queryset = queryset.filter(
            Q(key__icontains=q.casefold()) | Q(display_name__icontains=q) | Q(email__icontains=q)
        )
    return queryset


def accounts_export_rows(queryset: QuerySet[Account]) -> Iterator[dict[str, Any]]:
    rows = queryset.order_by("application__slug", "key").values_list(
        "application__slug", "key_display", "person__employee_id", "status", "match_rule", "needs_review"
    )
    for app, key, person, status, rule, review in rows.iterator(chunk_size=5000):
        yield {
            "application": app,
            "account": key,
            "person": person,
            "status": status,
            "match": rule or None,
            "review": review,
        }


def findings_filter(
    queryset: QuerySet[Finding], *, kind: str = "", application: str = "", state: str = "open", person: str = ""
) -> QuerySet[Finding]:
    if kind:
        if kind not in FindingKind.values:
            raise not_one_of("kind", kind, FindingKind.values)
        queryset = queryset.filter(kind=kind)
    if application:
        queryset = queryset.filter(application__slug=application)
    if state:
        if state not in FindingState.values:
            raise not_one_of("state", state, FindingState.values)
        queryset = queryset.filter(state=state)
    if person:
        queryset = queryset.filter(person__employee_id=person)
    return queryset


def findings_totals(queryset: QuerySet[Finding]) -> list[dict[str, Any]]:
    """Count and money per month per kind and currency, plus the same per year, for the list's header."""
    rows = (
        queryset.values("kind", "currency")
        .annotate(count=Count("id"), monthly=Sum("monthly_cost"))
        .order_by("kind", "currency")
    )
    return [{**row, "monthly": cents(row["monthly"]), "yearly": cents(row["monthly"]) * 12} for row in rows]


def cents(value: Decimal | None) -> Decimal:
    """Sums keep two decimals on every database (SQLite's SUM drops the scale)."""
    return (value or Decimal(0)).quantize(Decimal("0.01"))


def money_by_currency(totals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Money per month and year per currency, from the rows of `findings_totals` (no second scan)."""
    monthly: dict[str, Decimal] = {}
    for row in totals:
        if row["currency"]:
            monthly[row["currency"]] = monthly.get(row["currency"], Decimal(0)) + row["monthly"]
    return [{"currency": c, "monthly": m, "yearly": m * 12} for c, m in sorted(monthly.items())]


def findings_export_rows(queryset: QuerySet[Finding]) -> Iterator[dict[str, Any]]:
    rows = queryset.order_by("application__slug", "kind", "id").values_list(
        "kind",
        "application__slug",
        "account__key_display",
        "license",
        "person__employee_id",
        "monthly_cost",
        "currency",
        "since",
        "state",
    )
    for kind, app, account, license_, person, cost, currency, since, state in rows.iterator(chunk_size=5000):
        yield {
            "kind": kind,
            "application": app,
            "account": account,
            "license": license_ or None,
            "person": person,
            "monthly_cost": cost,
            "currency": currency or None,
            "since": since,
            "state": state,
        }


def review_candidates(account: Account, *, index: PersonIndex, limit: int = 10) -> list[Person]:
    """The people an account under review could belong to, from the same index that found it ambiguous
    (take it once per request: `people_snapshot().index`)."""
    ids = index.candidates(
        email=account.email, key=account.key_display, username=account.username, display_name=account.display_name
    )
    return list(Person.objects.filter(pk__in=sorted(ids)[:200]).order_by("last_name", "first_name")[:limit])
