"""The audit chain: written with the change, sealed with a key, checked against checkpoints, erasable without
breaking, and every way of tampering with it found and named."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from ordna.core.actor import Actor
from ordna.core.audit import (
    GENESIS,
    Change,
    audit_erase,
    audit_record_many,
    audit_verify,
    canonical_json,
    chain_reseal,
    content_digest,
    legacy_link_hash,
    legacy_payload_digest,
    link_seal,
)
from ordna.core.audit_checkpoints import (
    checkpoint_file,
    checkpoint_if_due,
    checkpoint_write,
    checkpoints_mail_pending,
    checkpoints_read,
)
from ordna.core.models import AuditChainHead, AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def checkpoint_dir(settings, tmp_path: Path) -> Path:
    settings.ORDNA_AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    return settings.ORDNA_AUDIT_CHECKPOINT_DIR


def record(n: int, actor: Actor) -> None:
    with transaction.atomic():
        audit_record_many(
            actor=actor,
            changes=[
                Change(
                    "person.updated",
                    "people.person",
                    str(i),
                    before={"last_name": f"Old{i}"},
                    after={"last_name": f"New{i}"},
                )
                for i in range(n)
            ],
        )


def verdict() -> tuple[bool, int | None, int | None]:
    """ok, first bad or missing event, last missing event: with the checkpoint file, as the command reads it."""
    checkpoints, problems = checkpoints_read([checkpoint_file()])
    assert problems == []
    result = audit_verify(checkpoints=checkpoints)
    return result.ok, result.broken_seq, result.missing_to


def rechain_from(seq: int, *, key: bytes) -> None:
    """What someone with the database and the project's code, but not the key, can do: recompute every
    digest and link from `seq` on, so that each event follows the one before it."""
    prev = AuditEvent.objects.get(seq=seq - 1).hash if seq > 1 else GENESIS
    for event in AuditEvent.objects.filter(seq__gte=seq).order_by("seq"):
        digest = content_digest(
            salt=event.payload_salt, before=event.before, after=event.after, actor_label=event.actor_label
        )
        link = link_seal(
            key=key,
            prev_hash=prev,
            seq=event.seq,
            at=event.at,
            actor_ref=event.actor_ref,
            action=event.action,
            target_type=event.target_type,
            target_id=event.target_id,
            digest=digest,
        )
        AuditEvent.objects.filter(pk=event.pk).update(payload_digest=digest, prev_hash=prev, hash=link)
        prev = link
    AuditChainHead.objects.filter(pk=1).update(hash=prev)


def test_an_intact_chain_verifies(actor) -> None:
    record(3, actor)
    record(2, actor)
    result = audit_verify()
    assert (result.ok, result.checked, result.sentence()) == (True, 5, "ok (5 events)")
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == [1, 2, 3, 4, 5]
    assert AuditChainHead.objects.get().seq == 5


@pytest.mark.django_db(transaction=True)
def test_events_must_be_written_inside_the_change_transaction(actor) -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record_many(actor=actor, changes=[Change("x", "y", "1")])


def test_the_actor_label_is_inside_the_digest_and_no_personal_data_in_the_seal(actor) -> None:
    record(1, actor)
    event = AuditEvent.objects.get()
    assert event.actor_ref == "system:test" and event.actor_label == "Ordna (test)"
    assert event.payload_digest == content_digest(
        salt=event.payload_salt, before={"last_name": "Old0"}, after={"last_name": "New0"}, actor_label="Ordna (test)"
    )
    assert "Old0" not in event.payload_digest + event.hash


# Tampering: each way the issue lists, and `verify` names the first bad or missing event.


def test_edited_content_is_found(actor) -> None:
    record(4, actor)
    AuditEvent.objects.filter(seq=3).update(after={"last_name": "Forged"})
    result = audit_verify()
    assert (result.ok, result.broken_seq, result.missing_to) == (False, 3, None)
    assert result.sentence() == (
        "broken at event #3: what it shows (before, after or who did it) was altered (2 events before it verified)"
    )


def test_an_edited_action_is_found(actor) -> None:
    record(4, actor)
    AuditEvent.objects.filter(seq=2).update(action="person.created")
    result = audit_verify()
    assert (result.ok, result.broken_seq) == (False, 2)
    assert result.reason.startswith("its seal does not hold with the audit key")


def test_an_edited_actor_label_is_found(actor) -> None:
    record(4, actor)
    AuditEvent.objects.filter(seq=2).update(actor_label="Someone else")
    assert verdict() == (False, 2, None)


def test_an_event_deleted_in_the_middle_is_named(actor) -> None:
    record(4, actor)
    AuditEvent.objects.filter(seq=2).delete()
    result = audit_verify()
    assert (result.ok, result.broken_seq, result.missing_to) == (False, 2, 2)
    assert result.sentence() == "event #2 is missing: the chain goes from #1 to #3 (1 event verified)"


def test_the_newest_event_deleted_is_named_by_the_checkpoint(actor) -> None:
    record(5, actor)
    checkpoint_write(now=timezone.now())
    AuditEvent.objects.filter(seq=5).delete()
    AuditChainHead.objects.filter(pk=1).update(seq=4, hash=AuditEvent.objects.get(seq=4).hash)  # covering tracks
    ok, first, last = verdict()
    assert (ok, first, last) == (False, 5, 5)
    result = audit_verify(checkpoints=checkpoints_read([checkpoint_file()])[0])
    assert result.sentence().startswith("event #5 is missing: the checkpoint of 2026-11-16 09:")
    assert result.sentence().endswith("saw #5 (checkpoints.jsonl:1) (4 events verified)")


def test_the_newest_hundred_deleted_are_named_by_the_checkpoint(actor) -> None:
    record(150, actor)
    checkpoint_write(now=timezone.now())
    AuditEvent.objects.filter(seq__gt=50).delete()
    AuditChainHead.objects.filter(pk=1).update(seq=50, hash=AuditEvent.objects.get(seq=50).hash)
    assert verdict() == (False, 51, 150)


def test_the_newest_deleted_without_covering_tracks_is_named_by_the_chain_head(actor) -> None:
    record(5, actor)
    AuditEvent.objects.filter(seq__gte=4).delete()
    result = audit_verify()
    assert (result.ok, result.broken_seq, result.missing_to) == (False, 4, 5)
    assert result.reason == "the chain head records #5"


def test_the_chain_head_is_read_before_the_walk(actor) -> None:
    record(5, actor)
    # As read by a verify that started while a writer appended events 4 and 5: they are past it, and fine.
    AuditChainHead.objects.filter(pk=1).update(seq=3, hash=AuditEvent.objects.get(seq=3).hash)
    assert audit_verify().ok
    AuditChainHead.objects.filter(pk=1).update(hash="e" * 64)
    result = audit_verify()
    assert (result.broken_seq, result.reason) == (3, "it is not the head the chain records")


def test_a_chain_recomputed_without_the_key_is_found_where_it_was_changed(actor) -> None:
    record(6, actor)
    AuditEvent.objects.filter(seq=3).update(after={"last_name": "Forged"})
    rechain_from(3, key=b"a guess at the key, or none at all")
    assert verdict() == (False, 3, None)
    # The chain before the key had no secret at all: its rules do not help either.
    event = AuditEvent.objects.get(seq=3)
    digest = legacy_payload_digest(salt=event.payload_salt, before=event.before, after=event.after)
    AuditEvent.objects.filter(seq=3).update(
        payload_digest=digest,
        hash=legacy_link_hash(
            prev_hash=event.prev_hash,
            seq=3,
            at=event.at,
            actor_ref=event.actor_ref,
            action=event.action,
            target_type=event.target_type,
            target_id=event.target_id,
            digest=digest,
        ),
    )
    assert verdict() == (False, 3, None)


def test_a_flipped_erased_flag_is_found(actor) -> None:
    record(4, actor)
    AuditEvent.objects.filter(seq=2).update(erased=True, after={"last_name": "Forged"})
    result = audit_verify()
    assert (result.ok, result.broken_seq) == (False, 2)
    assert result.reason == "it is marked erased, but no later erasure event names it"
    # Blanked as an erasure would, but without the erasure event: still found.
    AuditEvent.objects.filter(seq=2).update(before=None, after=None, payload_salt="", actor_label="")
    assert verdict() == (False, 2, None)


def test_a_forged_erasure_event_vouches_for_nothing(actor) -> None:
    record(3, actor)
    AuditEvent.objects.filter(seq=2).update(erased=True, before=None, after=None, payload_salt="", actor_label="")
    AuditEvent.objects.filter(seq=3).update(action="audit.erased", after={"events": [2], "reason": "request"})
    assert verdict() == (False, 2, None)


def test_an_erasure_keeps_the_chain_valid_and_is_itself_recorded(actor) -> None:
    record(4, actor)
    erased = audit_erase(seqs=[2, 3, 99], actor=Actor.system("retention"), reason="retention")
    assert erased == [2, 3]
    event = AuditEvent.objects.get(seq=2)
    assert (event.erased, event.before, event.after, event.payload_salt, event.actor_label) == (
        True,
        None,
        None,
        "",
        "",
    )
    erasure = AuditEvent.objects.get(seq=5)
    assert (erasure.action, erasure.after) == ("audit.erased", {"events": [2, 3], "reason": "retention"})
    assert audit_verify().sentence() == "ok (5 events)"
    # Erasing again changes nothing and records nothing; the log's own events are never erased.
    assert audit_erase(seqs=[2, 5], actor=actor, reason="request") == []
    assert AuditEvent.objects.count() == 5


def test_an_erasure_committed_while_verify_runs_is_not_taken_for_tampering(actor, monkeypatch) -> None:
    from ordna.core import audit

    record(3, actor)
    audit_erase(seqs=[2], actor=actor, reason="request")
    reads = []
    real = audit._log_events

    def erasures_as_read_before_the_erasure(key: bytes):
        reads.append(key)
        return ({}, None) if len(reads) == 1 else real(key)

    monkeypatch.setattr(audit, "_log_events", erasures_as_read_before_the_erasure)
    assert (audit_verify().ok, len(reads)) == (True, 2)


def test_an_erased_event_showing_content_again_is_found(actor) -> None:
    record(3, actor)
    audit_erase(seqs=[2], actor=actor, reason="request")
    AuditEvent.objects.filter(seq=2).update(after={"last_name": "Invented"})
    assert verdict() == (False, 2, None)
    AuditEvent.objects.filter(seq=2).update(after=None, erased=False)
    result = audit_verify()
    assert (result.broken_seq, result.reason) == (2, "erasure event #4 names it, but it is not erased")


def test_an_erasure_needs_a_known_reason(actor) -> None:
    record(1, actor)
    with pytest.raises(ValueError, match="unknown erasure reason 'cleanup'"):
        audit_erase(seqs=[1], actor=actor, reason="cleanup")


def test_a_checkpoint_that_does_not_match_the_chain_is_found(actor) -> None:
    record(3, actor)
    checkpoint_write(now=timezone.now())
    AuditEvent.objects.filter(seq=3).update(after={"last_name": "Forged"})
    rechain_from(3, key=b"guess")
    ok, first, _ = verdict()
    assert (ok, first) == (False, 3)


def test_a_different_key_breaks_the_chain_at_the_first_event(actor) -> None:
    record(2, actor)
    result = audit_verify(key=b"x" * 48)
    assert (result.ok, result.broken_seq) == (False, 1)


# Checkpoints: the file, the schedule and the mail.


def test_a_checkpoint_line_is_sealed_and_the_file_private(actor, checkpoint_dir) -> None:
    assert checkpoint_write(now=timezone.now()) is None  # nothing to record yet
    record(2, actor)
    checkpoint = checkpoint_write(now=datetime(2026, 11, 16, 8, 0, tzinfo=UTC))
    assert checkpoint is not None and checkpoint.seq == 2
    line = json.loads(checkpoint_file().read_text(encoding="utf-8"))
    assert (line["seq"], line["hash"], line["at"]) == (
        2,
        AuditEvent.objects.get(seq=2).hash,
        "2026-11-16T08:00:00+00:00",
    )
    assert stat.S_IMODE(os.stat(checkpoint_file()).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(checkpoint_dir).st_mode) == 0o700
    forged = {**line, "seq": 3}
    with checkpoint_file().open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(forged) + "\nnot json\n")
    found, problems = checkpoints_read([checkpoint_file()])
    assert [c.seq for c in found] == [2]
    assert [str(p) for p in problems] == [
        "checkpoints.jsonl:2: its seal does not hold with the audit key",
        "checkpoints.jsonl:3: not a checkpoint line",
    ]


def test_the_worker_writes_a_checkpoint_daily_and_after_an_import(actor) -> None:
    day = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
    assert checkpoint_if_due(now=day) is None  # an empty chain
    record(2, actor)
    assert checkpoint_if_due(now=day).seq == 2  # the first one
    assert checkpoint_if_due(now=day + timedelta(minutes=15)) is None  # the head did not move
    record(1, actor)
    assert checkpoint_if_due(now=day + timedelta(minutes=30)) is None  # moved, but the same day and no import
    with transaction.atomic():
        audit_record_many(actor=actor, changes=[Change("import.accounts", "core.importrun", "1", after={})])
    assert checkpoint_if_due(now=day + timedelta(minutes=45)).seq == 4  # after an import
    record(1, actor)
    with checkpoint_file().open("a", encoding="utf-8") as handle:  # a line claiming a head far ahead, unsealed
        handle.write(json.dumps({"seq": 10**9, "hash": "0" * 64, "at": day.isoformat(), "seal": "guess"}) + "\n")
    assert checkpoint_if_due(now=day + timedelta(days=1)).seq == 5  # the next day, whatever that line says
    found, problems = checkpoints_read([checkpoint_file()])
    assert ([c.seq for c in found], [str(p) for p in problems]) == (
        [2, 4, 5],
        ["checkpoints.jsonl:3: its seal does not hold with the audit key"],
    )


def test_checkpoints_are_mailed_once_and_a_failed_mail_is_sent_with_the_next(actor, settings) -> None:
    settings.ORDNA_AUDIT_CHECKPOINT_MAIL = ["auditor@example.org"]
    record(1, actor)
    checkpoint_write(now=timezone.now())
    settings.EMAIL_BACKEND = "ordna.core.tests.test_audit.FailingBackend"
    assert checkpoints_mail_pending() == 0
    record(1, actor)
    checkpoint_write(now=timezone.now())
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert checkpoints_mail_pending() == 2
    assert checkpoints_mail_pending() == 0
    (message,) = mail.outbox
    assert message.to == ["auditor@example.org"] and message.subject == "Ordna audit checkpoint: event #2"
    lines = [line for line in message.body.splitlines() if line.startswith("{")]
    assert lines == checkpoint_file().read_text(encoding="utf-8").splitlines()
    assert "ordna audit verify --checkpoints FILE" in message.body


class FailingBackend:
    def __init__(self, **kwargs: object) -> None:
        pass

    def send_messages(self, messages: object) -> int:
        raise ConnectionRefusedError("the mail server is down")


# The chain written before the key: re-sealed by a recorded event, never rewritten.


def legacy_chain(n: int) -> list[str]:
    """A chain as the previous version wrote it (unkeyed, names outside the hash); returns its hashes."""
    prev, hashes = GENESIS, []
    at = timezone.now()
    for seq in range(1, n + 1):
        before, after, salt = {"n": seq - 1}, {"n": seq}, f"{seq:032x}"
        digest = legacy_payload_digest(salt=salt, before=before, after=after)
        link = legacy_link_hash(
            prev_hash=prev,
            seq=seq,
            at=at,
            actor_ref="user:1",
            action="thing.changed",
            target_type="t",
            target_id=str(seq),
            digest=digest,
        )
        AuditEvent.objects.create(
            seq=seq,
            at=at,
            actor_ref="user:1",
            actor_label="anna",
            action="thing.changed",
            target_type="t",
            target_id=str(seq),
            before=before,
            after=after,
            payload_salt=salt,
            payload_digest=digest,
            prev_hash=prev,
            hash=link,
        )
        hashes.append(link)
        prev = link
    return hashes


def test_a_chain_from_before_the_key_is_resealed_by_a_recorded_event(actor, settings) -> None:
    AuditChainHead.objects.all().delete()
    hashes = legacy_chain(3)
    assert audit_verify().broken_seq == 1  # not sealed with the key: only the re-seal vouches for it
    seq = chain_reseal(
        events=AuditEvent.objects.all(), head=AuditChainHead, key=settings.ORDNA_AUDIT_KEY.encode(), now=timezone.now()
    )
    assert seq == 4
    assert list(AuditEvent.objects.order_by("seq").values_list("hash", flat=True))[:3] == hashes  # none rewritten
    resealed = AuditEvent.objects.get(seq=4)
    assert resealed.action == "audit.resealed" and resealed.prev_hash == hashes[-1]
    assert resealed.after["legacy_events"] == 3 and resealed.after["legacy_head"] == hashes[-1]
    record(1, actor)
    assert audit_verify().sentence() == "ok (5 events)"
    # A name the old hashes left out, changed after the re-seal, is found at the re-seal.
    AuditEvent.objects.filter(seq=2).update(actor_label="bo")
    result = audit_verify()
    assert (result.broken_seq, result.reason) == (
        4,
        "names or erased flags of events #1 to #3 changed after this re-seal",
    )
    AuditEvent.objects.filter(seq=2).update(actor_label="anna")
    # Old content changed: found by the old chain's own rule, at the event.
    AuditEvent.objects.filter(seq=2).update(after={"n": 7})
    assert audit_verify().broken_seq == 2


def test_an_empty_chain_needs_no_reseal() -> None:
    AuditChainHead.objects.all().delete()
    assert chain_reseal(events=AuditEvent.objects.all(), head=AuditChainHead, key=b"k", now=timezone.now()) is None
    assert list(AuditChainHead.objects.values_list("seq", "hash")) == [(0, GENESIS)]


# The command.


def test_command_says_ok_or_names_the_broken_link(actor, capsys) -> None:
    record(2, actor)
    call_command("audit", "verify")
    assert capsys.readouterr().out.strip() == "ok (2 events)"
    AuditEvent.objects.filter(seq=1).update(target_id="999")
    with pytest.raises(CommandError, match=r"broken at event #1: its seal does not hold") as excinfo:
        call_command("audit", "verify")
    assert excinfo.value.returncode == 1


def test_a_target_is_named_by_its_model_or_the_name_its_model_keeps(actor) -> None:
    from ordna.core.services import supplier_add, user_add

    supplier = supplier_add(name="Example IT Services AB", actor=actor)
    user = user_add(username="partner", roles=["supplier"], actor=actor, supplier_id=supplier.pk)
    assert list(AuditEvent.objects.values_list("action", "target_type", "target_id")) == [
        # Supplier moved from the suppliers app to core; the chain goes on calling it what it always has.
        ("supplier.created", "suppliers.supplier", str(supplier.pk)),
        ("user.created", "core.user", str(user.pk)),
    ]


def test_command_writes_a_checkpoint_and_verifies_against_mailed_copies(actor, capsys, tmp_path) -> None:
    call_command("audit", "checkpoint")
    assert capsys.readouterr().out.strip() == "the audit log is empty: there is no head to record yet"
    record(3, actor)
    call_command("audit", "checkpoint")
    assert capsys.readouterr().out.strip() == f"checkpoint of event #3 written to {checkpoint_file()}"
    # The auditor's copy survives the file being emptied on the server.
    copy = tmp_path / "from-mail.txt"
    copy.write_text("# pasted from the mail\n" + checkpoint_file().read_text(encoding="utf-8"), encoding="utf-8")
    checkpoint_file().write_text("", encoding="utf-8")
    AuditEvent.objects.filter(seq=3).delete()
    AuditChainHead.objects.filter(pk=1).update(seq=2, hash=AuditEvent.objects.get(seq=2).hash)
    call_command("audit", "verify")
    assert capsys.readouterr().out.strip() == "ok (2 events)"
    with pytest.raises(CommandError, match=r"^event #3 is missing: the checkpoint of .* saw #3 \(from-mail.txt:2\)"):
        call_command("audit", "verify", "--checkpoints", str(copy))
    with pytest.raises(CommandError, match=r"nowhere.jsonl: no such file"):
        call_command("audit", "verify", "--checkpoints", str(tmp_path / "nowhere.jsonl"))


def test_command_reports_a_forged_checkpoint_after_a_verified_chain(actor) -> None:
    record(1, actor)
    checkpoint_write(now=timezone.now())
    line = json.loads(checkpoint_file().read_text(encoding="utf-8"))
    checkpoint_file().write_text(canonical_json({**line, "hash": "f" * 64}) + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"^the chain verified \(1 event\), but a checkpoint does not: "):
        call_command("audit", "verify")
