"""The supplier's service desk (docs/notifications.md): the accounts and licences an outsourced supplier must take back
for a leaver, in the systems it runs, go to its service-desk address as one mail per case and supplier.

- The mail carries a reference that stays the same for the case (`ORDNA-<case>-<supplier>`, in the subject,
  so the desk's ticket system threads it), the accounts, and the due date: the contract's service level where
  a contract covering the application has a resolution target (suppliers.selectors' rule; business hours
  counted as whole business days of ORDNA_BUSINESS_HOURS from the day of the mail), else the line's own.
- It is sent once, when the first of those lines comes within the reminder lead time, and again under the
  same reference only when accounts were added to the case since. The lines climb the reminder ladder as
  any line does (the supplier's portal users, the role's lead, the IT coordinators).
- A signed link lets the desk record its own ticket reference and "done": a claim, shown on the case,
  never a verification. The lines are verified only by the next export or the connector's read-back.
- Sending is a digest's: a conditional update claims the request, a mail server that is down puts it back
  with a later attempt (backoff), and it is never sent twice for one claim.
"""

from __future__ import annotations

import math
import smtplib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ordna.applications.models import Application
from ordna.core.action_links import (
    action_link_actor,
    action_link_check,
    action_link_issue,
    action_link_url,
    action_link_use,
    action_links_revoke_ids,
)
from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.core.business_days import add_business_days, is_business_day
from ordna.core.models import Supplier
from ordna.lifecycle.engine import LifecycleError
from ordna.lifecycle.models import (
    SUPPLIER_LINK,
    CaseStatus,
    Line,
    LineKind,
    LineState,
    RequestState,
    Responsible,
    SupplierRequest,
)
from ordna.notifications.services import CLAIM_TIMEOUT, backoff
from ordna.suppliers.selectors import resolution_hours_for

TAKE_BACK = (LineKind.ACCOUNT, LineKind.LICENCE)


def reference_of(case_id: int, supplier_id: int) -> str:
    return f"ORDNA-{case_id}-{supplier_id}"


def business_hours_per_day() -> int:
    start, _sep, end = settings.ORDNA_BUSINESS_HOURS.partition("-")
    (start_hour, start_minute), (end_hour, end_minute) = (map(int, t.split(":")) for t in (start, end))
    return max(1, round((end_hour * 60 + end_minute - start_hour * 60 - start_minute) / 60))


def sla_due(hours: int, *, today: date, country: str) -> date:
    """A resolution target in business hours as the business day it falls on, counted from `today`."""
    return add_business_days(today, max(1, math.ceil(hours / business_hours_per_day())), country)


def _open_lines(*, horizon: date) -> dict[tuple[int, int], list[tuple[int, date, int | None]]]:
    """Open take-back lines for suppliers with a service desk, due by `horizon`, by (case, supplier)."""
    rows = Line.objects.filter(
        state=LineState.OPEN,
        case__status=CaseStatus.OPEN,
        responsible=Responsible.SUPPLIER,
        grant=False,
        kind__in=TAKE_BACK,
        due__lte=horizon,
        responsible_supplier__service_desk_email__gt="",
    ).values_list("id", "case_id", "responsible_supplier_id", "due", "application_id")
    grouped: dict[tuple[int, int], list[tuple[int, date, int | None]]] = defaultdict(list)
    for line_id, case_id, supplier_id, due, application_id in rows:
        grouped[(case_id, supplier_id)].append((line_id, due, application_id))
    return grouped


def _due(lines: Iterable[tuple[int, date, int | None]], *, supplier_id: int, today: date, country: str) -> date:
    """The earliest due date among the lines: each by its contract's service level where one applies."""
    apps = Application.objects.in_bulk({app for _line, _due, app in lines if app is not None})
    dues = []
    for _line_id, due, app_id in lines:
        app = apps.get(app_id) if app_id is not None else None
        hours = resolution_hours_for(application=app, supplier_id=supplier_id, on=today) if app else None
        dues.append(sla_due(hours, today=today, country=country) if hours else due)
    return min(dues)


def supplier_requests_open(*, today: date, actor: Actor) -> list[SupplierRequest]:
    """Make the requests that are due today, and mark for an update those whose case has new accounts; returns
    the requests to send. Idempotent: a second run the same day adds nothing. Not on weekends or holidays."""
    country = settings.ORDNA_HOLIDAY_COUNTRY
    if not is_business_day(today, country):
        return []
    horizon = add_business_days(today, settings.ORDNA_REMIND_BEFORE_DAYS, country)
    grouped = _open_lines(horizon=horizon)
    if not grouped:
        return []
    known = {
        (r.case_id, r.supplier_id): r
        for r in SupplierRequest.objects.filter(case_id__in={case for case, _s in grouped})
    }
    desks = dict(Supplier.objects.filter(pk__in={s for _c, s in grouped}).values_list("id", "service_desk_email"))
    now = timezone.now()
    changed = []
    with transaction.atomic():
        for (case_id, supplier_id), lines in sorted(grouped.items()):
            line_ids = sorted(line_id for line_id, _due, _app in lines)
            request = known.get((case_id, supplier_id))
            if request is not None and set(line_ids) <= set(request.lines):
                continue
            due = _due(lines, supplier_id=supplier_id, today=today, country=country)
            if request is None:
                request = SupplierRequest.objects.create(
                    case_id=case_id,
                    supplier_id=supplier_id,
                    reference=reference_of(case_id, supplier_id),
                    address=desks[supplier_id],
                    due=due,
                    lines=line_ids,
                    next_attempt_at=now,
                    created_at=now,
                )
                action = "supplier_request.opened"
            else:
                request.lines = sorted(set(request.lines) | set(line_ids))
                request.due, request.address = min(request.due, due), desks[supplier_id]
                request.state, request.next_attempt_at, request.claimed_done_at = RequestState.PENDING, now, None
                request.save(update_fields=["lines", "due", "address", "state", "next_attempt_at", "claimed_done_at"])
                action = "supplier_request.updated"
            audit_record(
                actor=actor,
                action=action,
                target=request,
                after={"reference": request.reference, "lines": request.lines, "due": request.due},
            )
            changed.append(request)
    return changed


@dataclass(frozen=True)
class RequestLine:
    application: str
    subject: str
    kind: str
    state: str


def request_lines(request: SupplierRequest) -> list[RequestLine]:
    rows = (
        Line.objects.filter(pk__in=request.lines)
        .select_related("application")
        .order_by("application__name", "kind", "subject")
    )
    return [
        RequestLine(line.application.name if line.application else "", line.subject, line.kind, line.state)
        for line in rows
    ]


def request_message(request: SupplierRequest, *, link: str) -> EmailMultiAlternatives:
    """The mail, in ORDNA_LANGUAGE (a service desk has no language of its own in Ordna)."""
    with translation.override(settings.LANGUAGE_CODE):
        person = request.case.person
        context = {
            "request": request,
            "supplier": request.supplier,
            "person": person,
            "last_day": request.case.effective_date,
            "lines": [line for line in request_lines(request) if line.state == LineState.OPEN],
            "link": link,
            "update": request.mails_sent > 0,
            "link_days": settings.ORDNA_ACTION_LINK_DAYS,
        }
        subject = gettext("[%(reference)s] Take back the accounts of %(name)s by %(due)s") % {
            "reference": request.reference,
            "name": person.full_name,
            "due": request.due.isoformat(),
        }
        text = render_to_string("lifecycle/service_desk_mail.txt", context)
        html = render_to_string("lifecycle/service_desk_mail.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [request.address])
    message.attach_alternative(html, "text/html")
    return message


def supplier_request_send(*, request_id: int, now: datetime | None = None) -> str:
    """Send one request if it is due and nobody else is sending it; returns sent, retry or skipped."""
    now = now or timezone.now()
    claimable = Q(state=RequestState.PENDING, next_attempt_at__lte=now) | Q(
        state=RequestState.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT
    )
    claimed = SupplierRequest.objects.filter(claimable, pk=request_id).update(
        state=RequestState.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return "skipped"
    request = SupplierRequest.objects.select_related("case__person", "supplier").get(pk=request_id)
    link, token = action_link_issue(
        purpose=SUPPLIER_LINK,
        target_id=request.pk,
        address=request.address,
        name=request.supplier.name,
        language=settings.LANGUAGE_CODE,
    )
    try:
        request_message(request, link=action_link_url(SUPPLIER_LINK, token)).send(fail_silently=False)
    except (OSError, smtplib.SMTPException) as exc:
        action_links_revoke_ids(link_ids=[link.pk], because="mail not delivered")
        SupplierRequest.objects.filter(pk=request_id, state=RequestState.SENDING).update(
            state=RequestState.PENDING, next_attempt_at=now + backoff(request.attempts), last_error=str(exc)[:1000]
        )
        return "retry"
    with transaction.atomic():
        SupplierRequest.objects.filter(pk=request_id).update(
            state=RequestState.SENT, sent_at=timezone.now(), mails_sent=F("mails_sent") + 1, last_error=""
        )
        audit_record(
            actor=Actor.system("service desk"),
            action="supplier_request.sent",
            target=request,
            after={"reference": request.reference, "attempts": request.attempts},
        )
    return "sent"


def supplier_requests_send_due(*, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    due = SupplierRequest.objects.filter(
        Q(state=RequestState.PENDING, next_attempt_at__lte=now)
        | Q(state=RequestState.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
    ).order_by("next_attempt_at", "id")
    outcomes = {"sent": 0, "retry": 0, "skipped": 0}
    for request_id in list(due.values_list("id", flat=True)):
        outcomes[supplier_request_send(request_id=request_id, now=now)] += 1
    return outcomes


def supplier_request_page(token: str) -> SupplierRequest:
    """The request a desk's link opens (`LinkRefused` if the link cannot be used). Reads only."""
    link = action_link_check(token, purpose=SUPPLIER_LINK)
    return SupplierRequest.objects.select_related("case__person", "supplier").get(pk=link.target_id)


def supplier_request_record(*, token: str, ticket_reference: str, done: bool) -> SupplierRequest:
    """The desk records its ticket reference, and with `done` claims the work done (which uses the link up).
    A claim only: the lines stay open until an export or a read-back shows the accounts disabled."""
    ticket_reference = " ".join(ticket_reference.split())[:100]
    with transaction.atomic():
        link = action_link_check(token, purpose=SUPPLIER_LINK)
        request = SupplierRequest.objects.select_for_update().get(pk=link.target_id)
        if not ticket_reference and not request.ticket_reference:
            raise LifecycleError(_("Ticket: give your ticket reference."), field="ticket")
        if done:
            link = action_link_use(token=token, purpose=SUPPLIER_LINK)
        actor = action_link_actor(link)
        if ticket_reference:
            request.ticket_reference = ticket_reference
        if done:
            request.claimed_done_at, request.claimed_by = timezone.now(), actor.label[:150]
        request.save(update_fields=["ticket_reference", "claimed_done_at", "claimed_by"])
        audit_record(
            actor=actor,
            action="supplier_request.done_claimed" if done else "supplier_request.ticket_recorded",
            target=request,
            after={"reference": request.reference, "ticket": request.ticket_reference, "done": done},
        )
    return request


def requests_of_case(case_id: int) -> dict[int, SupplierRequest]:
    """The case's service-desk requests by supplier, for the case page (the desk's claim beside its lines)."""
    return {r.supplier_id: r for r in SupplierRequest.objects.filter(case_id=case_id)}
