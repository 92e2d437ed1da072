"""A person's data on request: the export (JSON, PDF), legal holds, and the four-eyes erasure, on the command
line."""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from ordna.core.actor import Actor
from ordna.core.audit import audit_verify
from ordna.core.errors import ServiceError
from ordna.core.models import AuditEvent
from ordna.home.person_data import person_data
from ordna.home.privacy import erasure_request_approve, erasure_request_make, hold_place
from ordna.home.tests.privacy_world import build_world
from ordna.people.models import ErasureRequest, Person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """The sentences asserted are the English ones, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


@pytest.fixture
def world(make_user):
    world = build_world(make_user)
    world["admin1"] = make_user("admin")
    world["admin2"] = make_user("admin")
    world["coordinator"] = make_user("coordinator")
    return world


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_export_holds_every_section_about_the_person(world, tmp_path: Path) -> None:
    data = json.loads(run("person", "export", "P1"))
    assert data["person"]["first_name"] == "Greta" and data["person"]["email_aliases"] == ["ggone@example.org"]
    assert [a["key_display"] for a in data["accounts"]] == ["greta.gone@example.org"]
    assert [(c["kind"], c["status"], len(c["lines"])) for c in data["cases"]] == [("leaver", "completed", 2)]
    assert data["cases"][0]["lines"][0]["how"].startswith("Import")
    assert [q["text"][:21] for q in data["questions"]] == ["Hi, this is Greta Gon"]
    assert data["ordna_user"]["roles"] == ["employee"]
    assert [e["action"] for e in data["audit_events"]] == ["user.created", "person.updated", "note"]
    # Nothing about anyone else.
    assert "Hans" not in json.dumps(data) and "Anna" not in json.dumps(data)
    target = tmp_path / "greta.pdf"
    run("person", "export", "P1", "--format", "pdf", "-o", str(target))
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True, check=True).stdout
    assert "Personal data held by Ordna" in text and "greta.gone@example.org" in text and "Questions asked" in text


def test_an_unknown_person_is_named(world) -> None:
    with pytest.raises(CommandError, match="EMPLOYEE_ID: No person has the employee id 'X9'"):
        run("person", "export", "X9")


def test_an_erasure_needs_a_second_admin(world) -> None:
    asked = run("person", "erase", "P1", "--reason", "Asked by letter of 2026-11-02", "--by", world["admin1"].username)
    request = ErasureRequest.objects.get()
    assert f"erasure request {request.pk} for P1 waits for a second administrator" in asked
    with pytest.raises(CommandError, match=r"--by: A second administrator must approve: admin\d+ asked"):
        run("person", "approve", str(request.pk), "--by", world["admin1"].username)
    with pytest.raises(CommandError, match="--by: Only an administrator may ask for or approve an erasure"):
        run("person", "approve", str(request.pk), "--by", world["coordinator"].username)
    assert Person.objects.get(pk=world["greta"].pk).erased_at is None
    done = run("person", "approve", str(request.pk), "--by", world["admin2"].username)
    greta = Person.objects.get(pk=world["greta"].pk)
    assert f"erased; the person is now {greta.employee_id}" in done and greta.erased_because == "request"
    assert ErasureRequest.objects.get().state == "done"
    recorded = AuditEvent.objects.get(action="person.erased")
    assert recorded.after["reason"] == "request" and recorded.after["request"] == request.pk  # type: ignore[index]
    assert audit_verify().ok
    with pytest.raises(CommandError, match="is no longer waiting"):
        run("person", "approve", str(request.pk), "--by", world["admin2"].username)


def test_an_erasure_is_refused_with_the_reason_for_an_open_case_or_a_hold(world) -> None:
    with pytest.raises(CommandError, match=r"EMPLOYEE_ID: Their leaver case of 2024-01-31 is still open\."):
        run("person", "erase", "P3", "--reason", "Asked", "--by", world["admin1"].username)
    run("person", "hold", "P1", "--reason", "Dispute over the final pay")
    with pytest.raises(CommandError, match="A legal hold is in force since 2026-11-16: Dispute over the final pay"):
        run("person", "erase", "P1", "--reason", "Asked", "--by", world["admin1"].username)
    assert not ErasureRequest.objects.exists()
    with pytest.raises(CommandError, match="--reason: Give a reason"):
        run("person", "hold", "P4", "--reason", "  ")


def test_a_hold_placed_after_the_request_stops_the_approval(world) -> None:
    admin1, admin2 = Actor.for_user(world["admin1"]), Actor.for_user(world["admin2"])
    request = erasure_request_make(person=world["greta"], reason="Asked", actor=admin1)
    hold_place(person=world["greta"], reason="Audit of 2024", actor=Actor.system("test"))
    with pytest.raises(ServiceError, match="A legal hold is in force"):
        erasure_request_approve(request_id=request.pk, actor=admin2)
    assert ErasureRequest.objects.get().state == "pending"
    assert person_data(Person.objects.get(pk=world["greta"].pk))["person"]["first_name"] == "Greta"


def test_a_rejected_request_erases_nothing(world) -> None:
    run("person", "erase", "P4", "--reason", "Asked", "--by", world["admin1"].username)
    request = ErasureRequest.objects.get()
    assert "rejected; nothing was erased" in run("person", "reject", str(request.pk), "--by", world["admin1"].username)
    assert Person.objects.get(pk=world["nina"].pk).erased_at is None
    listed = run("person", "requests")
    assert f"{request.pk}\tP4\trejected\t" in listed
