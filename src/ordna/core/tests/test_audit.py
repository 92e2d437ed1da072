"""The audit chain: written with the change, verifiable, tamper-evident, and erasable without breaking."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from ordna.core.actor import Actor
from ordna.core.audit import Change, audit_record_many, audit_verify
from ordna.core.models import AuditEvent

pytestmark = pytest.mark.django_db


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


def test_an_intact_chain_verifies(actor) -> None:
    record(3, actor)
    record(2, actor)
    result = audit_verify()
    assert (result.ok, result.checked) == (True, 5)
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == [1, 2, 3, 4, 5]


@pytest.mark.django_db(transaction=True)
def test_events_must_be_written_inside_the_change_transaction(actor) -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record_many(actor=actor, changes=[Change("x", "y", "1")])


def test_altered_content_is_found(actor) -> None:
    record(4, actor)
    AuditEvent.objects.filter(seq=3).update(after={"last_name": "Forged"})
    result = audit_verify()
    assert (result.ok, result.broken_seq, result.reason) == (False, 3, "before/after content was altered")


def test_altered_action_is_found(actor) -> None:
    record(4, actor)
    AuditEvent.objects.filter(seq=2).update(action="person.created")
    result = audit_verify()
    assert (result.ok, result.broken_seq) == (False, 2)
    assert result.reason == "hash does not match the event's content"


def test_a_deleted_event_is_found(actor) -> None:
    record(4, actor)
    AuditEvent.objects.filter(seq=2).delete()
    result = audit_verify()
    assert (result.ok, result.broken_seq, result.reason) == (False, 3, "sequence gap: expected #2")


def test_erasing_personal_data_keeps_the_chain_valid(actor) -> None:
    record(3, actor)
    AuditEvent.objects.filter(seq=2).update(before=None, after={"erased": True}, payload_salt="", erased=True)
    assert audit_verify().ok


def test_the_hashed_part_holds_no_personal_data(actor) -> None:
    record(1, actor)
    event = AuditEvent.objects.get()
    assert "Old0" not in event.payload_digest and event.actor_ref == "system:test"


def test_command_says_ok_or_names_the_broken_link(actor, capsys) -> None:
    record(2, actor)
    call_command("audit", "verify")
    assert capsys.readouterr().out.strip() == "ok (2 events)"
    AuditEvent.objects.filter(seq=1).update(target_id="999")
    with pytest.raises(CommandError, match=r"broken at event #1: hash does not match") as excinfo:
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
