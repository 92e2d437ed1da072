"""Closing a line by hand (DESIGN.md 3.2): a named user attests it (with an optional note and file) or waives it
(with a reason). Verified lines close by evidence instead (verification.py). Atomic and audited; the case
completes when its last open line closes."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.lifecycle.engine import LifecycleError, cases_complete, line_links_revoke
from ordna.lifecycle.models import CaseStatus, Line, LineState
from ordna.lifecycle.verification import contradictions_resolve

EVIDENCE_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".txt", ".eml", ".msg", ".docx", ".xlsx", ".csv")


def _closable(line: Line) -> None:
    if line.state != LineState.OPEN:
        raise LifecycleError(f"the line is {line.state} already")
    if line.case.status == CaseStatus.CANCELLED:
        raise LifecycleError("the case is cancelled")


def _check_evidence(upload: UploadedFile) -> None:
    name = Path(upload.name or "").name
    if Path(name).suffix.lower() not in EVIDENCE_SUFFIXES:
        raise LifecycleError(f"evidence: {name!r} is not one of the accepted types ({', '.join(EVIDENCE_SUFFIXES)})")
    if upload.size is not None and upload.size > settings.EVIDENCE_MAX_BYTES:
        raise LifecycleError(f"evidence: {name!r} is larger than 10 MB")


def line_attest(*, line: Line, actor: Actor, note: str = "", evidence: UploadedFile | None = None) -> Line:
    """A named user states the line is done, with an optional note and file; the case completes if it was
    the last open line."""
    _closable(line)
    if evidence is not None:
        _check_evidence(evidence)
    with transaction.atomic():
        line.state, line.closed_by, line.closed_at = LineState.ATTESTED, actor.label[:150], timezone.now()
        line.note = note.strip()
        if evidence is not None:
            line.evidence.save(Path(evidence.name or "evidence").name, evidence, save=False)
        line.save(update_fields=["state", "closed_by", "closed_at", "note", "evidence"])
        audit_record(
            actor=actor,
            action="line.attested",
            target=line,
            before={"state": "open"},
            after={"state": "attested", "note": line.note, "evidence": line.evidence.name or None},
        )
        line_links_revoke([line.pk], because="line attested")
        contradictions_resolve([line.pk])
        cases_complete(case_ids=[line.case_id], actor=actor)
    return line


def line_waive(*, line: Line, actor: Actor, reason: str) -> Line:
    """A named user waives the line with a reason (required)."""
    reason = (reason or "").strip()
    if not reason:
        raise LifecycleError("reason: waiving a line needs a reason")
    _closable(line)
    with transaction.atomic():
        line.state, line.closed_by, line.closed_at, line.note = (
            LineState.WAIVED,
            actor.label[:150],
            timezone.now(),
            reason,
        )
        line.save(update_fields=["state", "closed_by", "closed_at", "note"])
        audit_record(
            actor=actor,
            action="line.waived",
            target=line,
            before={"state": "open"},
            after={"state": "waived", "reason": reason},
        )
        line_links_revoke([line.pk], because="line waived")
        contradictions_resolve([line.pk])
        cases_complete(case_ids=[line.case_id], actor=actor)
    return line
