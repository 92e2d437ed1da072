"""The case engine (docs/offboarding.md, issue 11): what leaver, joiner and mover cases share.

A case of any kind is a person, an effective date (the last day, the first day or the move date) and lines,
each with a responsible party and a due date in business days. The engine plans line rows from plain facts,
opens cases, re-plans their due dates, cancels them and completes a case once no line is open;
verification.py verifies lines against evidence and reopens what a later import contradicts. Which cases
open, and which lines they hold, the kinds decide on top of it: leaver.py, joiner.py and mover.py.

Every write here runs in the caller's transaction, set-based (a handful of queries for all the cases
concerned, bulk statements), and is audited there.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import groupby
from typing import Any, NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordna.accounts.models import Account, AccountStatus
from ordna.applications.models import Application
from ordna.core.action_links import action_links_revoke
from ordna.core.actor import Actor
from ordna.core.audit import Change, audit_record, audit_record_many
from ordna.core.bulk import insert_rows, update_rows
from ordna.core.errors import ServiceError
from ordna.lifecycle import due_dates
from ordna.lifecycle.models import (
    LINE_LINK,
    SUPPLIER_LINK,
    Case,
    CaseKind,
    CaseStatus,
    CaseTemplate,
    Line,
    LineKind,
    LineReopening,
    LineState,
    ReopenCause,
    Responsible,
    SupplierRequest,
    TemplateTask,
)


class LifecycleError(ServiceError):
    """A request the rules refuse; `field` names the input, the message says why."""


def holiday_country_of(person_country: str) -> str:
    return person_country or settings.ORDNA_HOLIDAY_COUNTRY


@dataclass
class CasesResult:
    """What a run of the opening rules did (or, dry, would do), by employee id."""

    opened: list[str] = field(default_factory=list)
    replanned: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    lines_added: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "opened": len(self.opened),
            "replanned": len(self.replanned),
            "cancelled": len(self.cancelled),
            "lines_added": self.lines_added,
        }


# What planning needs to know --------------------------------------------------------------------------------

Party = tuple[str, int | None, int | None]  # (responsible role, person id, supplier id)
COORDINATOR: Party = (Responsible.COORDINATOR, None, None)


@dataclass(frozen=True)
class AppFacts:
    owner_id: int | None
    supplier_id: int | None
    deprovision_days: int


def app_facts(ids: Iterable[int]) -> dict[int, AppFacts]:
    rows = Application.objects.filter(pk__in=set(ids)).values_list("id", "owner_id", "supplier_id", "deprovision_days")
    return {pk: AppFacts(owner, supplier, days) for pk, owner, supplier, days in rows}


def app_slugs(ids: Collection[int]) -> dict[int, str]:
    return dict(Application.objects.filter(pk__in=set(ids)).values_list("id", "slug"))


def application_party(app: AppFacts | None) -> Party:
    """Who closes an application's account and licence lines: its supplier, else its owner, else IT."""
    if app is not None and app.supplier_id is not None:
        return Responsible.SUPPLIER, app.owner_id, app.supplier_id
    if app is not None and app.owner_id is not None:
        return Responsible.OWNER, app.owner_id, None
    return COORDINATOR


def task_party(task: TemplateTask, *, person_id: int, manager_id: int | None, apps: dict[int, AppFacts]) -> Party:
    """The concrete party of a template task; falls back to the IT coordinator when nobody fills the role."""
    role = task.responsible
    if role == Responsible.EMPLOYEE:
        return role, person_id, None
    if role == Responsible.MANAGER:
        return (role, manager_id, None) if manager_id else COORDINATOR
    if role in (Responsible.OWNER, Responsible.SUPPLIER):
        app = apps.get(task.application_id) if task.application_id else None
        if role == Responsible.SUPPLIER and app is not None and app.supplier_id is not None:
            return role, app.owner_id, app.supplier_id
        if app is not None and app.owner_id is not None:
            return Responsible.OWNER, app.owner_id, None
        return COORDINATOR
    return role, None, None


@dataclass(frozen=True)
class CaseFacts:
    """What planning a case's lines needs to know about it."""

    case_id: int
    kind: str
    person_id: int
    manager_id: int | None
    effective_date: date  # the last day, the first day or the move date
    country: str
    opened_on: date


def line_due(facts: CaseFacts, *, kind: str, grant: bool, offset: int = 0) -> date:
    """A line that gives, and a task of a joiner or mover case, is due by the joining rule (ready for the
    first day); every other line by the leaving rule (`offset` business days after the last day)."""
    if grant or (kind == LineKind.TASK and facts.kind != CaseKind.LEAVER):
        return due_dates.grant_due(
            kind=kind,
            first_day=facts.effective_date,
            country=facts.country,
            opened_on=facts.opened_on,
            offset_days=offset,
        )
    return due_dates.line_due(
        kind=kind, last_day=facts.effective_date, country=facts.country, opened_on=facts.opened_on, offset_days=offset
    )


def take_back_offset(kind: str, app: AppFacts | None, task_offset: int | None) -> int:
    """Account and licence lines that take back are due the application's deprovisioning days after the last
    day (1 when the application is unknown); tasks their template's offset; devices on the last day."""
    if kind in (LineKind.ACCOUNT, LineKind.LICENCE):
        return app.deprovision_days if app else 1
    return task_offset or 0


# Line rows ----------------------------------------------------------------------------------------------------


class LineRow(NamedTuple):
    """One line to insert, its values in the order of LINE_FIELDS."""

    case: int
    kind: str
    application: int | None
    account: int | None
    device: int | None
    task: int | None
    subject: str
    instructions: str
    responsible: str
    responsible_person: int | None
    responsible_supplier: int | None
    due: date
    grant: bool = False
    state: str = LineState.OPEN
    verified_by: str = ""
    closed_by: str = ""
    closed_at: datetime | None = None
    note: str = ""
    evidence: str = ""
    reopened: int = 0


LINE_FIELDS = LineRow._fields


def line_row(
    facts: CaseFacts,
    *,
    kind: str,
    subject: str,
    party: Party,
    offset: int = 0,
    grant: bool = False,
    application_id: int | None = None,
    account_id: int | None = None,
    device_id: int | None = None,
    task_id: int | None = None,
    instructions: str = "",
) -> LineRow:
    role, person_id, supplier_id = party
    return LineRow(
        case=facts.case_id,
        kind=kind,
        application=application_id,
        account=account_id,
        device=device_id,
        task=task_id,
        subject=subject[:255],
        instructions=instructions,
        responsible=role,
        responsible_person=person_id,
        responsible_supplier=supplier_id,
        due=line_due(facts, kind=kind, grant=grant, offset=offset),
        grant=grant,
    )


def take_back_rows(facts: CaseFacts, accounts: Iterable[tuple[Any, ...]], apps: dict[int, AppFacts]) -> list[LineRow]:
    """A line per active account and per licence on it, to take back. `accounts`: (id, application_id, key,
    licences)."""
    rows = []
    for account_id, app_id, key, licenses in accounts:
        app = apps.get(app_id)
        common: dict[str, Any] = {
            "party": application_party(app),
            "offset": take_back_offset(LineKind.ACCOUNT, app, None),
            "application_id": app_id,
            "account_id": account_id,
        }
        rows.append(line_row(facts, kind=LineKind.ACCOUNT, subject=key, **common))
        for licence in sorted(set(licenses or ())):
            rows.append(line_row(facts, kind=LineKind.LICENCE, subject=licence, **common))
    return rows


def give_rows(
    facts: CaseFacts,
    *,
    apps_added: Mapping[int, Collection[str]],
    devices: Collection[str],
    apps: dict[int, AppFacts],
    slugs: dict[int, str],
) -> list[LineRow]:
    """Lines that give: an account line per application (subject: its slug), a licence line per licence, a
    device line per device kind (IT hands it out)."""
    rows = []
    for app_id in sorted(apps_added):
        if app_id not in apps or app_id not in slugs:
            continue
        party = application_party(apps[app_id])
        rows.append(
            line_row(
                facts, kind=LineKind.ACCOUNT, subject=slugs[app_id], party=party, grant=True, application_id=app_id
            )
        )
        for licence in sorted(apps_added[app_id]):
            rows.append(
                line_row(facts, kind=LineKind.LICENCE, subject=licence, party=party, grant=True, application_id=app_id)
            )
    for device_kind in sorted(devices):
        rows.append(line_row(facts, kind=LineKind.DEVICE, subject=device_kind, party=COORDINATOR, grant=True))
    return rows


def task_rows(facts: CaseFacts, template: CaseTemplate | None, apps: dict[int, AppFacts]) -> list[LineRow]:
    """A line per task of the case's template (templates come with their tasks prefetched)."""
    if template is None:
        return []
    return [
        line_row(
            facts,
            kind=LineKind.TASK,
            subject=task.title,
            party=task_party(task, person_id=facts.person_id, manager_id=facts.manager_id, apps=apps),
            offset=task.offset_days,
            application_id=task.application_id,
            task_id=task.pk,
            instructions=task.instructions,
        )
        for task in template.tasks.all()
    ]


def active_accounts_of(person_ids: Collection[int]) -> dict[int, list[tuple[Any, ...]]]:
    """Each person's active accounts as (id, application_id, key, licences)."""
    rows = Account.objects.filter(person_id__in=person_ids, status=AccountStatus.ACTIVE).values_list(
        "person_id", "id", "application_id", "key_display", "licenses"
    )
    result: dict[int, list[tuple[Any, ...]]] = {}
    for person_id, *rest in rows.iterator(chunk_size=5000):
        result.setdefault(person_id, []).append(tuple(rest))
    return result


def lines_insert(rows: Sequence[LineRow]) -> None:
    insert_rows(Line, LINE_FIELDS, rows)


# Opening, re-planning and cancelling cases ---------------------------------------------------------------------


def case_new(
    *,
    kind: str,
    person_id: int,
    effective_date: date,
    country: str,
    template: CaseTemplate | None,
    actor: Actor,
    now: datetime,
    urgent: bool = False,
    from_department: str = "",
    from_employment_type: str = "",
    from_company_id: int | None = None,
) -> Case:
    """An open case, not saved yet: the kinds open theirs together with one `Case.objects.bulk_create`."""
    return Case(
        kind=kind,
        person_id=person_id,
        effective_date=effective_date,
        status=CaseStatus.OPEN,
        urgent=urgent,
        holiday_country=country,
        template=template,
        opened_by=actor.label[:150],
        opened_at=now,
        from_department=from_department,
        from_employment_type=from_employment_type,
        from_company_id=from_company_id,
    )


def cases_replan(new_dates: Mapping[int, date], *, today: date, actor: Actor) -> None:
    """Move open cases to a new effective date: the due dates of their open lines follow by the rules they
    were planned with, each case's urgency is judged again, and lines closed by proof from before the new
    date reopen (`lines_reopen_stale`)."""
    cases = {
        pk: (kind, person_id, country)
        for pk, kind, person_id, country in Case.objects.filter(pk__in=new_dates).values_list(
            "id", "kind", "person_id", "holiday_country"
        )
    }
    lines = list(
        Line.objects.filter(case_id__in=new_dates, state=LineState.OPEN).values_list(
            "id", "case_id", "kind", "grant", "application_id", "task__offset_days"
        )
    )
    apps = app_facts(app for _, _, kind, grant, app, _ in lines if app and not grant and kind != LineKind.TASK)
    facts = {
        pk: CaseFacts(pk, kind, person_id, None, new_dates[pk], country, today)
        for pk, (kind, person_id, country) in cases.items()
    }
    updates = []
    for line_id, case_id, kind, grant, app_id, task_offset in lines:
        offset = (task_offset or 0) if grant else take_back_offset(kind, apps.get(app_id), task_offset)
        updates.append((line_due(facts[case_id], kind=kind, grant=grant, offset=offset), line_id))
    update_rows(Line, ("due",), updates)
    for case_id, effective in new_dates.items():
        urgent = due_dates.is_urgent(last_day=effective, today=today, country=cases[case_id][2])
        Case.objects.filter(pk=case_id).update(effective_date=effective, urgent=urgent)
    lines_reopen_stale(new_dates, actor=actor)


def lines_reopen_stale(effective: Mapping[int, date], *, actor: Actor) -> int:
    """After the effective dates of cases moved later: the account and licence lines closed by proof taken
    (or an attestation made) before the new date prove nothing any more, and reopen. Returns how many."""
    stale = [line_id for _case, line_id in stale_proof(effective)]
    return len(lines_reopen(stale, cause=ReopenCause.LAST_DAY_MOVED, actor=actor))


# What a line forgets of its closing when it reopens (its history, LineReopening, keeps it).
_CLOSING_CLEARED: dict[str, Any] = {
    "state": LineState.OPEN,
    "verified_by": "",
    "closed_by": "",
    "closed_at": None,
    "note": "",
    "evidence": "",
    "attest_reason": "",
    "attest_reference": "",
    "override": False,
    "override_reason": "",
    "approved_by": "",
    "approved_at": None,
    "proof_run": None,
    "proof_taken_at": None,
    # A claim made before the line closed said nothing about what reopened it (lifecycle/bulk.py).
    "claim_ticket": "",
    "claimed_by": "",
    "claimed_done_at": None,
}


def lines_reopen(
    line_ids: Sequence[int],
    *,
    cause: str,
    actor: Actor,
    run_id: int | None = None,
    taken_at: datetime | None = None,
) -> list[int]:
    """Reopen closed lines (issue 28): each keeps how it had closed in its history (a LineReopening naming the
    `cause`, and for a contradiction the import run `run_id` whose accounts, taken at `taken_at`, contradict
    it), forgets it on the line, and counts a contradiction in `reopened`; audited. Returns the ids reopened."""
    rows = list(
        Line.objects.filter(pk__in=list(line_ids))
        .exclude(state=LineState.OPEN)
        .order_by("id")
        .values_list(
            "id",
            "state",
            "verified_by",
            "closed_by",
            "closed_at",
            "proof_run_id",
            "proof_taken_at",
            "attest_reason",
            "note",
            "evidence",
        )
    )
    if not rows:
        return []
    now = timezone.now()
    LineReopening.objects.bulk_create(
        LineReopening(
            line_id=line_id,
            reopened_at=now,
            cause=cause,
            import_run_id=run_id,
            taken_at=taken_at,
            was_state=state,
            was_verified_by=verified_by,
            was_closed_by=closed_by,
            was_closed_at=closed_at,
            was_proof_run_id=proof_run,
            was_proof_taken_at=proof_taken_at,
            was_attest_reason=reason,
            was_note=note,
            was_evidence=evidence,
        )
        for line_id, state, verified_by, closed_by, closed_at, proof_run, proof_taken_at, reason, note, evidence in rows
    )
    ids = [row[0] for row in rows]
    cleared = dict(_CLOSING_CLEARED)
    if cause == ReopenCause.CONTRADICTED:
        cleared["reopened"] = F("reopened") + 1
    Line.objects.filter(pk__in=ids).update(**cleared)
    audit_record_many(
        actor=actor,
        changes=[
            Change(
                "line.reopened",
                "lifecycle.line",
                str(line_id),
                before={"state": state, "verified_by": verified_by or None, "closed_by": closed_by, "proof": proof},
                after={"state": "open", "cause": cause, "import_run": run_id},
            )
            for line_id, state, verified_by, closed_by, _at, proof, *_rest in rows
        ],
    )
    return ids


# Signed links (by_link.py, service_desk.py): taking them back when they are no longer needed.


def line_links_revoke(line_ids: Collection[int], *, because: str) -> int:
    """The lines closed: links that would close them again stop working, and so does a service desk's link
    once none of the lines it was sent for is open (in the closing transaction)."""
    if not line_ids:
        return 0
    revoked = action_links_revoke(purpose=LINE_LINK, target_ids=line_ids, because=because)
    case_ids = set(Line.objects.filter(pk__in=list(line_ids)).values_list("case_id", flat=True))
    requests = list(SupplierRequest.objects.filter(case_id__in=case_ids).values_list("id", "lines"))
    listed = {line_id for _pk, lines in requests for line_id in lines}
    still_open = set(Line.objects.filter(pk__in=listed, state=LineState.OPEN).values_list("id", flat=True))
    finished = [pk for pk, lines in requests if not still_open.intersection(lines)]
    return revoked + action_links_revoke(purpose=SUPPLIER_LINK, target_ids=finished, because=because)


def case_links_revoke(case_ids: Collection[int], *, because: str) -> int:
    """The cases were cancelled: every link to their lines and their service-desk requests stops working."""
    if not case_ids:
        return 0
    lines = list(Line.objects.filter(case_id__in=list(case_ids)).values_list("id", flat=True))
    requests = list(SupplierRequest.objects.filter(case_id__in=list(case_ids)).values_list("id", flat=True))
    return action_links_revoke(purpose=LINE_LINK, target_ids=lines, because=because) + action_links_revoke(
        purpose=SUPPLIER_LINK, target_ids=requests, because=because
    )


def cases_cancel(reasons: Mapping[int, str], *, now: datetime) -> None:
    """Cancel open cases, each with its reason (the kinds audit it in their own words)."""
    for reason, group in groupby(sorted(reasons.items(), key=lambda item: item[1]), key=lambda item: item[1]):
        Case.objects.filter(pk__in=[pk for pk, _reason in group]).update(
            status=CaseStatus.CANCELLED, cancelled_at=now, cancel_reason=reason
        )
    case_links_revoke(list(reasons), because="case cancelled")


def case_cancel(*, case: Case, actor: Actor, reason: str) -> Case:
    """Cancel an open case by hand (a reason is required)."""
    reason = reason.strip()
    if not reason:
        raise LifecycleError(_("Say why the case is cancelled."), field="reason")
    if case.status != CaseStatus.OPEN:
        raise LifecycleError(
            _("The case is not open (%(status)s)."), field="status", status=CaseStatus(case.status).label
        )
    with transaction.atomic():
        case.status, case.cancelled_at, case.cancel_reason = CaseStatus.CANCELLED, timezone.now(), reason
        case.save(update_fields=["status", "cancelled_at", "cancel_reason"])
        case_links_revoke([case.pk], because="case cancelled")
        audit_record(actor=actor, action="case.cancelled", target=case, after={"reason": reason})
    return case


def cases_complete(*, case_ids: Iterable[int], actor: Actor, today: date) -> list[int]:
    """Complete the open cases among `case_ids` that have lines and none of them open (a line whose waiver
    waits for approval is open). A leaver case never completes before its last day, and no case while an
    account or licence line it takes back rests on proof taken on or before its effective date: an export
    from before the person left proves nothing (docs/offboarding.md)."""
    candidates = dict(
        Case.objects.filter(pk__in=list(case_ids), status=CaseStatus.OPEN)
        .filter(Exists(Line.objects.filter(case_id=OuterRef("pk"))))
        .exclude(Exists(Line.objects.filter(case_id=OuterRef("pk"), state=LineState.OPEN)))
        .exclude(kind=CaseKind.LEAVER, effective_date__gt=today)
        .values_list("id", "effective_date")
    )
    stale = {case_id for case_id, _line in stale_proof(candidates)}
    done = sorted(set(candidates) - stale)
    if done:
        Case.objects.filter(pk__in=done).update(status=CaseStatus.COMPLETED, completed_at=timezone.now())
        audit_record_many(
            actor=actor,
            changes=[Change("case.completed", "lifecycle.case", str(pk), after={"status": "completed"}) for pk in done],
        )
    return done


def proof_from(kind: str, effective: date) -> date:
    """The first day an export or read-back proves a line that takes back: the day after a leaver's last day (on
    it, the person may still undo what the export shows), a mover's move date itself."""
    return effective + timedelta(days=1) if kind == CaseKind.LEAVER else effective


def stale_proof(effective: Mapping[int, date]) -> list[tuple[int, int]]:
    """(case id, line id) of the account and licence lines that take back, of the cases in `effective` (case id
    -> effective date), verified by an export or read-back taken before `proof_from` that date, or attested
    before the date itself."""
    if not effective:
        return []
    zone = timezone.get_current_timezone()
    rows = Line.objects.filter(
        case_id__in=list(effective),
        grant=False,
        kind__in=[LineKind.ACCOUNT, LineKind.LICENCE],
        state__in=[LineState.VERIFIED, LineState.ATTESTED],
    ).values_list("case_id", "case__kind", "id", "state", "proof_taken_at", "closed_at")
    stale = []
    for case_id, kind, line_id, state, taken_at, closed_at in rows:
        day = effective[case_id]
        first = proof_from(kind, day)
        proof_before = state == LineState.VERIFIED and taken_at is not None and taken_at.astimezone(zone).date() < first
        word_before = state == LineState.ATTESTED and closed_at is not None and closed_at.astimezone(zone).date() < day
        if proof_before or word_before:
            stale.append((case_id, line_id))
    return stale


def cases_complete_due(*, actor: Actor, today: date) -> list[int]:
    """The daily job's part: complete the open cases whose every line closed before their last day, now that
    it has come."""
    due = Case.objects.filter(status=CaseStatus.OPEN, effective_date__lte=today).exclude(
        Exists(Line.objects.filter(case_id=OuterRef("pk"), state=LineState.OPEN))
    )
    return cases_complete(case_ids=list(due.values_list("id", flat=True)), actor=actor, today=today)
