"""Acting on many selected lines in one step (docs/offboarding.md, "Many lines at once").

- "Claim": a supplier (or a coordinator) says the selected lines are done under their own ticket. A claim like
  a service desk's (service_desk.py): who, when and the ticket are shown on the line and audited, and the line
  stays open until the next export or connector read-back verifies it.
- "Attest" or "waive": an admin or IT coordinator closes the selected lines with one reason for all, each
  through the service that closes one line (closing.py), so its rules and refusals apply line by line.

All or nothing: when one line is refused, nothing is applied and the message names the line. Ids the user may
not close are `LinesNotFound` (the views answer 404), never acted on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordna.core.access import A, C
from ordna.core.actor import Actor
from ordna.core.audit import Change, audit_record_many
from ordna.lifecycle import closing
from ordna.lifecycle.engine import LifecycleError
from ordna.lifecycle.models import Line, LineState

BULK_ACTIONS = ("claim", "attest", "waive")
BULK_MAX = 500  # lines in one step: a page of my tasks is far fewer


class LinesNotFound(LifecycleError):
    """Some of the ids are not lines the user may close (or do not exist): answered as not found."""


class BulkConflict(closing.LineConflict):
    """A selected line changed meanwhile (closed, or a request waits on it): nothing was applied."""


@dataclass
class BulkOutcome:
    action: str
    lines: list[Line]
    pending: int = 0  # lines whose closing waits for a second person's approval


def bulk_ids(raw: Iterable[object]) -> list[int]:
    """The selected line ids, in order, once each; a value that is not an id is refused by name."""
    ids: list[int] = []
    for value in raw:
        text = str(value).strip()
        if not text.isdigit():
            raise LifecycleError(_("Lines: “%(value)s” is not a line id.") % {"value": text[:40]}, field="lines")
        if int(text) not in ids:
            ids.append(int(text))
    if not ids:
        raise LifecycleError(_("Lines: select at least one line."), field="lines")
    if len(ids) > BULK_MAX:
        raise LifecycleError(
            _("Lines: at most %(max)s lines in one step; %(count)s were selected.")
            % {"max": BULK_MAX, "count": len(ids)},
            field="lines",
        )
    return ids


def _named(line: Line) -> str:
    return f"#{line.pk} {line.subject}"


def lines_bulk(
    *,
    scope: QuerySet[Line],
    ids: list[int],
    action: str,
    actor: Actor,
    today: date,
    ticket: str = "",
    reason: str = "",
    reference: str = "",
    note: str = "",
    override: bool = False,
    override_reason: str = "",
) -> BulkOutcome:
    """Apply `action` to the lines `ids` of `scope` (the lines the actor may close), all or nothing."""
    if action not in BULK_ACTIONS:
        raise LifecycleError(_("Action: choose “done, our ticket”, attest or waive."), field="action")
    user = actor.user
    if action != "claim" and (user is None or not user.has_role(A, C)):
        raise LifecycleError(
            _(
                "Action: closing several lines at once is for admins and IT coordinators; record them as done "
                "under your ticket instead."
            ),
            field="action",
        )
    ticket = " ".join(ticket.split())[:100]
    if action == "claim" and not ticket:
        raise LifecycleError(_("Ticket: give your ticket reference."), field="ticket")
    with transaction.atomic():
        found = {line.pk: line for line in scope.filter(pk__in=ids).select_related("case").order_by("id")}
        missing = [pk for pk in ids if pk not in found]
        if missing:
            raise LinesNotFound(
                _("Lines: no line %(ids)s among the lines you may close; nothing was applied.")
                % {"ids": ", ".join(f"#{pk}" for pk in missing[:10])},
                field="lines",
            )
        lines = [found[pk] for pk in ids]
        if action == "claim":
            return BulkOutcome(action, _claim(lines, actor=actor, ticket=ticket))
        pending = 0
        for line in lines:
            try:
                if action == "attest":
                    outcome = closing.line_attest(
                        line=line,
                        actor=actor,
                        today=today,
                        reason=reason,
                        reference=reference,
                        note=note,
                        override=override,
                        override_reason=override_reason,
                    )
                else:
                    outcome = closing.line_waive(
                        line=line,
                        actor=actor,
                        today=today,
                        reason=reason,
                        override=override,
                        override_reason=override_reason,
                    )
            except LifecycleError as exc:
                refused = BulkConflict if isinstance(exc, closing.LineConflict) else LifecycleError
                raise refused(
                    _("%(line)s: %(why)s Nothing was applied to the selected lines.")
                    % {"line": _named(line), "why": exc},
                    field=exc.field or "lines",
                ) from exc
            pending += outcome.pending
        return BulkOutcome(action, lines, pending)


def _claim(lines: list[Line], *, actor: Actor, ticket: str) -> list[Line]:
    locked = {
        line.pk: line for line in Line.objects.select_for_update(of=("self",)).filter(pk__in=[x.pk for x in lines])
    }
    for line in lines:
        if locked[line.pk].state != LineState.OPEN:
            raise BulkConflict(
                _("%(line)s is %(state)s already: only open lines are claimed done. Nothing was applied.")
                % {"line": _named(line), "state": locked[line.pk].get_state_display()},
                field="lines",
            )
    now, who = timezone.now(), actor.label[:150]
    Line.objects.filter(pk__in=locked).update(claim_ticket=ticket, claimed_by=who, claimed_done_at=now)
    audit_record_many(
        actor=actor,
        changes=[
            Change(
                action="line.done_claimed",
                target_type="lifecycle.line",
                target_id=str(line.pk),
                before={"ticket": line.claim_ticket, "claimed_by": line.claimed_by},
                after={"ticket": ticket, "claimed_by": who, "subject": line.subject},
            )
            for line in lines
        ],
    )
    for line in lines:
        line.claim_ticket, line.claimed_by, line.claimed_done_at = ticket, who, now
    return lines
