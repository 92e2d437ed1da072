"""Verifying case lines against evidence, and reopening what evidence contradicts (docs/offboarding.md, issue 28).

Lines that take back are verified when an import or a connector's read-back taken after the case's effective
date (the last day) shows the account disabled or gone (or the licence removed), or a device checked in; the
line records which import run (or read-back) and when its accounts were taken. Lines that give are verified
when an import shows the person's account active (with the licence), or a device of the kind checked out to
them.

An import proves only what its source shows (`AccountsChanged.proves_status`, `proves_licences`, `full`): a
status column proves an account disabled (or active), a licence column a licence removed (or assigned), a full
snapshot an account gone. One rule reopens what a later import contradicts, whatever closed it: a verified or
attested account line whose account an import taken after its proof (or the attestation) shows active again,
or a licence line whose licence it shows assigned again, reopens with the contradicting import in its history
(engine.lines_reopen), raises a `contradicted` finding that closing it again resolves, and takes a completed
case back to open.

Set-based and audited in the caller's transaction, like the rest of the engine (engine.py).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from ordna.accounts.models import Account, AccountStatus, Finding, FindingKind, FindingState
from ordna.core.actor import Actor
from ordna.core.audit import Change, audit_record, audit_record_many
from ordna.core.bulk import update_rows
from ordna.devices.models import Device, DeviceStatus
from ordna.lifecycle.engine import cases_complete, line_links_revoke, lines_reopen
from ordna.lifecycle.models import Case, CaseKind, CaseStatus, Line, LineKind, LineState, ReopenCause, VerifiedBy


def lines_verify(
    line_ids: Sequence[int],
    *,
    how: str,
    actor: Actor,
    label: str,
    taken_at: datetime | None = None,
    run_id: int | None = None,
) -> list[int]:
    """Mark open lines verified (`how`: an import, a read-back, a check-in) by the proof taken at `taken_at`
    (now when not given) in import run `run_id`, if any; returns the ids of their cases."""
    if not line_ids:
        return []
    now = timezone.now()
    case_ids = sorted(set(Line.objects.filter(pk__in=line_ids).values_list("case_id", flat=True)))
    Line.objects.filter(pk__in=line_ids, state=LineState.OPEN).update(
        state=LineState.VERIFIED,
        verified_by=how,
        closed_by=label,
        closed_at=now,
        proof_run_id=run_id,
        proof_taken_at=taken_at or now,
    )
    line_links_revoke(line_ids, because="line verified")
    audit_record_many(
        actor=actor,
        changes=[
            Change(
                "line.verified",
                "lifecycle.line",
                str(pk),
                before={"state": "open"},
                after={"state": "verified", "verified_by": how, "import_run": run_id},
            )
            for pk in line_ids
        ],
    )
    contradictions_resolve(line_ids)
    return case_ids


def take_backs_verify(
    *,
    application_id: int,
    seen_by: str,
    actor: Actor,
    today: date,
    taken_at: datetime,
    run_id: int | None = None,
    full: bool = True,
    proves_status: bool = True,
    proves_licences: bool = True,
    seen_at: datetime | None = None,
) -> tuple[int, int, set[int]]:
    """Bring the lines that take back in the application in line with its accounts as just seen (taken from the
    source at `taken_at`, in import run `run_id`, written at `seen_at`).

    First the lines the accounts contradict reopen (`contradicted_take_backs`). Then open lines of cases whose
    effective date is over by then are verified: an account line when the import shows its account disabled
    (`proves_status`) or gone (`full`), a licence line when it shows the licence removed (`proves_licences`) or
    the account gone. A delta or a single read-back (`full` false) vouches only for the accounts it listed.
    Returns (verified, reopened, the ids of the cases touched)."""
    label = f"{actor.label} ({seen_by})"[:150]
    lines = Line.objects.filter(
        account__application_id=application_id,
        grant=False,
        kind__in=[LineKind.ACCOUNT, LineKind.LICENCE],
        case__status__in=[CaseStatus.OPEN, CaseStatus.COMPLETED],
    )
    # The accounts this import listed: every one a full snapshot did not mark gone, or those a delta saw.
    listed = ~Q(account__status=AccountStatus.GONE) if full else Q(account__last_seen__gte=seen_at or taken_at)
    contradicted = contradicted_take_backs(
        lines.filter(listed), taken_at=taken_at, proves_status=proves_status, proves_licences=proves_licences
    )
    touched: set[int] = set()
    if contradicted:
        touched |= lines_contradicted_reopen(
            line_ids=contradicted, actor=actor, today=today, run_id=run_id, taken_at=taken_at
        )

    # Proof only after a leaver's last day (an export taken on it shows nothing the person could not undo) or
    # from a mover's move date on.
    taken_on = timezone.localtime(taken_at).date()
    provable = lines.filter(case__status=CaseStatus.OPEN, state=LineState.OPEN).filter(
        Q(case__kind=CaseKind.LEAVER, case__effective_date__lt=taken_on)
        | (~Q(case__kind=CaseKind.LEAVER) & Q(case__effective_date__lte=taken_on))
    )
    if not full:
        provable = provable.filter(listed)
    done = [AccountStatus.DISABLED] if proves_status else []
    if full:
        done.append(AccountStatus.GONE)
    verify = list(
        provable.filter(kind=LineKind.ACCOUNT, account__status__in=done).values_list("id", flat=True) if done else []
    )
    for line_id, subject, status, licenses in provable.filter(kind=LineKind.LICENCE).values_list(
        "id", "subject", "account__status", "account__licenses"
    ):
        if (full and status == AccountStatus.GONE) or (proves_licences and subject not in (licenses or ())):
            verify.append(line_id)
    touched |= set(lines_verify(verify, how=seen_by, actor=actor, label=label, taken_at=taken_at, run_id=run_id))
    return len(verify), len(contradicted), touched


def contradicted_take_backs(
    lines: QuerySet[Line], *, taken_at: datetime, proves_status: bool, proves_licences: bool
) -> list[int]:
    """Of `lines` (that take back, of accounts an import listed), the verified or attested ones the import
    contradicts: it was taken after their proof (or the attestation) and shows the account active (only a
    source that shows status can), or the licence still on the account (only one that shows licences can)."""
    closed_before = Q(state=LineState.VERIFIED, proof_taken_at__lt=taken_at) | Q(
        state=LineState.ATTESTED, closed_at__lt=taken_at
    )
    candidates = lines.filter(closed_before)
    found: list[int] = []
    if proves_status:
        found += candidates.filter(kind=LineKind.ACCOUNT, account__status=AccountStatus.ACTIVE).values_list(
            "id", flat=True
        )
    if proves_licences:
        for line_id, subject, licenses in (
            candidates.filter(kind=LineKind.LICENCE)
            .exclude(account__status=AccountStatus.GONE)
            .values_list("id", "subject", "account__licenses")
        ):
            if subject in (licenses or ()):
                found.append(line_id)
    return sorted(found)


def grants_verify(
    *,
    actor: Actor,
    application_id: int | None = None,
    person_ids: Collection[int] | None = None,
    taken_at: datetime | None = None,
    run_id: int | None = None,
    proves_status: bool = True,
    proves_licences: bool = True,
) -> set[int]:
    """Verify open account and licence lines that give, of open cases, when an active account of the case's
    person exists in the application (with the licence); the line then names the account and the proof (the
    import run, and when its accounts were taken: now when not given). Only what the source shows proves it:
    an account line needs its status (`proves_status`), a licence line its licences (`proves_licences`).
    Reads only the open lines that give (few) and those people's accounts in the application. Returns the
    cases touched."""
    kinds = [k for k, shown in ((LineKind.ACCOUNT, proves_status), (LineKind.LICENCE, proves_licences)) if shown]
    if not kinds:
        return set()
    lines = Line.objects.filter(grant=True, state=LineState.OPEN, case__status=CaseStatus.OPEN, kind__in=kinds)
    if application_id is not None:
        lines = lines.filter(application_id=application_id)
    if person_ids is not None:
        lines = lines.filter(case__person_id__in=list(person_ids))
    wanted = list(lines.values_list("id", "case_id", "kind", "subject", "application_id", "case__person_id"))
    if not wanted:
        return set()
    held: dict[tuple[int, int], tuple[int, set[str]]] = {}
    for account_id, app_id, person_id, licences in (
        Account.objects.filter(
            application_id__in={w[4] for w in wanted},
            person_id__in={w[5] for w in wanted},
            status=AccountStatus.ACTIVE,
        )
        .order_by("id")
        .values_list("id", "application_id", "person_id", "licenses")
    ):
        held.setdefault((app_id, person_id), (account_id, set(licences or ())))
    verified: list[tuple[int, int]] = []
    for line_id, _case, kind, subject, app_id, person_id in wanted:
        account = held.get((app_id, person_id))
        if account is None:
            continue
        if kind == LineKind.ACCOUNT or subject in account[1]:
            verified.append((line_id, account[0]))
    if not verified:
        return set()
    ids = [v[0] for v in verified]
    now = timezone.now()
    label = f"{actor.label} (import)"[:150]
    update_rows(
        Line,
        ("state", "verified_by", "closed_by", "closed_at", "account", "proof_run", "proof_taken_at"),
        [
            (LineState.VERIFIED, VerifiedBy.IMPORT, label, now, account_id, run_id, taken_at or now, line_id)
            for line_id, account_id in verified
        ],
    )
    audit_record_many(
        actor=actor,
        changes=[
            Change(
                "line.verified",
                "lifecycle.line",
                str(pk),
                before={"state": "open"},
                after={"state": "verified", "verified_by": "import"},
            )
            for pk in ids
        ],
    )
    return {w[1] for w in wanted if w[0] in set(ids)}


def grants_verify_device(*, device: Device, actor: Actor, today: date) -> int:
    """A device was checked out to its holder: the holder's first open device line of that kind that gives
    is verified (check-out) and names the device. Returns the number of lines verified (0 or 1)."""
    if device.holder_id is None or device.status != DeviceStatus.ISSUED:
        return 0
    line = (
        Line.objects.filter(
            grant=True,
            kind=LineKind.DEVICE,
            state=LineState.OPEN,
            subject=device.kind,
            case__status=CaseStatus.OPEN,
            case__person_id=device.holder_id,
        )
        .order_by("due", "id")
        .first()
    )
    if line is None:
        return 0
    line.state, line.verified_by = LineState.VERIFIED, VerifiedBy.CHECK_OUT
    line.closed_by, line.closed_at, line.device = actor.label[:150], timezone.now(), device
    line.proof_taken_at = line.closed_at
    line.save(update_fields=["state", "verified_by", "closed_by", "closed_at", "device", "proof_taken_at"])
    audit_record(
        actor=actor,
        action="line.verified",
        target=line,
        before={"state": "open"},
        after={"state": "verified", "verified_by": "check-out", "device": device.asset_tag},
    )
    cases_complete(case_ids=[line.case_id], actor=actor, today=today)
    return 1


def lines_contradicted_reopen(
    *, line_ids: Sequence[int], actor: Actor, today: date, run_id: int | None, taken_at: datetime
) -> set[int]:
    """Reopen the lines import run `run_id` (accounts taken at `taken_at`) contradicts, raise a `contradicted`
    finding for each account (and licence), and take their completed cases back to open. Returns the ids of the
    cases concerned."""
    rows = list(
        Line.objects.filter(pk__in=line_ids).values_list(
            "id", "case_id", "kind", "subject", "account_id", "account__application_id", "case__person_id"
        )
    )
    lines_reopen(line_ids, cause=ReopenCause.CONTRADICTED, actor=actor, run_id=run_id, taken_at=taken_at)
    live = set(
        Finding.objects.filter(
            kind=FindingKind.CONTRADICTED,
            account_id__in=[r[4] for r in rows],
            state__in=[FindingState.OPEN, FindingState.ACCEPTED],
        ).values_list("account_id", "license")
    )
    findings = []
    for _id, _case, kind, subject, account_id, app_id, person_id in rows:
        licence = subject if kind == LineKind.LICENCE else ""
        if (account_id, licence) not in live:
            live.add((account_id, licence))
            findings.append(
                Finding(
                    kind=FindingKind.CONTRADICTED,
                    application_id=app_id,
                    account_id=account_id,
                    license=licence,
                    person_id=person_id,
                    state=FindingState.OPEN,
                    since=today,
                )
            )
    Finding.objects.bulk_create(findings)
    case_ids = {r[1] for r in rows}
    completed = list(
        Case.objects.filter(pk__in=case_ids, status=CaseStatus.COMPLETED).values_list("id", "person_id", "kind")
    )
    busy = set(
        Case.objects.filter(person_id__in=[p for _, p, _k in completed], status=CaseStatus.OPEN).values_list(
            "person_id", "kind"
        )
    )
    reopen_cases = [c for c, p, k in completed if (p, k) not in busy]
    Case.objects.filter(pk__in=reopen_cases).update(status=CaseStatus.OPEN, completed_at=None)
    audit_record_many(
        actor=actor,
        changes=[
            Change(
                "case.reopened",
                "lifecycle.case",
                str(c),
                before={"status": "completed"},
                after={"status": "open", "cause": ReopenCause.CONTRADICTED, "import_run": run_id},
            )
            for c in reopen_cases
        ],
    )
    return case_ids


def contradictions_resolve(line_ids: Sequence[int]) -> None:
    """A line closed again resolves the finding its contradiction raised."""
    pairs = list(
        Line.objects.filter(pk__in=line_ids, account__isnull=False, reopened__gt=0).values_list(
            "account_id", "kind", "subject"
        )
    )
    for account_id, kind, subject in pairs:
        Finding.objects.filter(
            kind=FindingKind.CONTRADICTED,
            account_id=account_id,
            license=subject if kind == LineKind.LICENCE else "",
            state__in=[FindingState.OPEN, FindingState.ACCEPTED],
        ).update(state=FindingState.RESOLVED, resolved_at=timezone.now())
