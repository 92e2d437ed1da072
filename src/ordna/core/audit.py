"""The audit chain: record changes inside the caller's transaction, erase personal data, verify the chain.

Each event is sealed with an HMAC-SHA256 under ORDNA_AUDIT_KEY, a key kept outside the database, over its
number, time, actor id, action, target and a salted digest of what people see (before, after and the actor's
name), chained to the seal of the event before it. Without the key nobody can write a seal that verifies, so
editing, inserting or re-chaining events shows; removing the newest events shows against the checkpoints
(ordna.core.audit_checkpoints), which record the head outside the database. docs/audit.md says what this
protects against whom.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from ordna.core.actor import Actor
from ordna.core.bulk import insert_rows
from ordna.core.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64
SEAL_DOMAIN = "ordna-audit-2"  # the version of the keyed link; the unkeyed chain before it had none
ERASED = "audit.erased"
RESEALED = "audit.resealed"
# Why personal data was erased; a fixed list, because the erasure event itself is never erased.
ERASURE_REASONS = ("retention", "request")
_CHUNK = 500


def _json_default(value: object) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_json_default, ensure_ascii=False)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (date, datetime, Decimal)):
        return _json_default(value)
    return value


def jsonable(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """Dates and decimals as strings, as they will be stored and read back."""
    return None if value is None else _plain(value)


def audit_key() -> bytes:
    """The key that seals the chain (ORDNA_AUDIT_KEY, its _FILE, or the one generated into the data folder)."""
    return str(settings.ORDNA_AUDIT_KEY).encode()


def content_digest(*, salt: str, before: object, after: object, actor_label: str) -> str:
    """The salted digest of everything an event shows people; erasure blanks the salt with the content."""
    return hashlib.sha256(f"{salt}|{canonical_json([before, after, actor_label])}".encode()).hexdigest()


def link_seal(
    *,
    key: bytes,
    prev_hash: str,
    seq: int,
    at: datetime,
    actor_ref: str,
    action: str,
    target_type: str,
    target_id: str,
    digest: str,
) -> str:
    """The keyed seal of one link: ids, the action, the time and the content digest (no personal data)."""
    material = canonical_json([SEAL_DOMAIN, prev_hash, seq, at.isoformat(), actor_ref, action, target_type, target_id])
    return hmac.new(key, f"{material}|{digest}".encode(), hashlib.sha256).hexdigest()


def legacy_payload_digest(*, salt: str, before: object, after: object) -> str:
    """The content digest of the chain before the key (it left the actor's name out)."""
    return hashlib.sha256(f"{salt}|{canonical_json([before, after])}".encode()).hexdigest()


def legacy_link_hash(
    *,
    prev_hash: str,
    seq: int,
    at: datetime,
    actor_ref: str,
    action: str,
    target_type: str,
    target_id: str,
    digest: str,
) -> str:
    """The unkeyed link of the chain before the key; kept to verify events up to the re-seal."""
    material = "|".join([prev_hash, str(seq), at.isoformat(), actor_ref, action, target_type, target_id, digest])
    return hashlib.sha256(material.encode()).hexdigest()


@dataclass
class Change:
    """A change to record: what was done to which object, with its state before and after."""

    action: str
    target_type: str
    target_id: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


AUDIT_FIELDS = (
    "seq",
    "at",
    "actor_ref",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "before",
    "after",
    "payload_salt",
    "payload_digest",
    "prev_hash",
    "hash",
    "erased",
)


def _head_locked() -> tuple[int, str]:
    """The chain's head, locked until the caller's transaction ends.

    A lock on the newest event would not do on PostgreSQL: a writer that waited for it reads, under READ
    COMMITTED, the row it waited for, not the events committed meanwhile, and takes a number already taken.
    The head row is updated by every writer, so the one that waited reads the head the other one left.
    """
    head = AuditChainHead.objects.select_for_update().filter(pk=1).values_list("seq", "hash").first()
    if head is None:  # a database emptied by a test's flush, or restored without the row
        last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first() or (0, GENESIS)
        AuditChainHead.objects.bulk_create([AuditChainHead(pk=1, seq=last[0], hash=last[1])], ignore_conflicts=True)
        head = AuditChainHead.objects.select_for_update().filter(pk=1).values_list("seq", "hash").get()
    return head


def audit_record_many(*, actor: Actor, changes: Iterable[Change]) -> int:
    """Append `changes` to the chain in the caller's transaction; returns how many were written.

    The chain head is taken under a row lock (PostgreSQL) or the IMMEDIATE write lock (SQLite), so writers
    queue and never fork the chain; a fork would also violate the unique `seq`.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit events must be written inside the transaction of the change")
    wanted = list(changes)
    if not wanted:
        return 0
    seq, prev = _head_locked()
    key = audit_key()
    now = timezone.now()
    rows: list[tuple[Any, ...]] = []
    for change in wanted:
        seq += 1
        before = jsonable(change.before)
        after = jsonable({**(change.after or {}), **change.extra} if change.extra else change.after)
        salt = secrets.token_hex(16)
        digest = content_digest(salt=salt, before=before, after=after, actor_label=actor.label)
        link = link_seal(
            key=key,
            prev_hash=prev,
            seq=seq,
            at=now,
            actor_ref=actor.ref,
            action=change.action,
            target_type=change.target_type,
            target_id=change.target_id,
            digest=digest,
        )
        rows.append(
            (
                seq,
                now,
                actor.ref,
                actor.label,
                change.action,
                change.target_type,
                change.target_id,
                before,
                after,
                salt,
                digest,
                prev,
                link,
                False,
            )
        )
        prev = link
    insert_rows(AuditEvent, AUDIT_FIELDS, rows)
    AuditChainHead.objects.filter(pk=1).update(seq=seq, hash=prev)
    return len(rows)


def audit_record(
    *,
    actor: Actor,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Record one change to `target` (or to the type and id given).

    A target is named by its model's label ("people.person"), or by the `audit_type` its model declares: a
    model moved to another app keeps the name that the chain, which cannot be rewritten, already knows it by.
    """
    if target is not None:
        target_type = getattr(type(target), "audit_type", "") or target._meta.label_lower
        target_id = str(target.pk)
    audit_record_many(actor=actor, changes=[Change(action, target_type, target_id, before, after)])


def audit_erase(*, seqs: Iterable[int], actor: Actor, reason: str) -> list[int]:
    """Erase the personal data of the events numbered `seqs`: their before and after, the salt of their
    digest and the actor's name; then record an `audit.erased` event naming them.

    What happened, when, by which actor id and to which object stays, and the chain still verifies. Events
    already erased are left out, and so are the log's own events (erasures, the re-seal), which hold no
    personal data and vouch for the others. Returns the numbers erased now.
    """
    if reason not in ERASURE_REASONS:
        raise ValueError(f"unknown erasure reason {reason!r}; reasons are: {', '.join(ERASURE_REASONS)}")
    wanted = sorted(set(seqs))
    erased: list[int] = []
    with transaction.atomic():
        _head_locked()  # erasing and appending queue behind the same lock
        for start in range(0, len(wanted), _CHUNK):
            chunk = (
                AuditEvent.objects.filter(seq__in=wanted[start : start + _CHUNK], erased=False)
                .exclude(action__startswith="audit.")
                .values_list("seq", flat=True)
            )
            found = list(chunk)
            AuditEvent.objects.filter(seq__in=found).update(
                before=None, after=None, payload_salt="", actor_label="", erased=True
            )
            erased.extend(found)
        if erased:
            erased.sort()
            audit_record_many(
                actor=actor,
                changes=[Change(ERASED, "core.auditevent", str(erased[0]), after={"events": erased, "reason": reason})],
            )
    return erased


class _LegacyLabels:
    """What the chain before the key left unprotected, the names shown and the erased flags, digested in
    order; the re-seal records the digest, so they cannot change afterwards unnoticed."""

    def __init__(self) -> None:
        self._digest = hashlib.sha256()
        self.count = 0

    def add(self, event: Any) -> None:
        self._digest.update(f"{canonical_json([event.seq, event.actor_label, event.erased])}\n".encode())
        self.count += 1

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


def _legacy_problem(event: Any) -> str:
    """What is wrong with an event of the chain before the key, by that chain's own rules, or ''."""
    if not event.erased:
        digest = legacy_payload_digest(salt=event.payload_salt, before=event.before, after=event.after)
        if digest != event.payload_digest:
            return "before/after content was altered"
    link = legacy_link_hash(
        prev_hash=event.prev_hash,
        seq=event.seq,
        at=event.at,
        actor_ref=event.actor_ref,
        action=event.action,
        target_type=event.target_type,
        target_id=event.target_id,
        digest=event.payload_digest,
    )
    return "" if link == event.hash else "hash does not match the event's content"


def chain_reseal(*, events: models.QuerySet[Any], head: type[models.Model], key: bytes, now: datetime) -> int | None:
    """Seal a chain written before the key with one keyed `audit.resealed` event, without changing any event.

    The re-seal records how many events came before it, their head and a digest of the names and erased flags
    they show (which their own hashes left out). From then on every event up to it is as protected as the
    newest: its keyed seal covers the head they lead to. Used by the migration that introduced the key, with
    its historical models; returns the re-seal's number, or None for an empty chain.
    """
    labels = _LegacyLabels()
    last: Any = None
    for event in events.order_by("seq").iterator(chunk_size=2000):
        labels.add(event)
        last = event
    if last is None:
        head._default_manager.update_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS})
        return None
    seq, actor = last.seq + 1, Actor.system("migrate")
    after = {"legacy_events": labels.count, "legacy_head": last.hash, "legacy_labels": labels.hexdigest()}
    salt = secrets.token_hex(16)
    digest = content_digest(salt=salt, before=None, after=after, actor_label=actor.label)
    target_id = str(last.seq)
    link = link_seal(
        key=key,
        prev_hash=last.hash,
        seq=seq,
        at=now,
        actor_ref=actor.ref,
        action=RESEALED,
        target_type="core.auditevent",
        target_id=target_id,
        digest=digest,
    )
    events.model._default_manager.create(
        seq=seq,
        at=now,
        actor_ref=actor.ref,
        actor_label=actor.label,
        action=RESEALED,
        target_type="core.auditevent",
        target_id=target_id,
        before=None,
        after=after,
        payload_salt=salt,
        payload_digest=digest,
        prev_hash=last.hash,
        hash=link,
        erased=False,
    )
    head._default_manager.update_or_create(pk=1, defaults={"seq": seq, "hash": link})
    return seq


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head as seen at a moment, read from a checkpoint file whose seal verified."""

    seq: int
    hash: str
    at: datetime
    source: str = ""  # where it was read, for messages: "checkpoints.jsonl:12"


@dataclass(frozen=True)
class VerifyResult:
    """The verdict on the chain: ok, or the first event that is bad or missing (and the last one missing)."""

    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""
    missing_to: int | None = None

    def sentence(self) -> str:
        """The verdict as `ordna audit verify` prints it."""
        if self.ok:
            return f"ok ({self.checked} events)"
        verified = f"{self.checked} event{'s' if self.checked != 1 else ''}"
        if self.missing_to is None:
            return f"broken at event #{self.broken_seq}: {self.reason} ({verified} before it verified)"
        if self.missing_to == self.broken_seq:
            return f"event #{self.broken_seq} is missing: {self.reason} ({verified} verified)"
        return f"events #{self.broken_seq} to #{self.missing_to} are missing: {self.reason} ({verified} verified)"


def _authentic(event: AuditEvent, key: bytes) -> bool:
    """Whether an event's seal and digest hold by themselves (whatever the events around it)."""
    if event.erased:
        return False
    digest = content_digest(
        salt=event.payload_salt, before=event.before, after=event.after, actor_label=event.actor_label
    )
    return digest == event.payload_digest and event.hash == link_seal(
        key=key,
        prev_hash=event.prev_hash,
        seq=event.seq,
        at=event.at,
        actor_ref=event.actor_ref,
        action=event.action,
        target_type=event.target_type,
        target_id=event.target_id,
        digest=event.payload_digest,
    )


def _log_events(key: bytes) -> tuple[dict[int, int], AuditEvent | None]:
    """The erasures and the re-seal whose own seals hold: which event each erasure names, and the re-seal."""
    erased_by: dict[int, int] = {}
    reseal: AuditEvent | None = None
    for event in AuditEvent.objects.filter(action__in=[ERASED, RESEALED]).order_by("seq"):
        if not _authentic(event, key):
            continue  # a forged one vouches for nothing; the walk reports it where it stands
        if event.action == RESEALED and reseal is None:
            reseal = event
        elif event.action == ERASED:
            for seq in (event.after or {}).get("events", []):
                if isinstance(seq, int):
                    erased_by.setdefault(seq, event.seq)
    return erased_by, reseal


def _problem(event: AuditEvent, key: bytes, erased_by: dict[int, int]) -> str:
    """What is wrong with a keyed event, or ''."""
    named_by = erased_by.get(event.seq)
    if event.erased:
        if named_by is None or named_by <= event.seq:
            return "it is marked erased, but no later erasure event names it"
        if event.before is not None or event.after is not None or event.payload_salt or event.actor_label:
            return "it is marked erased, but shows content again"
    else:
        if named_by is not None and named_by > event.seq:
            return f"erasure event #{named_by} names it, but it is not erased"
        digest = content_digest(
            salt=event.payload_salt, before=event.before, after=event.after, actor_label=event.actor_label
        )
        if digest != event.payload_digest:
            return "what it shows (before, after or who did it) was altered"
    seal = link_seal(
        key=key,
        prev_hash=event.prev_hash,
        seq=event.seq,
        at=event.at,
        actor_ref=event.actor_ref,
        action=event.action,
        target_type=event.target_type,
        target_id=event.target_id,
        digest=event.payload_digest,
    )
    if seal != event.hash:
        return "its seal does not hold with the audit key (the event was changed, or re-chained without the key)"
    return ""


def _events_in_order() -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("seq").iterator(chunk_size=2000)


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


def audit_verify(*, checkpoints: Sequence[Checkpoint] = (), key: bytes | None = None) -> VerifyResult:
    """Walk the chain from the start with the key; report the first event that is bad or missing.

    Events before the re-seal are checked by the unkeyed rules they were written under, and vouched for by
    the re-seal; every later one by its keyed seal. Then the newest checkpoint and the chain head must not
    name events beyond the last one found.
    """
    key = audit_key() if key is None else key
    # Read before the walk: events appended while it runs are past this head and cannot make it look wrong.
    head = AuditChainHead.objects.filter(pk=1).values_list("seq", "hash").first()
    erased_by, reseal = _log_events(key)
    legacy_until = reseal.seq if reseal is not None else 1
    legacy = _LegacyLabels()
    seen_at: dict[int, list[Checkpoint]] = {}
    for checkpoint in checkpoints:
        seen_at.setdefault(checkpoint.seq, []).append(checkpoint)
    prev, expected, checked = GENESIS, 1, 0
    for event in _events_in_order():
        seq = event.seq
        if seq != expected:
            return VerifyResult(False, checked, expected, f"the chain goes from #{expected - 1} to #{seq}", seq - 1)
        if event.prev_hash != prev:
            return VerifyResult(False, checked, seq, "it does not follow the event before it")
        if seq < legacy_until:
            problem = _legacy_problem(event)
            legacy.add(event)
        else:
            problem = _problem(event, key, erased_by)
            if problem and event.erased and event.seq not in erased_by:
                # Erased after the erasures were read, before the walk reached it: read them again, once.
                erased_by = _log_events(key)[0]
                problem = _problem(event, key, erased_by)
            if not problem and seq == legacy_until and reseal is not None:
                sealed = event.after or {}
                if (sealed.get("legacy_events"), sealed.get("legacy_labels")) != (legacy.count, legacy.hexdigest()):
                    problem = f"names or erased flags of events #1 to #{seq - 1} changed after this re-seal"
        if not problem and head is not None and head[0] == seq and head[1] != event.hash:
            problem = "it is not the head the chain records"
        if not problem:
            for checkpoint in seen_at.get(seq, []):
                if checkpoint.hash != event.hash:
                    problem = f"it differs from the checkpoint of {_when(checkpoint.at)} ({checkpoint.source})"
                    break
        if problem:
            return VerifyResult(False, checked, seq, problem)
        prev = event.hash
        expected += 1
        checked += 1
    last = expected - 1
    newest = max(checkpoints, key=lambda c: c.seq, default=None)
    if newest is not None and newest.seq > last:
        reason = f"the checkpoint of {_when(newest.at)} saw #{newest.seq} ({newest.source})"
        return VerifyResult(False, checked, last + 1, reason, newest.seq)
    if head is not None and head[0] > last:
        return VerifyResult(False, checked, last + 1, f"the chain head records #{head[0]}", head[0])
    return VerifyResult(True, checked)
