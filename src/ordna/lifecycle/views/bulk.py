"""Acting on the lines selected on my tasks in one step: a supplier's "done, our ticket N" (a claim), an
admin's or IT coordinator's attest or waive for all (lifecycle/bulk.py holds the rules)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.web import capability, user_of
from ordna.lifecycle import bulk
from ordna.lifecycle.engine import LifecycleError
from ordna.lifecycle.scopes import lines_closable_scope
from ordna.lifecycle.views.cases import _my_tasks_page


@capability("lines.close")
@require_POST
def lines_bulk(request: HttpRequest) -> HttpResponse:
    """Lines the user may not close answer 404 and nothing is done; a refusal shows my tasks again with the
    sentence naming the line (422, or 409 when a line changed meanwhile), nothing applied."""
    user = user_of(request)
    action = request.POST.get("action", "")
    try:
        ids = bulk.bulk_ids(request.POST.getlist("lines"))
        outcome = bulk.lines_bulk(
            scope=lines_closable_scope(user),
            ids=ids,
            action=action,
            actor=Actor.for_user(user),
            today=today(),
            ticket=request.POST.get("ticket", ""),
            reason=request.POST.get("attest_reason" if action == "attest" else "waive_reason", ""),
            reference=request.POST.get("reference", ""),
            note=request.POST.get("note", ""),
            override=request.POST.get("override") == "1",
            override_reason=request.POST.get("override_reason", ""),
        )
    except bulk.LinesNotFound as exc:
        raise Http404(str(exc)) from exc
    except LifecycleError as exc:
        status = 409 if isinstance(exc, bulk.BulkConflict) else 422
        return _my_tasks_page(request, bulk_error=str(exc), status=status)
    count = len(outcome.lines)
    if action == "claim":
        messages.success(
            request,
            ngettext(
                "%(count)s line recorded as done under your ticket: it stays open until the next export or "
                "read-back verifies it.",
                "%(count)s lines recorded as done under your ticket: they stay open until the next export or "
                "read-back verifies them.",
                count,
            )
            % {"count": count},
        )
    elif outcome.pending:
        messages.success(
            request,
            ngettext("%(count)s line sent for approval.", "%(count)s lines sent for approval.", outcome.pending)
            % {"count": outcome.pending},
        )
    else:
        messages.success(
            request, ngettext("%(count)s line closed.", "%(count)s lines closed.", count) % {"count": count}
        )
    return redirect("lifecycle:my_tasks")
