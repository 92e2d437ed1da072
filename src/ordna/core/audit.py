"""The audit chain: record changes inside the caller's transaction, and verify the chain."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from ordna.core.actor import Actor
from ordna.core.bulk import insert_rows
from ordna.core.models import AuditEvent

GENESIS = "0" * 64


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


def payload_digest(*, salt: str, before: object, after: object) -> str:
    return hashlib.sha256(f"{salt}|{canonical_json([before, after])}".encode()).hexdigest()


def link_hash(
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
    """The hash of one link; only ids, the action and the payload digest enter it (no personal data)."""
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


def audit_record_many(*, actor: Actor, changes: Iterable[Change]) -> int:
    """Append `changes` to the chain in the caller's transaction; returns how many were written.

    The chain head is read under a row lock (PostgreSQL) or the IMMEDIATE write lock (SQLite), so two
    writers can never fork it; a fork would also violate the unique `seq`.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit events must be written inside the transaction of the change")
    head = AuditEvent.objects.select_for_update().order_by("-seq").values("seq", "hash").first()
    seq = head["seq"] if head else 0
    prev = head["hash"] if head else GENESIS
    now = timezone.now()
    rows: list[tuple[Any, ...]] = []
    for change in changes:
        seq += 1
        before = jsonable(change.before)
        after = jsonable({**(change.after or {}), **change.extra} if change.extra else change.after)
        salt = secrets.token_hex(16)
        digest = payload_digest(salt=salt, before=before, after=after)
        link = link_hash(
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
    if rows:
        insert_rows(AuditEvent, AUDIT_FIELDS, rows)
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


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""


def _events_in_order() -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("seq").iterator(chunk_size=2000)


def audit_verify() -> VerifyResult:
    """Walk the chain from the start; report the first link that does not hold."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    for event in _events_in_order():
        if event.seq != expected_seq:
            return VerifyResult(False, checked, event.seq, f"sequence gap: expected #{expected_seq}")
        if event.prev_hash != prev:
            return VerifyResult(False, checked, event.seq, "previous-hash does not match the link before")
        if not event.erased:
            digest = payload_digest(salt=event.payload_salt, before=event.before, after=event.after)
            if digest != event.payload_digest:
                return VerifyResult(False, checked, event.seq, "before/after content was altered")
        link = link_hash(
            prev_hash=event.prev_hash,
            seq=event.seq,
            at=event.at,
            actor_ref=event.actor_ref,
            action=event.action,
            target_type=event.target_type,
            target_id=event.target_id,
            digest=event.payload_digest,
        )
        if link != event.hash:
            return VerifyResult(False, checked, event.seq, "hash does not match the event's content")
        prev = event.hash
        expected_seq += 1
        checked += 1
    return VerifyResult(True, checked)
