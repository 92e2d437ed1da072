"""Reaching the people who must act without an Ordna login (issue 17): digests to the HR file's addresses and
the role mailboxes, signed links that do a line through the same closing service as the app, and every way a
link can be refused (tampered, edited, replayed, expired, revoked) changing nothing and leaving a trace."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from ordna.conftest import HR_HEADER, TODAY, hr_csv, hr_row
from ordna.core.actor import Actor
from ordna.core.models import ActionLink, AuditEvent
from ordna.core.services import token_digest
from ordna.lifecycle.models import Line, LineState
from ordna.notifications.models import AddressNotice, Digest

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")
LINK = re.compile(r"http://127\.0\.0\.1:8000(/cases/act/[^\s\"<]+/)")


@pytest.fixture(autouse=True)
def fresh_rate_limit() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def load_hr(write_file, actor):
    """The HR file with its optional `locale` column."""
    from ordna.people.services import people_import

    def load(rows: list[dict[str, str]]) -> None:
        path = write_file("hr.csv", hr_csv(rows, header=[*HR_HEADER, "locale"]))
        assert people_import(path=path, actor=actor, today=TODAY).outcome == "applied"

    return load


@pytest.fixture
def leaver_org(load_hr, import_accounts, actor, settings) -> dict[str, Any]:
    """Only an HR file, one account export and the role mailboxes: no Ordna users. Lena leaves today; her
    manager Maja must collect her laptop and hand over her work, HR settles her salary, she returns what she
    holds, and IT disables her Microsoft 365 account."""
    from ordna.devices.services import device_register
    from ordna.lifecycle.case_templates import template_save, template_task_add
    from ordna.people.models import Person

    settings.ORDNA_ROLE_MAILBOXES = {"hr": ["hr@example.org"], "coordinator": ["it@example.org"]}
    template = template_save(actor=actor, name="Leavers")
    for title, role in (("Handover", "manager"), ("Final salary", "hr"), ("Return laptop and badge", "employee")):
        template_task_add(template=template, actor=actor, title=title, responsible=role, offset_days=0)
    rows = [
        hr_row("D1", "Dirk", "Director", locale="en"),
        hr_row("M1", "Maja", "Manager", manager_employee_id="D1", locale="sv"),
        hr_row("L1", "Lena", "Leaver", manager_employee_id="M1", locale="en"),
    ]
    load_hr(rows)
    lena = Person.objects.get(employee_id="L1")
    device_register(asset_tag="LT-0042", kind="laptop", model="ThinkPad T14", serial="PF3XK9", holder=lena, actor=actor)
    rows[2]["end_date"] = TODAY.isoformat()
    load_hr(rows)
    import_accounts("m365", [("L1", "active", "E3")])
    lines = {line.subject: line for line in Line.objects.filter(case__person=lena)}
    assert sorted(lines) == [
        "E3",
        "Final salary",
        "Handover",
        "LT-0042",
        "Return laptop and badge",
        "l1@m365.example.org",
    ]
    return {"lines": lines, "lena": lena}


def links_in(message) -> list[str]:
    text = next(p.get_payload(decode=True).decode() for p in message.walk() if p.get_content_type() == "text/plain")
    return LINK.findall(text)


def text_of(message) -> str:
    return next(p.get_payload(decode=True).decode() for p in message.walk() if p.get_content_type() == "text/plain")


def link_target(path: str) -> int:
    """The line a link's path acts on, found the way the page finds it: by the token's digest."""
    return ActionLink.objects.get(digest=token_digest(path.split("/")[3])).target_id


def refusals() -> list[str]:
    return [e.after["reason"] for e in AuditEvent.objects.filter(action="action_link.refused").order_by("seq")]


def test_without_any_user_each_address_gets_one_digest_and_the_managers_link_records_the_return(
    leaver_org, smtp_server, capsys
) -> None:
    # When the reminders run against a real SMTP server,
    call_command("remind")
    assert "sent 4" in capsys.readouterr().out
    # then every address with items gets one digest: the manager and the leaver at the HR file's addresses,
    # HR and IT at their mailboxes.
    assert smtp_server.recipients() == [
        "hr@example.org",
        "it@example.org",
        "lena.leaver.l1@example.org",
        "maja.manager.m1@example.org",
    ]
    maja = smtp_server.to("maja.manager.m1@example.org")[0]
    assert maja["Subject"] == "Ordna: 2 saker behöver din uppmärksamhet"  # the HR file says Swedish
    assert "Hej Maja Manager," in text_of(maja)
    assert len(links_in(maja)) == 2  # the handover and the laptop, each with its own link
    assert len(links_in(smtp_server.to("lena.leaver.l1@example.org")[0])) == 1
    # A shared mailbox gets the role's items with links into the app, never a signed link.
    hr_text = text_of(smtp_server.to("hr@example.org")[0])
    assert "Final salary (Lena Leaver)" in hr_text and not links_in(smtp_server.to("hr@example.org")[0])
    assert "http://127.0.0.1:8000/cases/" in hr_text
    it_text = text_of(smtp_server.to("it@example.org")[0])
    assert "l1@m365.example.org (Lena Leaver)" in it_text and not links_in(smtp_server.to("it@example.org")[0])
    assert ActionLink.objects.count() == 3

    # Maja follows the laptop's link: the serial number is shown, and "collected" records the return.
    laptop = leaver_org["lines"]["LT-0042"]
    link = next(path for path in links_in(maja) if link_target(path) == laptop.pk)
    client = Client()
    page = client.get(link)
    assert page.status_code == 200
    body = page.content.decode()
    assert "PF3XK9" in body and "ThinkPad T14" in body and "Inte insamlad, därför att:" in body
    done = client.post(link, {"outcome": "done", "note": "In the IT cupboard"})
    assert done.status_code == 200 and "Tack" in done.content.decode()
    laptop.refresh_from_db()
    assert laptop.state == LineState.ATTESTED
    assert laptop.closed_by == "Maja Manager, by link sent to maja.manager.m1@example.org"
    assert laptop.note == "Collected: laptop ThinkPad T14 LT-0042, serial PF3XK9. In the IT cupboard"
    used = ActionLink.objects.get(target_id=laptop.pk)
    events = AuditEvent.objects.filter(actor_ref=f"link:{used.pk}").order_by("seq")
    assert [e.action for e in events] == ["action_link.used", "line.attested"]

    # A second run the same day sends nothing.
    call_command("remind")
    assert "claimed 0 new digest(s); sent 0" in capsys.readouterr().out
    assert len(smtp_server.messages) == 4

    # Replayed, the link changes nothing and says so.
    again = client.post(link, {"outcome": "not_collected", "reason": "lost"})
    assert again.status_code == 410 and "användes redan" in again.content.decode()
    laptop.refresh_from_db()
    assert (laptop.state, laptop.note.startswith("Collected")) == (LineState.ATTESTED, True)
    assert refusals() == ["used"]


def _link_for(line: Line, address: str = "someone@example.org") -> str:
    from ordna.core.action_links import action_link_issue

    _link, token = action_link_issue(purpose="lifecycle.line", target_id=line.pk, address=address, name="Someone")
    return f"/cases/act/{token}/"


def test_tampered_edited_and_unknown_links_are_refused_change_nothing_and_are_audited(leaver_org) -> None:
    handover = leaver_org["lines"]["Handover"]
    link = _link_for(handover)
    token = link.split("/")[3]
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    from django.core import signing

    # Signed right, but a secret no link was made with (an edited id would look like this or fail to sign):
    forged = signing.Signer(salt="ordna.core.action-link").sign("made-up-secret")
    client = Client()
    for path in (f"/cases/act/{flipped}/", f"/cases/act/{forged}/", "/cases/act/12/"):
        response = client.post(path, {"outcome": "done"})
        assert response.status_code == 404
        assert "It is not a valid link" in response.content.decode()
    assert refusals() == ["invalid", "invalid", "invalid"]
    handover.refresh_from_db()
    assert handover.state == LineState.OPEN
    assert client.get(link).status_code == 200  # the real one still works


def test_an_expired_link_is_refused(leaver_org, settings) -> None:
    settings.ORDNA_ACTION_LINK_DAYS = 14
    link = _link_for(leaver_org["lines"]["Handover"])
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=STOCKHOLM), tick=True):
        response = Client().post(link, {"outcome": "done"})
    assert response.status_code == 410 and "It has expired." in response.content.decode()
    assert refusals() == ["expired"]
    assert Line.objects.get(pk=leaver_org["lines"]["Handover"].pk).state == LineState.OPEN


def test_links_are_revoked_when_the_line_closes_in_the_app_or_the_case_is_cancelled(
    leaver_org, actor, make_user
) -> None:
    from ordna.lifecycle.closing import line_attest
    from ordna.lifecycle.engine import case_cancel
    from ordna.people.models import Person

    lines = leaver_org["lines"]
    handover, salary = _link_for(lines["Handover"]), _link_for(lines["Final salary"])
    # Maja signs in after all and attests the handover in the app.
    maja = make_user("manager", person=Person.objects.get(employee_id="M1"))
    line_attest(line=lines["Handover"], actor=Actor.for_user(maja), today=TODAY, note="Done in person")
    response = Client().get(handover)
    assert response.status_code == 410 and "the item was closed or the case cancelled" in response.content.decode()
    assert ActionLink.objects.get(target_id=lines["Handover"].pk).revoked_because == "line attested"
    case_cancel(case=lines["Handover"].case, actor=actor, reason="Extended")
    assert Client().get(salary).status_code == 410
    assert ActionLink.objects.get(target_id=lines["Final salary"].pk).revoked_because == "case cancelled"
    assert refusals() == ["revoked", "revoked"]


def test_the_closing_rules_apply_their_refusal_reaches_the_page_and_the_link_still_works(leaver_org) -> None:
    salary = leaver_org["lines"]["Final salary"]
    link = _link_for(salary, "hanna@example.org")
    client = Client()
    refused = client.post(link, {"outcome": "done"})  # HR's task needs the last day confirmed
    assert refused.status_code == 422 and "confirm that the last day is right" in refused.content.decode()
    salary.refresh_from_db()
    assert salary.state == LineState.OPEN and ActionLink.objects.get(target_id=salary.pk).used_at is None
    done = client.post(link, {"outcome": "done", "last_day": "1"})
    assert done.status_code == 200
    salary.refresh_from_db()
    assert salary.note == "Last day 2026-11-16 confirmed"


def test_not_collected_needs_a_reason_and_asks_for_a_waiver_that_a_second_person_approves(leaver_org) -> None:
    from ordna.lifecycle.models import ClosingRequest

    laptop = leaver_org["lines"]["LT-0042"]
    link = _link_for(laptop, "maja.manager.m1@example.org")
    client = Client()
    assert client.post(link, {"outcome": "not_collected", "reason": " "}).status_code == 422
    done = client.post(link, {"outcome": "not_collected", "reason": "She works abroad; courier booked"})
    assert done.status_code == 200 and "An IT coordinator decides" in done.content.decode()
    laptop.refresh_from_db()
    assert laptop.state == LineState.OPEN  # waits for an IT coordinator (ORDNA_WAIVER_APPROVAL)
    request = ClosingRequest.objects.get(line=laptop)
    assert (request.kind, request.note, request.requested_by) == (
        "waive",
        "Not collected: She works abroad; courier booked",
        "Someone, by link sent to maja.manager.m1@example.org",
    )
    # A task is done or not: "not collected" is for devices.
    assert (
        client.post(_link_for(leaver_org["lines"]["Handover"]), {"outcome": "not_collected", "reason": "x"}).status_code
        == 422
    )


def test_a_link_closes_its_own_line_and_no_other(leaver_org) -> None:
    from ordna.core.action_links import action_link_actor, action_link_issue
    from ordna.lifecycle.closing import line_attest
    from ordna.lifecycle.engine import LifecycleError

    lines = leaver_org["lines"]
    link, _token = action_link_issue(purpose="lifecycle.line", target_id=lines["Handover"].pk, address="m@example.org")
    with pytest.raises(LifecycleError, match="not responsible for this line"):
        line_attest(line=lines["Final salary"], actor=action_link_actor(link), today=TODAY, note="not mine")
    assert Line.objects.get(pk=lines["Final salary"].pk).state == LineState.OPEN


def test_the_leaver_says_what_she_returned(leaver_org) -> None:
    task = leaver_org["lines"]["Return laptop and badge"]
    link = _link_for(task, "lena.leaver.l1@example.org")
    client = Client()
    page = client.get(link).content.decode()
    assert "LT-0042" in page and "PF3XK9" in page
    device_id = leaver_org["lines"]["LT-0042"].device_id
    assert client.post(link, {"outcome": "done", "returned": [str(device_id)]}).status_code == 200
    task.refresh_from_db()
    assert task.note == "Returned: laptop ThinkPad T14 LT-0042, serial PF3XK9"


def test_account_lines_get_no_link(leaver_org, smtp_server, make_user) -> None:
    from ordna.notifications.services import digests_send_due, reminders_run

    coordinator = make_user("coordinator")
    coordinator.email = "ida@example.org"
    coordinator.save(update_fields=["email"])
    reminders_run(actor=Actor.system("test"), today=TODAY + timedelta(days=1))
    digests_send_due()
    ida = smtp_server.to("ida@example.org")[0]
    assert "l1@m365.example.org (Lena Leaver)" in text_of(ida) and links_in(ida) == []


def test_link_pages_are_rate_limited_per_client_address(leaver_org, settings) -> None:
    settings.ORDNA_ACTION_LINK_REQUESTS_PER_HOUR = 2
    link = _link_for(leaver_org["lines"]["Handover"])
    client = Client()
    assert [client.get(link).status_code for _ in range(3)] == [200, 200, 429]
    assert Client(REMOTE_ADDR="10.0.0.8").get(link).status_code == 200


def test_no_address_in_the_hr_file_goes_up_a_rung_and_the_coordinators_are_told_once(
    load_people, actor, settings, smtp_server
) -> None:
    from ordna.lifecycle.case_templates import template_save, template_task_add
    from ordna.notifications.services import digests_send_due, reminders_run

    settings.ORDNA_ROLE_MAILBOXES = {"coordinator": ["it@example.org"]}
    template = template_save(actor=actor, name="Leavers")
    template_task_add(template=template, actor=actor, title="Handover", responsible="manager", offset_days=0)
    rows = [
        hr_row("D1", "Dirk", "Director"),
        hr_row("M1", "Maja", "Manager", manager_employee_id="D1", email=""),  # the import refuses malformed ones
        hr_row("L1", "Lena", "Leaver", manager_employee_id="M1", end_date=TODAY.isoformat()),
    ]
    load_people(rows)
    reminders_run(actor=actor, today=TODAY)
    digests_send_due()
    # Maja cannot be reached: her handover goes to her manager at once,
    assert "Handover (Lena Leaver)" in text_of(smtp_server.to("dirk.director.d1@example.org")[0])
    # and IT hears once that the HR file has no usable address for her.
    told = text_of(smtp_server.to("it@example.org")[0])
    assert "No usable address in the HR file: Maja Manager (M1)" in told
    notice = AddressNotice.objects.get()
    assert (notice.value, notice.first_seen, notice.told_on) == ("", TODAY, TODAY)
    with time_machine.travel(datetime(2026, 11, 17, 9, 0, tzinfo=STOCKHOLM), tick=True):
        reminders_run(actor=actor, today=TODAY + timedelta(days=1))
        digests_send_due()
    assert "Maja Manager (M1)" not in "".join(text_of(m) for m in smtp_server.to("it@example.org")[1:])
    assert len(smtp_server.to("dirk.director.d1@example.org")) == 2  # the handover, still open
    # Once the HR file gives her an address, the notice is gone (a later breakage is told again).
    rows[1]["email"] = "maja@example.org"
    load_people(rows)
    with time_machine.travel(datetime(2026, 11, 18, 9, 0, tzinfo=STOCKHOLM), tick=True):
        reminders_run(actor=actor, today=TODAY + timedelta(days=2))
    assert AddressNotice.objects.count() == 0
    assert Digest.objects.filter(address="maja@example.org").count() == 1
