"""Many lines at once (issue 23, point 14): a supplier's "done, our ticket N" on the selected lines is a claim
per line (who, when, the ticket), shown and audited, never a verification; an IT coordinator attests or waives
the selected lines in one step through the single line's service, all or nothing; lines out of scope answer 404."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ordna.conftest import TODAY, hr_row
from ordna.core.actor import Actor
from ordna.core.models import AuditEvent
from ordna.core.services import token_create
from ordna.lifecycle.models import ClosingRequest, Line, LineState

pytestmark = pytest.mark.django_db
BULK = reverse("lifecycle:lines_bulk")


@pytest.fixture
def world(load_people, import_accounts, actor, make_user) -> dict[str, Any]:
    """Lena left three days ago. Example IT Services runs erp and crm, Other Supplier runs hr; nobody runs the
    wiki (its line is the IT coordinator's own)."""
    from ordna.applications.services import application_create
    from ordna.core.services import supplier_add

    ours = supplier_add(name="Example IT Services AB", actor=actor)
    other = supplier_add(name="Other Supplier AB", actor=actor)
    for slug, supplier in (("erp", ours), ("crm", ours), ("hr", other), ("wiki", None)):
        application_create(slug=slug, name=slug.upper(), actor=actor, supplier_id=supplier.pk if supplier else None)
    load_people([hr_row("L1", "Lena", "Leaver", end_date=(TODAY - timedelta(days=3)).isoformat())])
    for slug in ("erp", "crm", "hr", "wiki"):
        import_accounts(slug, [("L1", "active", "")])
    lines = {slug: Line.objects.get(subject=f"l1@{slug}.example.org") for slug in ("erp", "crm", "hr", "wiki")}
    return {
        "lines": lines,
        "supplier": make_user("supplier", supplier=ours),
        "coordinator": make_user("coordinator"),
    }


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user: Any) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_create(user=user, actor=Actor.system('test'))}"})


def test_a_supplier_claims_its_lines_done_under_its_ticket_and_the_next_export_verifies_them(
    world, import_accounts
) -> None:
    erp, crm = world["lines"]["erp"], world["lines"]["crm"]
    client = signed_in(world["supplier"])
    # The supplier's task list offers a checkbox per line and the bulk form.
    page = client.get(reverse("lifecycle:my_tasks")).content.decode()
    assert f'name="lines" value="{erp.pk}" form="bulk-lines"' in page and 'id="bulk-lines"' in page
    answer = client.post(BULK, {"lines": [erp.pk, crm.pk], "action": "claim", "ticket": " INC-4711 "})
    assert answer.status_code == 302
    for line in Line.objects.filter(pk__in=[erp.pk, crm.pk]):
        assert (line.state, line.claim_ticket, line.claimed_by) == (
            LineState.OPEN,
            "INC-4711",
            world["supplier"].username,
        )
        assert line.claimed_done_at is not None
    events = AuditEvent.objects.filter(action="line.done_claimed").order_by("seq")
    assert sorted(e.target_id for e in events) == sorted([str(erp.pk), str(crm.pk)])
    # The claim is shown on my tasks, on the case page and in the API; the lines stay open.
    claim = "says done"
    assert claim in client.get(reverse("lifecycle:my_tasks")).content.decode()
    assert (
        "their ticket INC-4711" in client.get(reverse("lifecycle:detail", kwargs={"pk": erp.case_id})).content.decode()
    )
    mine = api(world["supplier"]).get("/api/v1/tasks/mine").json()["items"]
    assert {(i["id"], i["claim_ticket"], i["state"]) for i in mine} == {
        (erp.pk, "INC-4711", "open"),
        (crm.pk, "INC-4711", "open"),
    }
    # The next export verifies what the export shows, and only that.
    import_accounts("erp", [("L1", "disabled", "")])
    assert Line.objects.get(pk=erp.pk).state == LineState.VERIFIED
    assert Line.objects.get(pk=crm.pk).state == LineState.OPEN
    # An export that shows the account active again reopens the line without the old claim.
    import_accounts("erp", [("L1", "active", "")])
    reopened = Line.objects.get(pk=erp.pk)
    assert (reopened.state, reopened.reopened, reopened.claim_ticket, reopened.claimed_done_at) == ("open", 1, "", None)


def test_a_supplier_acts_only_on_its_own_lines_and_only_claims(world) -> None:
    erp, hr, wiki = world["lines"]["erp"], world["lines"]["hr"], world["lines"]["wiki"]
    client = signed_in(world["supplier"])
    # Another supplier's line, or the coordinator's, among the selection: 404, nothing applied.
    assert client.post(BULK, {"lines": [erp.pk, hr.pk], "action": "claim", "ticket": "T"}).status_code == 404
    assert client.post(BULK, {"lines": [wiki.pk], "action": "claim", "ticket": "T"}).status_code == 404
    refused = api(world["supplier"]).post(
        "/api/v1/lines/bulk",
        {"lines": [erp.pk, hr.pk], "action": "claim", "ticket": "T"},
        content_type="application/json",
    )
    assert refused.status_code == 404 and refused.json()["field"] == "lines" and f"#{hr.pk}" in refused.json()["detail"]
    assert not Line.objects.exclude(claim_ticket="").exists()
    # No ticket, no selection, an id that is not one, closing: refused by name.
    for data, field in (
        ({"lines": [erp.pk], "action": "claim", "ticket": " "}, "ticket"),
        ({"action": "claim", "ticket": "T"}, "lines"),
        ({"lines": ["x"], "action": "claim", "ticket": "T"}, "lines"),
        ({"lines": [erp.pk], "action": "waive", "waive_reason": "gone"}, "action"),
    ):
        page = client.post(BULK, data)
        assert page.status_code == 422 and 'id="bulk-error"' in page.content.decode(), (data, field)
    answer = api(world["supplier"]).post(
        "/api/v1/lines/bulk",
        {"lines": [erp.pk], "action": "attest", "reason": "other"},
        content_type="application/json",
    )
    assert answer.status_code == 422 and answer.json()["field"] == "action"
    assert not Line.objects.exclude(claim_ticket="").exists() and not Line.objects.exclude(state="open").exists()


def test_a_coordinator_closes_the_selected_lines_all_or_nothing(world) -> None:
    wiki, crm, erp = world["lines"]["wiki"], world["lines"]["crm"], world["lines"]["erp"]
    client = api(world["coordinator"])
    attest = {"action": "attest", "reason": "admin_console", "note": "Removed in the console on Monday"}
    # The wiki line is the coordinator's own; crm is the supplier's: without an override it is refused, by name,
    # and the wiki line, attested before it in the same step, is not either.
    refused = client.post("/api/v1/lines/bulk", {"lines": [wiki.pk, crm.pk], **attest}, content_type="application/json")
    assert refused.status_code == 422 and f"#{crm.pk} l1@crm.example.org" in refused.json()["detail"]
    assert Line.objects.get(pk=wiki.pk).state == LineState.OPEN
    # A closed line among them: 409, nothing applied.
    Line.objects.filter(pk=erp.pk).update(state=LineState.WAIVED, note="x", closed_by="x", closed_at=timezone.now())
    conflict = signed_in(world["coordinator"]).post(
        BULK, {"lines": [wiki.pk, erp.pk], "attest_reason": "admin_console", "note": "n", "action": "attest"}
    )
    assert conflict.status_code == 409 and f"#{erp.pk}" in conflict.content.decode()
    assert Line.objects.get(pk=wiki.pk).state == LineState.OPEN
    # With the override explained: the own line closes, the supplier's waits for a second person.
    done = client.post(
        "/api/v1/lines/bulk",
        {"lines": [wiki.pk, crm.pk], **attest, "override": True, "override_reason": "The supplier is away"},
        content_type="application/json",
    )
    assert done.status_code == 200, done.content
    assert (done.json()["pending"], [line["id"] for line in done.json()["lines"]]) == (1, [wiki.pk, crm.pk])
    assert Line.objects.get(pk=wiki.pk).state == LineState.ATTESTED
    assert ClosingRequest.objects.filter(line=crm, decision="pending").exists()


def test_the_coordinator_claims_too_and_the_form_offers_closing_only_to_coordinators(world) -> None:
    wiki = world["lines"]["wiki"]
    coordinator = signed_in(world["coordinator"])
    assert "Attest all" in coordinator.get(reverse("lifecycle:my_tasks")).content.decode()
    assert "Attest all" not in signed_in(world["supplier"]).get(reverse("lifecycle:my_tasks")).content.decode()
    answer = api(world["coordinator"]).post(
        "/api/v1/lines/bulk",
        {"lines": [wiki.pk], "action": "claim", "ticket": "CHG-7"},
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["lines"][0]["claim_ticket"] == "CHG-7"
    assert Line.objects.get(pk=wiki.pk).state == LineState.OPEN
