"""Retention: who is past the period, who is kept and why, what erasure leaves, all or nothing per person."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date

import pytest
from django.core.management import call_command
from django.utils import translation

from ordna.accounts.identity_keys import identity_keys_refresh
from ordna.accounts.models import Account, IdentityKey
from ordna.conftest import TODAY
from ordna.core.actor import Actor
from ordna.core.audit import audit_verify
from ordna.core.models import AuditEvent, User
from ordna.home import erasure
from ordna.home.privacy import hold_place
from ordna.home.retention import months_before, retention_cutoff, retention_run
from ordna.home.tests.privacy_world import build_world
from ordna.lifecycle.models import Line
from ordna.people.models import Person
from ordna.support.models import Question

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """The sentences asserted are the English ones, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


@pytest.fixture
def world(make_user):
    world = build_world(make_user)
    hold_place(person=world["hans"], reason="Labour court case 2024-17", actor=Actor.system("test"))
    return world


def test_months_before_keeps_the_day_or_takes_the_month_end() -> None:
    assert months_before(date(2026, 11, 16), 24) == date(2024, 11, 16)
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 13) == date(2024, 12, 15)
    assert retention_cutoff(TODAY) == date(2024, 11, 16)


def test_the_dry_run_lists_who_and_why_and_changes_nothing(world) -> None:
    events = AuditEvent.objects.count()
    result = retention_run(today=TODAY, actor=Actor.system("test"), dry_run=True)
    erase = {d.employee_id: d.why for d in result.to_erase}
    kept = {d.employee_id: d.why for d in result.kept}
    assert erase == {
        "P1": "Left on 2024-03-29; their leaver case completed on 2024-04-03.",
        "P4": "Left on 2023-06-30 without a case.",
    }
    assert kept == {
        "P2": "A legal hold is in force since 2026-11-16: Labour court case 2024-17",
        "P3": "Their leaver case of 2024-01-31 is still open.",
        "P5": "A case of theirs completed on 2024-11-20, within the period.",
    }
    assert result.erased == [] and AuditEvent.objects.count() == events
    assert Person.objects.get(pk=world["greta"].pk).first_name == "Greta"


def test_the_run_erases_names_addresses_and_free_text_and_keeps_dates_counts_and_closing(world) -> None:
    greta = world["greta"]
    identity_keys_refresh(force=True)  # the review queue's stored keys hold her names and address
    assert IdentityKey.objects.filter(person_id=greta.pk, value__icontains="greta").exists()
    result = retention_run(today=TODAY, actor=Actor.system("retention"))
    assert len(result.erased) == 2
    erased = Person.objects.get(pk=greta.pk)
    pseudonym = erased.employee_id
    assert pseudonym.startswith("erased-") and pseudonym == erasure.pseudonym_for("P1")
    assert (erased.first_name, erased.last_name, erased.email, erased.email_aliases) == ("", pseudonym, "", [])
    assert erased.manager_id is None and erased.end_date_reason == "" and erased.erased_because == "retention"
    # Dates and the department stay: the figures count them.
    assert (erased.end_date, erased.start_date, erased.department) == (date(2024, 3, 29), date(2020, 1, 1), "Sales")
    account = Account.objects.get(pk=world["account"].pk)
    assert (account.display_name, account.email, account.username, account.employee_id_attr) == (pseudonym, "", "", "")
    assert account.key == f"{pseudonym}-{account.pk}" and account.status == "disabled"
    lines = {line.kind: line for line in Line.objects.filter(case=world["case"])}
    assert lines["account"].subject == account.key
    assert not IdentityKey.objects.filter(value__icontains="greta").exists()
    assert (lines["account"].state, lines["account"].verified_by) == ("verified", "import")
    assert lines["task"].subject == f"Collect {pseudonym}'s badge"
    assert lines["task"].note == f"{pseudonym} handed it in at reception" and lines["task"].state == "attested"
    question = Question.objects.get(asked_by=greta)
    assert "Greta" not in question.text and "greta.gone@example.org" not in question.text
    user = User.objects.get(pk=world["user"].pk)
    assert (user.username, user.email, user.first_name, user.is_active) == (pseudonym, "", "", False)
    # The others are untouched.
    assert set(Person.objects.filter(erased_at__isnull=True).values_list("employee_id", flat=True)) == {
        "M1",
        "P2",
        "P3",
        "P5",
        "A1",
    }


def test_erasure_is_audited_and_the_chain_still_verifies(world) -> None:
    greta = world["greta"]
    about = erasure.audit_events_about(greta)
    # Her own event, her user's (created), and an event elsewhere that names her employee id.
    assert [AuditEvent.objects.get(seq=seq).action for seq in about] == ["user.created", "person.updated", "note"]
    retention_run(today=TODAY, actor=Actor.system("retention"))
    assert audit_verify().ok
    assert set(AuditEvent.objects.filter(seq__in=about).values_list("erased", flat=True)) == {True}
    recorded = AuditEvent.objects.get(action="person.erased", target_id=str(greta.pk))
    assert recorded.after == {"pseudonym": erasure.pseudonym_for("P1"), "reason": "retention", "audit_events": 3}
    erasures = AuditEvent.objects.filter(action="audit.erased")
    assert any(set(e.after["events"]) >= set(about) for e in erasures)  # type: ignore[index]
    # Nothing on the chain names her any more.
    for event in AuditEvent.objects.all():
        assert "Greta" not in json.dumps([event.before, event.after, event.actor_label])


def test_a_rerun_finds_nothing_more_and_an_interrupted_person_is_untouched(world, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(erasure, "_erase_support", broken)
    with pytest.raises(RuntimeError):
        retention_run(today=TODAY, actor=Actor.system("retention"))
    greta = Person.objects.get(pk=world["greta"].pk)
    assert (greta.employee_id, greta.first_name, greta.erased_at) == ("P1", "Greta", None)
    assert Account.objects.get(pk=world["account"].pk).display_name == "Greta Gone"
    assert not AuditEvent.objects.filter(action="person.erased").exists()
    monkeypatch.undo()
    assert len(retention_run(today=TODAY, actor=Actor.system("retention")).erased) == 2
    again = retention_run(today=TODAY, actor=Actor.system("retention"))
    assert again.erased == [] and {d.employee_id for d in again.decisions} == {"P2", "P3", "P5"}
    assert audit_verify().ok


def test_a_released_hold_lets_retention_erase(world) -> None:
    out = io.StringIO()
    call_command("person", "release", "P2", "--reason", "The case was settled", stdout=out)
    result = retention_run(today=TODAY, actor=Actor.system("retention"), dry_run=True)
    assert "P2" in {d.employee_id for d in result.to_erase}


def test_the_retention_command_lists_and_then_erases(world, settings) -> None:
    out = io.StringIO()
    call_command("retention", "run", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "would erase\tP1\tGreta Gone\tLeft on 2024-03-29; their leaver case completed on 2024-04-03." in text
    assert "kept\tP3\tOlle Open\tTheir leaver case of 2024-01-31 is still open." in text
    assert "2 would erase, 3 kept" in text
    settings.ORDNA_RETENTION_MONTHS = 48  # everyone is within a longer period
    out = io.StringIO()
    call_command("retention", "run", stdout=out)
    assert "0 erased, 0 kept" in out.getvalue()
    assert Person.objects.filter(erased_at__isnull=False).count() == 0
