"""A line's history as people read it (issue 28): each time it reopened, why (the import that contradicted it,
or the last day that moved after its proof), and how it had closed before. The case page, the certificate and
the evidence pack show these sentences; `LineReopening` keeps the facts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from ordna.lifecycle.models import AttestReason, LineKind, LineReopening, LineState, ReopenCause, VerifiedBy


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


def reopenings_of(line_ids: Iterable[int]) -> dict[int, list[LineReopening]]:
    """The reopenings of the lines, oldest first, by line; one query."""
    found: dict[int, list[LineReopening]] = {}
    for reopening in LineReopening.objects.filter(line_id__in=list(line_ids)).order_by("line_id", "reopened_at", "id"):
        found.setdefault(reopening.line_id, []).append(reopening)
    return found


def why_reopened(reopening: LineReopening, kind: str) -> str:
    """Why the line of `kind` reopened, and when, in one sentence."""
    values = {"when": _when(reopening.reopened_at), "run": reopening.import_run_id, "taken": _when(reopening.taken_at)}
    if reopening.cause == ReopenCause.LAST_DAY_MOVED:
        return _("Reopened %(when)s: the last day moved after its proof.") % values
    if reopening.import_run_id is None:
        if kind == LineKind.LICENCE:
            return _("Reopened %(when)s: a later export shows the licence assigned again.") % values
        return _("Reopened %(when)s: a later export shows the account active again.") % values
    if kind == LineKind.LICENCE:
        return (
            _("Reopened %(when)s: import #%(run)s (export taken %(taken)s) shows the licence assigned again.") % values
        )
    return _("Reopened %(when)s: import #%(run)s (export taken %(taken)s) shows the account active again.") % values


def how_it_had_closed(reopening: LineReopening) -> str:
    """How the line had closed before it reopened, in one sentence."""
    who = {"who": reopening.was_closed_by or "—", "when": _when(reopening.was_closed_at)}
    if reopening.was_state == LineState.VERIFIED:
        if reopening.was_proof_run_id is not None and reopening.was_verified_by == VerifiedBy.IMPORT:
            return _("It had been verified by import #%(run)s (export taken %(taken)s).") % {
                "run": reopening.was_proof_run_id,
                "taken": _when(reopening.was_proof_taken_at),
            }
        how = dict(VerifiedBy.choices).get(reopening.was_verified_by, reopening.was_verified_by)
        return _("It had been verified by %(how)s (proof taken %(taken)s).") % {
            "how": how,
            "taken": _when(reopening.was_proof_taken_at),
        }
    if reopening.was_state == LineState.ATTESTED:
        reason = dict(AttestReason.choices).get(reopening.was_attest_reason, "")
        return _("It had been attested by %(who)s, %(when)s: %(reason)s.") % {
            **who,
            "reason": str(reason or reopening.was_note or "—"),
        }
    return _("It had been waived by %(who)s, %(when)s.") % who


def history_sentences(reopenings: Iterable[LineReopening], kind: str) -> list[str]:
    """Each reopening of a line of `kind`, oldest first: why, and how it had closed."""
    return [f"{why_reopened(r, kind)} {how_it_had_closed(r)}" for r in reopenings]


def histories(lines: Iterable[tuple[int, str]]) -> dict[int, list[str]]:
    """The history sentences of the (line id, kind) pairs that reopened at least once; one query."""
    kinds = dict(lines)
    return {line_id: history_sentences(found, kinds[line_id]) for line_id, found in reopenings_of(kinds).items()}
