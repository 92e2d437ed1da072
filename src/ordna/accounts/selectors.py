"""Reads of accounts and findings: filters, money totals, the review queue, the export shapes (docs/api.md)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from ordna.accounts.identity_keys import candidates_by_account
from ordna.accounts.models import Account, Finding, FindingKind, FindingState
from ordna.accounts.search import ACCOUNTS_SEARCH
from ordna.applications.models import Application
from ordna.core.companies import CompanyFilter, of_company
from ordna.core.data_version import cached_count, cached_rows
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
        # Through the search index (ordna.core.search): a part of the key, username, display name or address.
        queryset = queryset.filter(ACCOUNTS_SEARCH.matching(q))
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
    """Count and money per month per kind and currency, plus the same per year, for the list's header; summed
    once per data version (ordna.core.data_version), not on every request."""
    rows = cached_rows(
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


def review_candidates(accounts: Sequence[Account], *, limit: int = 10) -> dict[int, list[Person]]:
    """The people each account under review could belong to (by account id), from the stored identity keys
    (ordna.accounts.identity_keys: call `identity_keys_refresh()` first); in two queries for the whole page,
    each account's people in name order."""
    wanted = {pk: sorted(ids)[:200] for pk, ids in candidates_by_account(accounts).items()}
    everyone = {pid for ids in wanted.values() for pid in ids}
    people = list(Person.objects.filter(pk__in=sorted(everyone)).order_by("last_name", "first_name", "id"))
    rank = {person.pk: position for position, person in enumerate(people)}
    by_id = {person.pk: person for person in people}
    return {
        account_id: [by_id[pid] for pid in sorted((p for p in ids if p in by_id), key=rank.__getitem__)][:limit]
        for account_id, ids in wanted.items()
    }


# The figures every surface shows (issue 16) -------------------------------------------------------------------
#
# A figure of a day is the state at its end, as the findings recorded it: a finding is live at the end of a day
# when it opened on or before it and was not resolved by then (accepted ones are live: the account still is).
# The dashboard, the findings page, the monthly follow-up and its trend, the licence report, the evidence pack
# and the API all call these, so they cannot disagree.


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _live_at(day: date) -> Q:
    """The findings live at the end of `day`: opened on or before it and not resolved by then."""
    return Q(since__lte=day) & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=_end_of(day)))


def _scope(kind: str, days: Sequence[date], findings: QuerySet[Finding] | None) -> QuerySet[Finding]:
    """The findings of `kind` that can be live at the end of one of `days` (the index on kind and since)."""
    queryset = Finding.objects.all() if findings is None else findings
    return queryset.filter(kind=kind, since__lte=max(days)).filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gte=_end_of(min(days)))
    )


def leaver_accounts_active(days: Sequence[date], *, findings: QuerySet[Finding] | None = None) -> dict[date, int]:
    """For each day: the accounts still active at its end of people who had left by then (`leaver_active`
    findings live then), within `findings` (a scope; all when not given). One COUNT per day, in one query: the
    database counts, nothing is loaded."""
    if not days:
        return {}
    order = sorted(set(days))
    counts = _scope(FindingKind.LEAVER_ACTIVE, order, findings).aggregate(
        **{f"d{i}": Count("id", filter=_live_at(day)) for i, day in enumerate(order)}
    )
    by_day = {day: int(counts[f"d{i}"] or 0) for i, day in enumerate(order)}
    return {day: by_day[day] for day in days}


def licence_waste(days: Sequence[date], *, findings: QuerySet[Finding] | None = None) -> dict[date, dict[str, Decimal]]:
    """For each day: the money per month, per currency (never summed across currencies), of the licences
    wasted at its end: on accounts of people who had left, disabled or orphaned (`license_waste` findings)."""
    return _money_live(FindingKind.LICENSE_WASTE, days, findings)


def unused_seats(days: Sequence[date], *, findings: QuerySet[Finding] | None = None) -> dict[date, dict[str, Decimal]]:
    """For each day: the money per month, per currency, of seats bought and assigned to nobody (`seat_overbuy`
    findings). Apart from the licence waste on every page, and said so beside it (issue 29)."""
    return _money_live(FindingKind.SEAT_OVERBUY, days, findings)


def _money_live(kind: str, days: Sequence[date], findings: QuerySet[Finding] | None) -> dict[date, dict[str, Decimal]]:
    """A SUM per currency and day, in one GROUP BY query (a row per currency)."""
    if not days:
        return {}
    order = sorted(set(days))
    rows = (
        _scope(kind, order, findings)
        .values_list("currency")
        .annotate(**{f"d{i}": Sum("monthly_cost", filter=_live_at(day)) for i, day in enumerate(order)})
        .order_by("currency")
    )
    money: dict[date, dict[str, Decimal]] = {day: {} for day in order}
    for row in rows:
        currency = row[0] or "SEK"
        for i, day in enumerate(order):
            amount = row[i + 1]
            if amount is not None:
                money[day][currency] = money[day].get(currency, Decimal(0)) + amount
    by_day = {day: {c: cents(a) for c, a in sorted(money[day].items())} for day in order}
    return {day: by_day[day] for day in days}


def licence_waste_by_licence(
    day: date, *, findings: QuerySet[Finding] | None = None
) -> dict[tuple[int, str], tuple[int, Decimal, str, dict[str, int]]]:
    """The licence waste live at the end of `day` per (application id, licence): wasted seats, money per month,
    currency, and the seats by reason (`leavers`, `disabled`, `orphans`), judged by the account as it is. The
    licence report's rows; they add up to `licence_waste`. One GROUP BY query: a row per licence."""
    queryset = Finding.objects.all() if findings is None else findings
    leaver = Q(person__end_date__lt=day)
    disabled = ~leaver & Q(account__status="disabled")
    rows = (
        queryset.filter(kind=FindingKind.LICENSE_WASTE)
        .filter(_live_at(day))
        .values_list("application_id", "license", "currency")
        .annotate(
            seats=Count("id"),
            money=Sum("monthly_cost"),
            leavers=Count("id", filter=leaver),
            disabled=Count("id", filter=disabled),
        )
        .order_by("application_id", "license", "currency")
    )
    result: dict[tuple[int, str], tuple[int, Decimal, str, dict[str, int]]] = {}
    for app_id, licence, currency, seats, money, leavers, off in rows:
        before, total, first_currency, reasons = result.get((app_id, licence), (0, Decimal(0), currency or "SEK", {}))
        orphans = seats - leavers - off
        for reason, count in (("leavers", leavers), ("disabled", off), ("orphans", orphans)):
            if count:
                reasons[reason] = reasons.get(reason, 0) + count
        result[(app_id, licence)] = (before + seats, total + (money or 0), first_currency, reasons)
    return {key: (seats, cents(money), currency, reasons) for key, (seats, money, currency, reasons) in result.items()}


def of_finding(company: CompanyFilter) -> Q:
    """The findings (or accounts) of `company` (docs/companies.md): its people's, and the unlinked ones of its
    own applications; no filter for None, the whole group."""
    return of_company(company, person="person", application="application")


def company_findings(company: CompanyFilter) -> QuerySet[Finding] | None:
    """The findings of `company` as a scope for the selectors above; None (all) for the whole group."""
    return None if company is None else Finding.objects.filter(of_finding(company))


def accounts_unlinked_count(only: Q | None = None) -> int:
    """Active accounts linked to no person and not marked as a service or shared account: the review queue's and
    the orphan findings' accounts, for the start page's checklist; `only` limits the applications."""
    accounts = Account.objects.filter(
        Q(needs_review=True) | Q(person__isnull=True, non_personal=False), status="active"
    )
    if only is not None:
        accounts = accounts.filter(application__in=Application.objects.filter(only))
    # Counted once per data version (a scan of the accounts at a million of them).
    return cached_count(accounts)
