"""The people's identifying values, stored (IdentityKey), for the review queue.

Why: the review queue shows, for each account waiting for a decision, the people it could belong to. Asking
the in-memory people index (ordna.accounts.reading.people_snapshot) meant building it for every person after
each start of a server process and after each HR import: 9.6 s at 100,000 people on the first request. The
same keys (PersonIndex.keys_of) are stored instead, with an index on (kind, value), and kept current
incrementally: after each HR import (a people.changed handler) for the people it added or changed, and on the
review pages whenever the people's version differs from the stored one (a change made elsewhere). A page then
looks up its accounts' keys in one query, however recently the server started. The mail domains the keys were
made with are stored too: when they change, every key is made again.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q

from ordna.accounts.correlation import PersonIndex, PersonKey, _common_domains, candidate_probes
from ordna.accounts.models import Account, IdentityKey, IdentityKeysStamp
from ordna.accounts.reading import company_domains
from ordna.core.bulk import chunks, insert_rows
from ordna.core.data_version import cached
from ordna.people.models import Person

_COLUMNS = ("id", "employee_id", "first_name", "last_name", "email", "email_aliases", "company_id")


def _person_keys(rows: Iterator[tuple[Any, ...]]) -> Iterator[PersonKey]:
    for pid, employee_id, first, last, email, aliases, company in rows:
        yield PersonKey(pid, employee_id, first, last, email, tuple(aliases or ()), company or 0)


def _domains() -> list[Any]:
    """The domains keys are made with, as PersonIndex works them out (configured, the companies', or else the
    common ones of the people's addresses), and the companies' domains."""
    companies = company_domains()
    domains = {d.lower().lstrip("@") for d in settings.ORDNA_MAIL_DOMAINS if d} | {
        d.lower().lstrip("@") for d in companies
    }
    if not domains:
        emails = Person.objects.values_list("email", flat=True).iterator(chunk_size=10000)
        people = [PersonKey(0, "", "", "", email, (), 0) for email in emails]
        domains = set(_common_domains(people))
    return [sorted(domains), sorted(companies.items())]


def _version() -> dict[str, Any]:
    stamp = Person.objects.aggregate(count=Count("id"), last_id=Max("id"), changed=Max("updated_at"))
    return {"people_count": stamp["count"], "last_id": stamp["last_id"], "changed": stamp["changed"]}


def identity_keys_refresh(*, force: bool = False) -> int:
    """Bring the stored keys up to date with the people; returns how many people's keys were made. Without
    `force`, nothing is done while the people's version is the stored one, and that version (a scan of the
    people) is read once per data version (ordna.core.data_version): no write since the last look, no change."""
    if force:
        return _refresh(force=True)
    return cached(("identity_keys_refresh",), lambda: _refresh(force=False))


BATCH = 5000  # people per transaction: a small write waits for one batch at most


def _refresh(*, force: bool) -> int:
    """Make the keys of the people changed since the stamp (all of them when the domains changed), a batch of
    people per transaction, and move the stamp last: killed half-way, the stamp still names the old version
    and the next refresh makes those people's keys again (each batch replaces its people's keys)."""
    version = _version()
    with transaction.atomic():
        stamp, _new = IdentityKeysStamp.objects.select_for_update().get_or_create(pk=1)
        if not force and all(getattr(stamp, k) == v for k, v in version.items()):
            return 0
        domains = _domains()
        people = Person.objects.all()
        if stamp.domains != domains:
            IdentityKey.objects.all().delete()
            # Until every batch is made, the stamp names no version: a refresh after a kill starts again.
            stamp.people_count, stamp.last_id, stamp.changed, stamp.domains = 0, None, None, domains
            stamp.save()
        elif stamp.changed is not None:
            people = people.filter(Q(updated_at__gt=stamp.changed) | Q(id__gt=stamp.last_id or 0))
    index = PersonIndex([], mail_domains=domains[0], company_domains=dict(domains[1]))
    ids = list(people.order_by("id").values_list("id", flat=True))
    for batch_ids in chunks(ids, BATCH):
        with transaction.atomic():
            # The stamp's row lock makes two refreshes at once (the worker's and a review page's) take turns
            # per batch, so neither adds a person's keys beside the other's.
            IdentityKeysStamp.objects.select_for_update().filter(pk=1).first()
            rows = people.filter(id__gte=batch_ids[0], id__lte=batch_ids[-1]).order_by("id").values_list(*_COLUMNS)
            batch = list(_person_keys(iter(rows)))
            for some in chunks([p.id for p in batch]):
                IdentityKey.objects.filter(person_id__in=some).delete()
            # Plain rows through multi-row INSERTs (ordna.core.bulk), not model instances: at 100,000 people
            # about a million keys, which bulk_create took minutes to build and bind.
            insert_rows(
                IdentityKey,
                ("person", "kind", "value"),
                ((p.id, k, v[:400]) for p in batch for k, v in index.keys_of(p)),
            )
    IdentityKeysStamp.objects.filter(pk=1).update(**version, domains=domains)
    return len(ids)


def candidates_by_account(accounts: Sequence[Account]) -> dict[int, set[int]]:
    """The ids of the people each account could belong to (by account id), from the stored keys in one query:
    the people behind its address, mailbox name, username and full name, whether one or several share them."""
    probes = {
        account.pk: candidate_probes(
            email=account.email, key=account.key_display, username=account.username, display_name=account.display_name
        )
        for account in accounts
    }
    wanted: dict[str, set[str]] = {}
    for keys in probes.values():
        for kind, value in keys:
            wanted.setdefault(kind, set()).add(value)
    if not wanted:
        return {pk: set() for pk in probes}
    condition = Q()
    for kind, values in wanted.items():
        condition |= Q(kind=kind, value__in=sorted(values))
    owners: dict[tuple[str, str], set[int]] = {}
    for kind, value, person_id in IdentityKey.objects.filter(condition).values_list("kind", "value", "person_id"):
        owners.setdefault((kind, value), set()).add(person_id)
    return {pk: set().union(*(owners.get(key, set()) for key in keys)) for pk, keys in probes.items()}
