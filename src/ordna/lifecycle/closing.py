"""Closing a line by hand (docs/offboarding.md, issue 16 "Proof, not clicks"): every rule of it lives here, so that the
web, the API and a signed action link all get the same ones.

- Account and licence lines close by proof (verification.py). Attesting one instead needs a reason from a fixed
  list (`attest_reasons_for`), text, optionally a file, and is possible only from the case's effective date (the
  last day) on: before it, the person may still use what is attested as removed. Device lines close by a check-in;
  attesting one is held to the same rules (a device handed in early is checked in, not vouched for). Tasks may be
  attested whenever they are done (a handover happens before the last day), with optional text.
- A user closes the lines they are responsible for; an admin or IT coordinator closes someone else's only as an
  override, asked for and explained, recorded on the line and in the audit (scopes.py).
- A waiver needs a reason; a waiver, and an override, wait for a second person's approval when
  ORDNA_WAIVER_APPROVAL is true (the default): a `ClosingRequest` leaves the line open, shown as requested,
  until an admin or IT coordinator other than the requester approves or rejects it. With the setting false they
  close the line at once.
- Two people closing the same line at once: the line's row is locked and its state read again, so one wins and
  the other is told what happened (`LineConflict`).

Atomic and audited; the case completes when its last open line closes (engine.cases_complete).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.lifecycle.engine import LifecycleError, cases_complete, line_links_revoke
from ordna.lifecycle.models import AttestReason, CaseStatus, ClosingRequest, Line, LineKind, LineState
from ordna.lifecycle.scopes import ClosingRight, line_closing_right, may_approve
from ordna.lifecycle.verification import contradictions_resolve

EVIDENCE_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".txt", ".eml", ".msg", ".docx", ".xlsx", ".csv")
ACCOUNT_REASONS = (
    AttestReason.NO_EXPORT,
    AttestReason.SUPPLIER_TICKET,
    AttestReason.ADMIN_CONSOLE,
    AttestReason.OTHER,
)
DEVICE_REASONS = (AttestReason.RETURNED_ELSEWHERE, AttestReason.OTHER)


class LineConflict(LifecycleError):
    """The line (or request) changed meanwhile: closed by someone else, or a request waits. The message says
    its state; nothing was changed (the API answers 409)."""


@dataclass(frozen=True)
class ClosingOutcome:
    """What closing did: the line closed, or (`request` set) a request waits for a second person's approval."""

    line: Line
    request: ClosingRequest | None = None

    @property
    def pending(self) -> bool:
        return self.request is not None


def attest_reasons_for(line: Line) -> tuple[str, ...]:
    """The reasons a line may be attested with; empty for lines attested with free text alone (tasks, and the
    lines that give a joiner or mover something)."""
    if line.grant or line.kind == LineKind.TASK:
        return ()
    return DEVICE_REASONS if line.kind == LineKind.DEVICE else ACCOUNT_REASONS


def attestable_from(line: Line) -> date | None:
    """The first day `line` may be attested: the case's effective date (the last day) for what proof could show
    done, else any day (None)."""
    return line.case.effective_date if attest_reasons_for(line) else None


def party_of(line: Line) -> str:
    """Who is responsible for the line, as people read it."""
    role = str(line.get_responsible_display())
    if line.responsible_supplier_id is not None:
        return f"{role}: {line.responsible_supplier.name}"  # type: ignore[union-attr]
    if line.responsible_person_id is not None and line.responsible != "employee":
        return f"{role}: {line.responsible_person.full_name}"  # type: ignore[union-attr]
    return role


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _check_evidence(upload: UploadedFile) -> None:
    name = Path(upload.name or "").name
    if Path(name).suffix.lower() not in EVIDENCE_SUFFIXES:
        raise LifecycleError(
            _("File: %(name)s is not one of the accepted types (%(types)s).")
            % {"name": name, "types": ", ".join(EVIDENCE_SUFFIXES)}
        )
    if upload.size is not None and upload.size > settings.EVIDENCE_MAX_BYTES:
        raise LifecycleError(_("File: %(name)s is larger than 10 MB.") % {"name": name})


def _pending(line_id: int) -> ClosingRequest | None:
    return ClosingRequest.objects.filter(line_id=line_id, decision=ClosingRequest.Decision.PENDING).first()


def _locked(line: Line) -> Line:
    """The line's row, locked until the transaction ends and read again: a second click waits here and then
    finds the line closed (or a request waiting) instead of closing it twice."""
    locked = (
        Line.objects.select_for_update(of=("self",))
        .select_related("case", "responsible_person", "responsible_supplier")
        .get(pk=line.pk)
    )
    if locked.state != LineState.OPEN:
        raise LineConflict(
            _("This line was closed already (%(state)s by %(who)s, %(when)s); nothing was changed.")
            % {"state": locked.get_state_display(), "who": locked.closed_by, "when": _when(locked.closed_at)}
        )
    if locked.case.status == CaseStatus.CANCELLED:
        raise LifecycleError(_("The case is cancelled: its lines are not closed any more."))
    waiting = _pending(locked.pk)
    if waiting is not None:
        raise LineConflict(
            _(
                "%(kind)s by %(who)s waits for approval on this line already: it must be approved, rejected or "
                "withdrawn first; nothing was changed."
            )
            % {"kind": waiting.get_kind_display(), "who": waiting.requested_by}
        )
    return locked


def _is_override(actor: Actor, line: Line, override: bool, override_reason: str) -> bool:
    """Whether `actor` closes `line` as an override; refuses when they may not close it, or may only by an
    override they did not ask for or explain."""
    right = line_closing_right(actor, line)
    if right is ClosingRight.NONE:
        raise LifecycleError(
            _(
                "You are not responsible for this line (%(party)s is): they close it, or an admin or IT "
                "coordinator by override."
            )
            % {"party": party_of(line)}
        )
    if right is ClosingRight.OWN:
        return False  # their own line: nothing to override
    if not override:
        raise LifecycleError(
            _(
                "This line is for %(party)s to close. To close it for them, choose “Override” and say why: it is "
                "recorded as an override."
            )
            % {"party": party_of(line)}
        )
    if not override_reason.strip():
        raise LifecycleError(_("Override: say why you close this line for %(party)s.") % {"party": party_of(line)})
    return True


def _check_attestation(line: Line, *, reason: str, reference: str, note: str, today: date) -> None:
    reasons = attest_reasons_for(line)
    if not reasons:
        return
    first_day = attestable_from(line)
    if first_day is not None and today < first_day:
        raise LifecycleError(
            _(
                "This can be attested from the last day on (%(date)s): until then the person may still use it. "
                "Close it then, or let an export or read-back taken after the last day verify it."
            )
            % {"date": first_day.isoformat()}
        )
    if reason not in reasons:
        labels = dict(AttestReason.choices)
        raise LifecycleError(
            _("Reason: choose why you vouch for it instead of proof: %(choices)s.")
            % {"choices": "; ".join(str(labels[r]) for r in reasons)}
        )
    if reason == AttestReason.SUPPLIER_TICKET and not reference:
        raise LifecycleError(_("Reference: give the number of the supplier's ticket."))
    if not note:
        raise LifecycleError(_("Text: say what was done, where and when."))


def _request(
    line: Line,
    *,
    kind: str,
    actor: Actor,
    note: str,
    reason: str = "",
    reference: str = "",
    evidence: UploadedFile | None = None,
    override: bool,
    override_reason: str,
) -> ClosingRequest:
    request = ClosingRequest(
        line=line,
        kind=kind,
        note=note,
        attest_reason=reason,
        attest_reference=reference,
        override=override,
        override_reason=override_reason if override else "",
        requested_by=actor.label[:150],
        requested_by_user=actor.user,
        requested_at=timezone.now(),
    )
    if evidence is not None:
        request.evidence.save(Path(evidence.name or "evidence").name, evidence, save=False)
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:  # one pending request per line: someone else's came first
        raise LineConflict(_("A request to close this line waits for approval already; nothing was changed.")) from None
    audit_record(
        actor=actor,
        action="line.closing_requested",
        target=line,
        after={
            "kind": kind,
            "note": note,
            "reason": reason or None,
            "reference": reference or None,
            "override": override,
            "override_reason": request.override_reason or None,
            "request": request.pk,
        },
    )
    return request


def _close(
    line: Line,
    *,
    state: str,
    actor: Actor,
    today: date,
    closed_by: str,
    note: str,
    reason: str = "",
    reference: str = "",
    evidence: UploadedFile | str | None = None,
    override: bool = False,
    override_reason: str = "",
    approved_by: str = "",
) -> Line:
    """Close the locked, open `line` as attested or waived, audit it, and complete its case if it was the last."""
    now = timezone.now()
    if isinstance(evidence, str):
        line.evidence.name = evidence
    elif evidence is not None:
        line.evidence.save(Path(evidence.name or "evidence").name, evidence, save=False)
    values = {
        "state": state,
        "closed_by": closed_by[:150],
        "closed_at": now,
        "note": note,
        "attest_reason": reason,
        "attest_reference": reference,
        "evidence": line.evidence.name or "",
        "override": override,
        "override_reason": override_reason if override else "",
        "approved_by": approved_by[:150],
        "approved_at": now if approved_by else None,
    }
    if not Line.objects.filter(pk=line.pk, state=LineState.OPEN).update(**values):  # pragma: no cover - locked
        raise LineConflict(_("This line was closed by someone else meanwhile; nothing was changed."))
    for name, value in values.items():
        setattr(line, name, value)
    audit_record(
        actor=actor,
        action=f"line.{state}",
        target=line,
        before={"state": "open"},
        after={
            "state": state,
            "by": line.closed_by,
            "note": note,
            "reason": reason or None,
            "reference": reference or None,
            "evidence": line.evidence.name or None,
            "override": override,
            "override_reason": line.override_reason or None,
            "approved_by": approved_by or None,
        },
    )
    line_links_revoke([line.pk], because=f"line {state}")  # the reminders' links to it stop working
    contradictions_resolve([line.pk])
    cases_complete(case_ids=[line.case_id], actor=actor, today=today)
    return line


def line_attest(
    *,
    line: Line,
    actor: Actor,
    today: date,
    reason: str = "",
    reference: str = "",
    note: str = "",
    evidence: UploadedFile | None = None,
    override: bool = False,
    override_reason: str = "",
) -> ClosingOutcome:
    """A named user vouches that the line is done: its responsible party, or an admin or IT coordinator by
    override (which waits for a second person's approval under ORDNA_WAIVER_APPROVAL). See the module's rules."""
    note, reference, override_reason = note.strip(), reference.strip(), override_reason.strip()
    if evidence is not None:
        _check_evidence(evidence)
    with transaction.atomic():
        locked = _locked(line)
        is_override = _is_override(actor, locked, override, override_reason)
        _check_attestation(locked, reason=reason, reference=reference, note=note, today=today)
        if not attest_reasons_for(locked):
            reason, reference = "", ""
        if is_override and settings.ORDNA_WAIVER_APPROVAL:
            request = _request(
                locked,
                kind=ClosingRequest.Kind.ATTEST,
                actor=actor,
                note=note,
                reason=reason,
                reference=reference,
                evidence=evidence,
                override=True,
                override_reason=override_reason,
            )
            return ClosingOutcome(locked, request)
        closed = _close(
            locked,
            state=LineState.ATTESTED,
            actor=actor,
            today=today,
            closed_by=actor.label,
            note=note,
            reason=reason,
            reference=reference,
            evidence=evidence,
            override=is_override,
            override_reason=override_reason,
        )
    return ClosingOutcome(closed)


def line_waive(
    *, line: Line, actor: Actor, today: date, reason: str, override: bool = False, override_reason: str = ""
) -> ClosingOutcome:
    """A named user waives the line with a reason; under ORDNA_WAIVER_APPROVAL it waits for a second person's
    approval, else it closes at once."""
    reason, override_reason = (reason or "").strip(), override_reason.strip()
    if not reason:
        raise LifecycleError(_("Reason: say why this line need not be done."))
    with transaction.atomic():
        locked = _locked(line)
        is_override = _is_override(actor, locked, override, override_reason)
        if settings.ORDNA_WAIVER_APPROVAL:
            request = _request(
                locked,
                kind=ClosingRequest.Kind.WAIVE,
                actor=actor,
                note=reason,
                override=is_override,
                override_reason=override_reason,
            )
            return ClosingOutcome(locked, request)
        closed = _close(
            locked,
            state=LineState.WAIVED,
            actor=actor,
            today=today,
            closed_by=actor.label,
            note=reason,
            override=is_override,
            override_reason=override_reason,
        )
    return ClosingOutcome(closed)


def _locked_request(request: ClosingRequest) -> ClosingRequest:
    locked = ClosingRequest.objects.select_for_update(of=("self",)).select_related("line__case").get(pk=request.pk)
    if locked.decision != ClosingRequest.Decision.PENDING:
        raise LineConflict(
            _("This request was decided already (%(decision)s by %(who)s, %(when)s); nothing was changed.")
            % {"decision": locked.get_decision_display(), "who": locked.decided_by, "when": _when(locked.decided_at)}
        )
    return locked


def _check_approver(actor: Actor, request: ClosingRequest) -> None:
    if not may_approve(actor.user):
        raise LifecycleError(_("Only an admin or IT coordinator approves or rejects a request to close a line."))
    if actor.user is not None and actor.user.pk == request.requested_by_user_id:
        raise LifecycleError(
            _(
                "You asked for this yourself: a second person, another admin or IT coordinator, must approve or "
                "reject it. You may withdraw it."
            )
        )


def _decide(request: ClosingRequest, *, actor: Actor, decision: str, note: str) -> None:
    request.decision, request.decided_by, request.decided_by_user = decision, actor.label[:150], actor.user
    request.decided_at, request.decision_note = timezone.now(), note
    request.save(update_fields=["decision", "decided_by", "decided_by_user", "decided_at", "decision_note"])
    audit_record(
        actor=actor,
        action=f"line.closing_{decision}",
        target=request.line,
        before={"request": request.pk, "decision": "pending"},
        after={"request": request.pk, "decision": decision, "note": note or None},
    )


def closing_request_approve(*, request: ClosingRequest, actor: Actor, today: date, note: str = "") -> Line:
    """A second person (an admin or IT coordinator, never the requester) approves: the line closes as the
    request asked (attested or waived), by the requester, with the approver named."""
    with transaction.atomic():
        locked = _locked_request(request)
        _check_approver(actor, locked)
        line = Line.objects.select_for_update(of=("self",)).select_related("case").get(pk=locked.line_id)
        if line.state != LineState.OPEN:  # pragma: no cover - a pending request keeps its line open
            raise LineConflict(_("This line was closed already; nothing was changed."))
        if locked.kind == ClosingRequest.Kind.ATTEST:
            first_day = attestable_from(line)
            if first_day is not None and today < first_day:  # the last day moved since it was asked
                raise LifecycleError(
                    _("This can be attested from the last day on (%(date)s); approve it then or reject it.")
                    % {"date": first_day.isoformat()}
                )
        _decide(locked, actor=actor, decision=ClosingRequest.Decision.APPROVED, note=note.strip())
        return _close(
            line,
            state=LineState.ATTESTED if locked.kind == ClosingRequest.Kind.ATTEST else LineState.WAIVED,
            actor=actor,
            today=today,
            closed_by=locked.requested_by,
            note=locked.note,
            reason=locked.attest_reason,
            reference=locked.attest_reference,
            evidence=locked.evidence.name or None,
            override=locked.override,
            override_reason=locked.override_reason,
            approved_by=actor.label,
        )


def closing_request_reject(*, request: ClosingRequest, actor: Actor, note: str) -> ClosingRequest:
    """A second person rejects the request, saying why; the line stays open for its responsible party."""
    note = note.strip()
    with transaction.atomic():
        locked = _locked_request(request)
        _check_approver(actor, locked)
        if not note:
            raise LifecycleError(_("Reason: say why the request is rejected, so the requester knows what to do."))
        _decide(locked, actor=actor, decision=ClosingRequest.Decision.REJECTED, note=note)
    return locked


def closing_request_withdraw(*, request: ClosingRequest, actor: Actor) -> ClosingRequest:
    """The requester takes the request back; the line stays open."""
    with transaction.atomic():
        locked = _locked_request(request)
        if actor.user is None or actor.user.pk != locked.requested_by_user_id:
            raise LifecycleError(_("Only the person who asked may withdraw the request."))
        _decide(locked, actor=actor, decision=ClosingRequest.Decision.WITHDRAWN, note="")
    return locked
