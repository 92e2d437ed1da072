"""The stored findings brought in line with what the accounts imply (docs/accounts.md).

ordna.accounts.findings says, without the ORM, which findings a set of account states implies; here they
are compared with the live findings stored, and opened, resolved, re-priced or reopened (an acceptance
that expired) to match, set-based.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ordna.accounts import findings as core
from ordna.accounts.models import Account, Finding, FindingState
from ordna.accounts.planning import PeopleSnapshot
from ordna.accounts.reading import people_snapshot
from ordna.applications.models import Application
from ordna.core.bulk import chunks, insert_rows


def _prices(application: Application | None) -> dict[str, core.Price]:
    if application is None:
        return {}
    return {lic.name: core.Price(lic.monthly_cost, lic.currency, lic.seats) for lic in application.licenses.all()}


def findings_wanted(
    application: Application | None, states: Sequence[core.AccountState], people: PeopleSnapshot, today: date
) -> list[core.FindingSpec]:
    """The findings the accounts' states imply today, priced by the application's licences."""
    return core.compute_findings(
        accounts=states,
        people=people.dates,
        prices=_prices(application),
        today=today,
        dormant_days=settings.ORDNA_DORMANT_DAYS,
    )


LiveFindings = dict[tuple[str, int | None, str], tuple[Any, ...]]


def live_findings(application: Application | None) -> LiveFindings:
    """The application's live findings of the kinds reconciliation computes (offboarding's own are not
    resolved here), by identity (kind, account, licence): (id, kind, account, licence, state, accepted until,
    monthly cost, currency, person)."""
    live: LiveFindings = {}
    if application is not None:
        rows = Finding.objects.filter(
            application=application, state__in=[FindingState.OPEN, FindingState.ACCEPTED], kind__in=core.KINDS
        )
        for row in rows.values_list(
            "id", "kind", "account_id", "license", "state", "accepted_until", "monthly_cost", "currency", "person_id"
        ).iterator(chunk_size=10000):
            live[(row[1], row[2], row[3])] = row
    return live


def findings_sync(
    application: Application | None,
    specs: Sequence[core.FindingSpec],
    today: date,
    *,
    write: bool,
    live: LiveFindings | None = None,
) -> tuple[list[core.FindingSpec], list[int]]:
    """Compare the wanted findings with the live ones stored (`live`: as read before, by live_findings, while
    the application's accounts are as they were then; else read now); with `write`, open, resolve, re-price
    and reopen (expired acceptances) to match. Returns the opened specs and the resolved finding ids.

    A `live` read before the write lock may miss an acceptance made since (accepting changes no accounts):
    the writes are therefore conditional on the state they change, so a finding resolved or accepted
    meanwhile is neither resolved nor reopened again."""
    if live is None:
        live = live_findings(application)
    wanted = {spec[:3]: spec for spec in specs}  # (kind, account, licence): a finding's identity
    opened = [spec for identity, spec in wanted.items() if identity not in live]
    resolved = [row[0] for identity, row in live.items() if identity not in wanted]
    if not write or application is None:
        return opened, resolved
    now = timezone.now()
    if opened:
        _insert_findings(application.pk, opened, today)
    for chunk in chunks(resolved):
        Finding.objects.filter(pk__in=chunk, state__in=[FindingState.OPEN, FindingState.ACCEPTED]).update(
            state=FindingState.RESOLVED, resolved_at=now
        )
    changed, reopened = [], []
    for identity, row in live.items():
        spec = wanted.get(identity)
        if spec is None:
            continue
        if row[4] == FindingState.ACCEPTED and row[5] is not None and row[5] < today:
            reopened.append(row[0])
        if (row[6], row[7], row[8]) != (spec.monthly_cost, spec.currency, spec.person_id):
            changed.append(
                Finding(pk=row[0], monthly_cost=spec.monthly_cost, currency=spec.currency, person_id=spec.person_id)
            )
    if changed:
        Finding.objects.bulk_update(changed, ["monthly_cost", "currency", "person_id"], batch_size=2000)
    for chunk in chunks(reopened):
        Finding.objects.filter(pk__in=chunk, state=FindingState.ACCEPTED, accepted_until__lt=today).update(
            state=FindingState.OPEN, accepted_by="", accepted_reason="", accepted_until=None
        )
    return opened, resolved


FINDING_FIELDS = (
    "kind",
    "application",
    "account",
    "license",
    "person",
    "monthly_cost",
    "currency",
    "state",
    "since",
    "accepted_by",
    "accepted_reason",
)


def _insert_findings(application_id: int, specs: Sequence[core.FindingSpec], today: date) -> None:
    """Insert new open findings set-based (a first import can open hundreds of thousands), in account
    order so that the (account, kind, license) index grows at its end."""
    specs = sorted(specs, key=lambda s: (s.account_id or 0, s.kind, s.license))
    insert_rows(
        Finding,
        FINDING_FIELDS,
        [
            (
                s.kind,
                application_id,
                s.account_id,
                s.license,
                s.person_id,
                s.monthly_cost,
                s.currency,
                FindingState.OPEN,
                today,
                "",
                "",
            )
            for s in specs
        ],
    )


def findings_recompute(*, application: Application, today: date) -> tuple[int, int]:
    """Recompute one application's findings from its stored accounts (after a price, people or link change);
    returns how many opened and resolved."""
    rows = Account.objects.filter(application=application).values_list(
        "id", "status", "person_id", "non_personal", "needs_review", "last_login", "licenses"
    )
    states = [
        core.AccountState(i, s, p, bool(n), bool(r), login, tuple(lic or ()))
        for i, s, p, n, r, login, lic in rows.iterator(chunk_size=10000)
    ]
    with transaction.atomic():
        specs = findings_wanted(application, states, people_snapshot(), today)
        opened, resolved = findings_sync(application, specs, today, write=True)
    return len(opened), len(resolved)


def findings_reprice(*, application_id: int, license: str, old_cost: Decimal, cost: Decimal, currency: str) -> bool:
    """After a licence's price changed (not its seats): the live findings of that licence re-priced in place, the
    licence waste in one UPDATE and the seats bought and unused (one finding: price times the unused seats) in
    another; nothing else is read. False when the unused seats cannot be told from the old price (it was 0): the
    caller recomputes the application instead."""
    live = Finding.objects.filter(
        application_id=application_id, license=license, state__in=[FindingState.OPEN, FindingState.ACCEPTED]
    )
    overbuy = list(live.filter(kind=core.SEAT_OVERBUY).values_list("id", "monthly_cost"))
    if overbuy and not old_cost:
        return False
    with transaction.atomic():
        live.filter(kind=core.LICENSE_WASTE).update(monthly_cost=cost, currency=currency)
        for pk, total in overbuy:
            unused = (total / old_cost).to_integral_value()
            Finding.objects.filter(pk=pk).update(monthly_cost=cost * unused, currency=currency)
    return True
