"""The supplier's service desk (issue 17): one mail per case and supplier under a stable reference, the due date
from the contract's service level, a signed link for the desk's ticket and "done" (a claim, never a
verification), an update when accounts are added, retries when the mail server is down."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from ordna.conftest import TODAY, hr_row
from ordna.core.actor import Actor
from ordna.core.models import AuditEvent
from ordna.lifecycle.models import Line, LineState, RequestState, SupplierRequest
from ordna.lifecycle.service_desk import supplier_requests_open, supplier_requests_send_due

pytestmark = pytest.mark.django_db
DESK = "desk@supplier.example.org"
LINK = re.compile(r"http://127\.0\.0\.1:8000(/cases/service-desk/[^\s\"<]+/)")


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def outsourced(load_people, import_accounts, actor) -> dict[str, Any]:
    """Lena's last day was Friday (so that today's exports, taken after it, are proof). Her ERP account is run
    by Example IT Services, whose contract promises resolution in 16 business hours (two business days of
    08:00-17:00); its service desk takes tickets by mail."""
    from ordna.applications.services import application_create
    from ordna.core.services import supplier_add
    from ordna.suppliers import services as suppliers

    supplier = supplier_add(name="Example IT Services AB", actor=actor, service_desk_email=DESK)
    application_create(slug="erp", name="ERP", actor=actor, supplier_id=supplier.pk)
    application_create(slug="crm", name="CRM", actor=actor, supplier_id=supplier.pk)
    contract, _ = suppliers.contract_save(
        data=suppliers.ContractInput(
            supplier=supplier.name,
            title="Application management",
            start_date=date(2026, 1, 1),
            initial_term_months=24,
            renewal="tacit",
            renewal_term_months=12,
            notice="3 months",
            applications=("erp",),
        ),
        actor=actor,
    )
    suppliers.service_level_set(
        contract=contract, metric="resolution", priority="", target=16, target_percent=95, actor=actor
    )
    load_people([hr_row("L1", "Lena", "Leaver", end_date=(TODAY - timedelta(days=3)).isoformat())])
    import_accounts("erp", [("L1", "active", "")])
    return {"supplier": supplier, "line": Line.objects.get(subject="l1@erp.example.org")}


def text_of(message) -> str:
    return next(p.get_payload(decode=True).decode() for p in message.walk() if p.get_content_type() == "text/plain")


def test_one_mail_per_case_and_supplier_with_a_stable_reference_and_the_service_levels_due_date(
    outsourced, smtp_server
) -> None:
    line = outsourced["line"]
    opened = supplier_requests_open(today=TODAY, actor=Actor.system("test"))
    assert supplier_requests_send_due() == {"sent": 1, "retry": 0, "skipped": 0}
    request = SupplierRequest.objects.get()
    assert [r.pk for r in opened] == [request.pk]
    reference = f"ORDNA-{line.case_id}-{outsourced['supplier'].pk}"
    assert (request.reference, request.address, request.due) == (reference, DESK, date(2026, 11, 18))
    [mail] = smtp_server.to(DESK)
    assert mail["Subject"] == f"[{reference}] Take back the accounts of Lena Leaver by 2026-11-18"
    body = text_of(mail)
    assert "- ERP: l1@erp.example.org" in body and LINK.search(body)

    # The same day again: nothing more.
    assert supplier_requests_open(today=TODAY, actor=Actor.system("test")) == []
    assert supplier_requests_send_due() == {"sent": 0, "retry": 0, "skipped": 0}
    assert len(smtp_server.messages) == 1


def test_the_desk_records_its_ticket_and_done_which_is_a_claim_not_a_verification(
    outsourced, smtp_server, import_accounts, make_user
) -> None:
    supplier_requests_open(today=TODAY, actor=Actor.system("test"))
    supplier_requests_send_due()
    link = LINK.search(text_of(smtp_server.to(DESK)[0])).group(1)
    client = Client()
    page = client.get(link)
    assert page.status_code == 200 and "l1@erp.example.org" in page.content.decode()
    assert client.post(link, {"ticket": ""}).status_code == 422  # a ticket reference first
    assert client.post(link, {"ticket": "INC-4711"}).status_code == 200  # the ticket alone keeps the link
    done = client.post(link, {"ticket": "INC-4711", "done": "1"})
    assert done.status_code == 200 and "INC-4711" in done.content.decode()
    request = SupplierRequest.objects.get()
    assert (request.ticket_reference, request.claimed_by) == (
        "INC-4711",
        "Example IT Services AB, by link sent to desk@supplier.example.org",
    )
    assert [e.action for e in AuditEvent.objects.filter(actor_ref__startswith="link:").order_by("seq")] == [
        "supplier_request.ticket_recorded",
        "action_link.used",
        "supplier_request.done_claimed",
    ]
    # "Done" is a claim: the line stays open, and the case page says what the supplier said.
    line = Line.objects.get(pk=outsourced["line"].pk)
    assert line.state == LineState.OPEN
    coordinator = Client()
    coordinator.force_login(make_user("coordinator"))
    case_page = coordinator.get(f"/cases/{line.case_id}/").content.decode()
    assert "their ticket INC-4711" in case_page and "the supplier says done" in case_page
    assert client.post(link, {"ticket": "INC-4711", "done": "1"}).status_code == 410  # used
    # The next export verifies it.
    import_accounts("erp", [("L1", "disabled", "")])
    assert Line.objects.get(pk=line.pk).state == LineState.VERIFIED


def test_added_accounts_send_an_update_under_the_same_reference_and_verification_revokes_the_link(
    outsourced, smtp_server, import_accounts
) -> None:
    supplier_requests_open(today=TODAY, actor=Actor.system("test"))
    supplier_requests_send_due()
    first_link = LINK.search(text_of(smtp_server.to(DESK)[0])).group(1)
    import_accounts("crm", [("L1", "active", "")])  # CRM has no contract: the line's own due date
    supplier_requests_open(today=TODAY, actor=Actor.system("test"))
    assert supplier_requests_send_due()["sent"] == 1
    update = smtp_server.to(DESK)[1]
    reference = SupplierRequest.objects.get().reference
    assert update["Subject"].startswith(f"[{reference}] ")
    body = text_of(update)
    assert "This updates our earlier mail under the same reference" in body
    assert "- CRM: l1@crm.example.org" in body and "- ERP: l1@erp.example.org" in body
    assert SupplierRequest.objects.get().mails_sent == 2
    # Both accounts disabled by the next exports: nothing is left to do, the links stop working.
    import_accounts("erp", [("L1", "disabled", "")])
    import_accounts("crm", [("L1", "disabled", "")])
    assert Client().get(first_link).status_code == 410


def test_a_mail_server_that_is_down_delays_the_mail_never_duplicates_it(outsourced, settings) -> None:
    from aiosmtpd.controller import Controller

    from ordna.conftest import Inbox, free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    supplier_requests_open(today=TODAY, actor=Actor.system("test"))
    assert supplier_requests_send_due() == {"sent": 0, "retry": 1, "skipped": 0}
    request = SupplierRequest.objects.get()
    assert (request.state, request.attempts) == (RequestState.PENDING, 1) and "Connection refused" in request.last_error
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=settings.EMAIL_PORT)
    controller.start()
    try:
        later = request.next_attempt_at
        assert supplier_requests_send_due(now=later) == {"sent": 1, "retry": 0, "skipped": 0}
        assert supplier_requests_send_due(now=later) == {"sent": 0, "retry": 0, "skipped": 0}
    finally:
        controller.stop()
    assert inbox.recipients() == [DESK]


def test_no_service_desk_no_mail(outsourced, smtp_server) -> None:
    from ordna.core.models import Supplier

    Supplier.objects.update(service_desk_email="")
    assert supplier_requests_open(today=TODAY, actor=Actor.system("test")) == []
    assert SupplierRequest.objects.count() == 0


def test_the_service_desk_address_through_the_api_and_the_command_line(make_user, capsys) -> None:
    from django.core.management import call_command

    from ordna.core.models import Supplier
    from ordna.core.services import token_create

    token = token_create(user=make_user("coordinator"), actor=Actor.system("test"))
    api = Client(headers={"Authorization": f"Bearer {token}"})
    made = api.post(
        "/api/v1/suppliers",
        {"name": "Voorbeeld Software BV", "service_desk_email": "Support@Voorbeeld.example.nl"},
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["service_desk_email"] == "support@voorbeeld.example.nl"
    bad = api.post(
        "/api/v1/suppliers", {"name": "Other BV", "service_desk_email": "support@"}, content_type="application/json"
    )
    assert bad.status_code == 422 and "is not a mail address" in bad.json()["detail"]
    call_command("supplier", "add", "Example Desk AB", "--service-desk-email", "desk@desk.example.org")
    assert Supplier.objects.get(name="Example Desk AB").service_desk_email == "desk@desk.example.org"
