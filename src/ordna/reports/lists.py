"""The lists behind the report's figures: live findings by kind, counted (GROUP BY) or listed (the first rows for
a page, all of them streamed in chunks for a workbook)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from ordna.accounts.models import Finding, FindingState
from ordna.accounts.selectors import of_finding
from ordna.core.companies import CompanyFilter


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def live_by_kind(kinds: tuple[str, ...], day: date, *, company: CompanyFilter = None) -> dict[str, int]:
    """The findings of `kinds` live at the end of `day` (of one company), counted per kind; one GROUP BY."""
    rows = (
        Finding.objects.filter(of_finding(company))
        .filter(kind__in=kinds, since__lte=day)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=_day_start(day + timedelta(days=1))))
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by("kind")
    )
    return {kind: n for kind, n in rows if n}


def live_findings(
    kind: str, day: date, *, company: CompanyFilter = None, limit: int | None = None
) -> Iterator[dict[str, Any]]:
    """The findings of `kind` live at the end of `day` (of one company), for the lists behind the figures,
    streamed from one query in chunks (the workbook's full lists: memory stays bounded)."""
    rows = (
        Finding.objects.filter(of_finding(company))
        .filter(kind=kind, since__lte=day)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=_day_start(day + timedelta(days=1))))
        .order_by("application__name", "account__key", "license", "id")
        .values_list(
            "application__name",
            "account__key_display",
            "license",
            "person__employee_id",
            "person__first_name",
            "person__last_name",
            "person__end_date",
            "monthly_cost",
            "currency",
            "since",
            "state",
        )
    )
    if limit is not None:
        rows = rows[:limit]
    for app, account, license_, eid, first, last, end, cost, currency, since, state in rows.iterator(chunk_size=2000):
        yield {
            "application": app,
            "account": account or "",
            "license": license_,
            "person": eid or "",
            "name": f"{first or ''} {last or ''}".strip(),
            "left_on": end,
            "monthly_cost": cost,
            "currency": currency,
            "since": since,
            "state": state if state != FindingState.RESOLVED else FindingState.OPEN,
        }


def live_findings_list(
    kind: str, day: date, *, company: CompanyFilter = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """The first `limit` (all: None) of `live_findings`; the query asks for no more than that."""
    return list(live_findings(kind, day, company=company, limit=limit))
