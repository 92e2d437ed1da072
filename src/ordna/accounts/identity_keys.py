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

from collections.abc import Iterator, Mapping, Sequence
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q

from ordna.accounts.correlation import PersonIndex, PersonKey, _common_domains, candidate_probes
from ordna.accounts.models import Account, IdentityKey, IdentityKeysStamp
from ordna.accounts.reading import company_domains
from ordna.core.bulk import chunks, insert_rows
from ordna.core.data_version import cached
from ordna.people.events import PeopleChanged
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


def _refresh(*, force: bool) -> int:
    with transaction.atomic():
        version = _version()
        stamp = IdentityKeysStamp.objects.select_for_update().filter(pk=1).first()
        if not force and stamp is not None and all(getattr(stamp, k) == v for k, v in version.items()):
            return 0
        domains = _domains()
        people = Person.objects.all()
        if stamp is None or stamp.domains != domains:
            IdentityKey.objects.all().delete()
        elif stamp.changed is not None:
            people = people.filter(Q(updated_at__gte=stamp.changed) | Q(id__gt=stamp.last_id or 0))
        index = PersonIndex([], mail_domains=domains[0], company_domains=dict(domains[1]))
        made = 0
        people_keys = _person_keys(people.order_by("id").values_list(*_COLUMNS).iterator(chunk_size=5000))
        while batch := list(islice(people_keys, 5000)):  # a batch at a time: never every person at once
            for ids in chunks([p.id for p in batch]):
                IdentityKey.objects.filter(person_id__in=ids).delete()
            # Plain rows through multi-row INSERTs (ordna.core.bulk), not model instances: at 100,000 people
            # about a million keys, which bulk_create took minutes to build and bind.
            insert_rows(
                IdentityKey,
                ("person", "kind", "value"),
                ((p.id, k, v[:400]) for p in batch for k, v in index.keys_of(p)),
            )
            made += len(batch)
        IdentityKeysStamp.objects.update_or_create(pk=1, defaults={**version, "domains": domains})
    return made


def on_people_changed(change: PeopleChanged) -> Mapping[str, int]:
    """After an HR import (people.changed): the keys of the people it added or changed are made again."""
    identity_keys_refresh(force=True)
    return {}


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
