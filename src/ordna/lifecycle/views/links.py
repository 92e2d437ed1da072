"""The pages a signed link in a mail opens without signing in: a line, and the supplier's service desk."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from ordna.core.action_links import INVALID, LinkRefused, action_link_refusal_record
from ordna.core.clock import today
from ordna.core.web import client_address, rate_limited
from ordna.lifecycle import by_link, service_desk
from ordna.lifecycle.engine import LifecycleError
from ordna.lifecycle.models import (
    LINE_LINK,
    SUPPLIER_LINK,
)


def _link_refused(request: HttpRequest, refusal: LinkRefused, *, purpose: str = LINE_LINK) -> HttpResponse:
    """The page of a refused link: what happened and how to get a new one; the refusal is audited."""
    link = refusal.link
    action_link_refusal_record(reason=refusal.reason, link=link, client=client_address(request), purpose=purpose)
    status = 404 if refusal.reason == INVALID else 410
    with translation.override(link.language if link is not None and link.language else translation.get_language()):
        return render(
            request, "lifecycle/by_link_refused.html", {"reason": refusal.reason, "link": link}, status=status
        )


@rate_limited("action-links", per_hour=lambda: settings.ORDNA_ACTION_LINK_REQUESTS_PER_HOUR)
def line_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """A line's page for the person the reminder went to: the same attest or waive as the button in the case,
    by the same service, with that person as the actor."""
    try:
        page = by_link.line_page(token)
    except LinkRefused as refusal:
        return _link_refused(request, refusal)
    with translation.override(page.link.language or translation.get_language()):
        context: dict[str, object] = {"page": page, "case": page.line.case, "line": page.line, "token": token}
        status = 200
        if request.method == "POST":
            try:
                closed = by_link.line_close_by_link(
                    token=token,
                    today=today(),
                    outcome=request.POST.get("outcome", ""),
                    note=request.POST.get("note", ""),
                    reason=request.POST.get("reason", ""),
                    returned=[int(v) for v in request.POST.getlist("returned") if v.isdigit()],
                    last_day_confirmed=request.POST.get("last_day") == "1",
                )
            except LinkRefused as refusal:
                return _link_refused(request, refusal)
            except LifecycleError as exc:
                context["error"], status = str(exc), 422
            else:
                context["pending"] = closed.pending
                return render(request, "lifecycle/by_link_done.html", context)
        return render(request, "lifecycle/by_link.html", context, status=status)


@rate_limited("action-links", per_hour=lambda: settings.ORDNA_ACTION_LINK_REQUESTS_PER_HOUR)
def service_desk_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """The supplier's service desk records its ticket reference and "done" (a claim) for one case."""
    try:
        supplier_request = service_desk.supplier_request_page(token)
    except LinkRefused as refusal:
        return _link_refused(request, refusal, purpose=SUPPLIER_LINK)
    context: dict[str, object] = {
        "supplier_request": supplier_request,
        "lines": service_desk.request_lines(supplier_request),
    }
    status = 200
    if request.method == "POST":
        try:
            supplier_request = service_desk.supplier_request_record(
                token=token,
                ticket_reference=request.POST.get("ticket", ""),
                done=request.POST.get("done") == "1",
            )
        except LinkRefused as refusal:
            return _link_refused(request, refusal, purpose=SUPPLIER_LINK)
        except LifecycleError as exc:
            context["error"], status = str(exc), 422
        else:
            context["supplier_request"], context["recorded"] = supplier_request, True
    return render(request, "lifecycle/service_desk.html", context, status=status)
