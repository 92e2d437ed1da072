"""Writes to leaver cases and their lines (DESIGN.md 3.2): opening, re-planning, verifying, closing.

Every function here is atomic and audited. The hooks that imports call (`cases_after_hr_import`,
`lines_after_accounts_change`) work set-based: they read the few open cases and lines concerned with a
handful of queries and write with bulk statements, never one save per account.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from ordna.accounts.models import Account, AccountStatus, Finding, FindingKind, FindingState
from ordna.applications.models import Application
from ordna.core.actor import Actor
from ordna.core.audit import Change, audit_record, audit_record_many
from ordna.core.bulk import insert_rows, update_rows
from ordna.devices.models import Device, DeviceStatus
from ordna.lifecycle import due_dates
from ordna.lifecycle.models import (
    Case,
    CaseKind,
    CaseStatus,
    CaseTemplate,
    Line,
    LineKind,
    LineState,
    Responsible,
    TemplateTask,
    VerifiedBy,
)
from ordna.people.models import EmploymentType, Person

EVIDENCE_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".txt", ".eml", ".msg", ".docx", ".xlsx", ".csv")

LINE_FIELDS = (
    "case",
    "kind",
    "application",
    "account",
    "device",
    "task",
    "subject",
    "instructions",
    "responsible",
    "responsible_person",
    "responsible_supplier",
    "due",
    "state",
    "verified_by",
    "closed_by",
    "closed_at",
    "note",
    "evidence",
    "reopened",
)


class LifecycleError(ValueError):
    """A request the rules refuse; the message says which field or value and why."""


def holiday_country_of(person_country: str) -> str:
    return person_country or settings.ORDNA_HOLIDAY_COUNTRY


# Templates ----------------------------------------------------------------------------------------------


def template_for(templates: Sequence[CaseTemplate], *, employment_type: str, department: str) -> CaseTemplate | None:
    """The most specific active template: type and department, then department, then type, then anyone's."""
    best: tuple[int, CaseTemplate] | None = None
    for template in templates:
        if template.employment_type and template.employment_type != employment_type:
            continue
        if template.department and template.department != department:
            continue
        score = (2 if template.department else 0) + (1 if template.employment_type else 0)
        if best is None or score > best[0]:
            best = (score, template)
    return best[1] if best else None


def _template_state(template: CaseTemplate) -> dict[str, Any]:
    return {
        "name": template.name,
        "employment_type": template.employment_type,
        "department": template.department,
        "active": template.active,
        "kind": template.kind,
        "exit_survey": template.exit_survey,
    }


def template_save(
    *,
    actor: Actor,
    name: str,
    employment_type: str = "",
    department: str = "",
    active: bool = True,
    template: CaseTemplate | None = None,
    kind: str = CaseKind.LEAVER,
    exit_survey: bool = False,
) -> CaseTemplate:
    """Create or change a leaver, joiner or mover template; one active template per (kind, employment type,
    department). A template keeps the kind it was created with."""
    name = name.strip()
    if template is not None:
        kind = template.kind
    if kind not in CaseKind.values:
        raise LifecycleError(f"kind: {kind!r} is not one of {', '.join(CaseKind.values)}")
    if exit_survey and kind != CaseKind.LEAVER:
        raise LifecycleError("exit_survey: only leaver templates invite to the exit survey")
    if not name:
        raise LifecycleError("name: give the template a name")
    if employment_type and employment_type not in EmploymentType.values:
        raise LifecycleError(
            f"employment_type: {employment_type!r} is not one of {', '.join(EmploymentType.values)} (or empty)"
        )
    department = department.strip()
    clash = CaseTemplate.objects.filter(kind=kind, employment_type=employment_type, department=department, active=True)
    if template is not None:
        clash = clash.exclude(pk=template.pk)
    if active and clash.exists():
        raise LifecycleError(
            f"another active template already applies to employment type {employment_type or 'any'!r} "
            f"and department {department or 'any'!r}"
        )
    with transaction.atomic():
        before = _template_state(template) if template else None
        if template is None:
            template = CaseTemplate(kind=kind)
        template.name, template.employment_type, template.department, template.active = (
            name,
            employment_type,
            department,
            active,
        )
        template.exit_survey = exit_survey
        template.save()
        audit_record(
            actor=actor,
            action="case_template.saved",
            target=template,
            before=before,
            after=_template_state(template),
        )
    return template


def template_task_add(
    *,
    template: CaseTemplate,
    actor: Actor,
    title: str,
    responsible: str,
    offset_days: int = 0,
    instructions: str = "",
    application: Application | None = None,
) -> TemplateTask:
    """Add a task to a template; new cases get it (open cases keep the tasks they were planned with)."""
    title = title.strip()
    if not title:
        raise LifecycleError("title: give the task a title")
    if responsible not in Responsible.values:
        raise LifecycleError(f"responsible: {responsible!r} is not one of {', '.join(Responsible.values)}")
    if responsible in (Responsible.OWNER, Responsible.SUPPLIER) and application is None:
        raise LifecycleError("application: a task for an application's owner or supplier names the application")
    if not -60 <= offset_days <= 60:
        raise LifecycleError(f"offset_days: {offset_days} is outside -60 to 60 business days")
    with transaction.atomic():
        position = template.tasks.count()
        task = TemplateTask.objects.create(
            template=template,
            title=title,
            instructions=instructions.strip(),
            responsible=responsible,
            application=application,
            offset_days=offset_days,
            position=position,
        )
        audit_record(
            actor=actor,
            action="case_template.task_added",
            target=task,
            after={
                "template_id": template.pk,
                "title": title,
                "responsible": responsible,
                "application_id": application.pk if application else None,
                "offset_days": offset_days,
            },
        )
    return task


def template_task_remove(*, task: TemplateTask, actor: Actor) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="case_template.task_removed",
            target=task,
            before={"template_id": task.template_id, "title": task.title},
        )
        task.delete()


# Planning lines -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppFacts:
    owner_id: int | None
    supplier_id: int | None
    deprovision_days: int


def _app_facts(ids: Iterable[int]) -> dict[int, AppFacts]:
    rows = Application.objects.filter(pk__in=set(ids)).values_list("id", "owner_id", "supplier_id", "deprovision_days")
    return {pk: AppFacts(owner, supplier, days) for pk, owner, supplier, days in rows}


def _application_party(app: AppFacts | None) -> tuple[str, int | None, int | None]:
    """Who closes an application's account and licence lines: its supplier, else its owner, else IT."""
    if app is not None and app.supplier_id is not None:
        return Responsible.SUPPLIER, app.owner_id, app.supplier_id
    if app is not None and app.owner_id is not None:
        return Responsible.OWNER, app.owner_id, None
    return Responsible.COORDINATOR, None, None


def _task_party(
    task: TemplateTask, *, person_id: int, manager_id: int | None, apps: dict[int, AppFacts]
) -> tuple[str, int | None, int | None]:
    """The concrete party of a template task; falls back to the IT coordinator when nobody fills the role."""
    role = task.responsible
    if role == Responsible.EMPLOYEE:
        return role, person_id, None
    if role == Responsible.MANAGER:
        return (role, manager_id, None) if manager_id else (Responsible.COORDINATOR, None, None)
    if role in (Responsible.OWNER, Responsible.SUPPLIER):
        app = apps.get(task.application_id) if task.application_id else None
        if role == Responsible.SUPPLIER and app is not None and app.supplier_id is not None:
            return role, app.owner_id, app.supplier_id
        if app is not None and app.owner_id is not None:
            return Responsible.OWNER, app.owner_id, None
        return Responsible.COORDINATOR, None, None
    return role, None, None


@dataclass(frozen=True)
class CaseFacts:
    """What planning a case's lines needs to know about it."""

    case_id: int
    person_id: int
    manager_id: int | None
    last_day: date
    country: str
    opened_on: date


def _line_row(
    facts: CaseFacts,
    *,
    kind: str,
    subject: str,
    party: tuple[str, int | None, int | None],
    offset: int,
    application_id: int | None = None,
    account_id: int | None = None,
    device_id: int | None = None,
    task_id: int | None = None,
    instructions: str = "",
) -> tuple[Any, ...]:
    due = due_dates.line_due(
        kind=kind, last_day=facts.last_day, country=facts.country, opened_on=facts.opened_on, offset_days=offset
    )
    role, person_id, supplier_id = party
    return (
        facts.case_id,
        kind,
        application_id,
        account_id,
        device_id,
        task_id,
        subject[:255],
        instructions,
        role,
        person_id,
        supplier_id,
        due,
        LineState.OPEN,
        "",
        "",
        None,
        "",
        "",
        0,
    )


def _account_rows(facts: CaseFacts, accounts: Iterable[tuple[Any, ...]], apps: dict[int, AppFacts]) -> list[tuple]:
    """A line per active account and per licence on it. `accounts`: (id, application_id, key, licences)."""
    rows = []
    for account_id, app_id, key, licenses in accounts:
        app = apps.get(app_id)
        party = _application_party(app)
        offset = app.deprovision_days if app else 1
        common = {"party": party, "offset": offset, "application_id": app_id, "account_id": account_id}
        rows.append(_line_row(facts, kind=LineKind.ACCOUNT, subject=key, **common))
        for licence in sorted(set(licenses or ())):
            rows.append(_line_row(facts, kind=LineKind.LICENCE, subject=licence, **common))
    return rows


def _device_rows(facts: CaseFacts, devices: Iterable[tuple[int, str]]) -> list[tuple]:
    """Devices are collected by the manager (the employee sees "return your laptop" in their tasks)."""
    party = (Responsible.MANAGER, facts.manager_id, None) if facts.manager_id else (Responsible.COORDINATOR, None, None)
    return [
        _line_row(facts, kind=LineKind.DEVICE, subject=tag, party=party, offset=0, device_id=device_id)
        for device_id, tag in devices
    ]


def _task_rows(facts: CaseFacts, template: CaseTemplate | None, apps: dict[int, AppFacts]) -> list[tuple]:
    if template is None:
        return []
    return [
        _line_row(
            facts,
            kind=LineKind.TASK,
            subject=task.title,
            party=_task_party(task, person_id=facts.person_id, manager_id=facts.manager_id, apps=apps),
            offset=task.offset_days,
            application_id=task.application_id,
            task_id=task.pk,
            instructions=task.instructions,
        )
        for task in template.tasks.all()
    ]


def _active_accounts_of(person_ids: Collection[int]) -> dict[int, list[tuple[Any, ...]]]:
    rows = Account.objects.filter(person_id__in=person_ids, status=AccountStatus.ACTIVE).values_list(
        "person_id", "id", "application_id", "key_display", "licenses"
    )
    result: dict[int, list[tuple[Any, ...]]] = {}
    for person_id, *rest in rows.iterator(chunk_size=5000):
        result.setdefault(person_id, []).append(tuple(rest))
    return result


def _devices_of(person_ids: Collection[int]) -> dict[int, list[tuple[int, str]]]:
    rows = Device.objects.filter(holder_id__in=person_ids, status=DeviceStatus.ISSUED).values_list(
        "holder_id", "id", "asset_tag"
    )
    result: dict[int, list[tuple[int, str]]] = {}
    for holder, device_id, tag in rows:
        result.setdefault(holder, []).append((device_id, tag))
    return result


# Opening, re-planning and cancelling cases --------------------------------------------------------------


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


def cases_open_due(
    *, actor: Actor, today: date, newly_ended: Collection[str] = (), dry_run: bool = False
) -> CasesResult:
    """Re-plan or cancel open cases whose end date changed, then open a case, with its lines, for everyone
    who needs one today (`due_dates.needs_case`); finally add lines for devices handed out meanwhile.

    Idempotent: running it twice opens nothing the second time. `newly_ended` are the employee ids an HR
    import just gave an end date (a late one still opens a case).
    """
    from ordna.lifecycle.joiners import joiners_open_due

    with transaction.atomic():
        result = CasesResult()
        # Joiners first: a withdrawn hire's joiner case is cancelled before the leaver rule takes back what
        # was already made for them.
        joiners_open_due(actor=actor, today=today, result=result, dry_run=dry_run)
        _replan(actor=actor, today=today, result=result, dry_run=dry_run)
        _open(actor=actor, today=today, newly_ended=set(newly_ended), result=result, dry_run=dry_run)
        if not dry_run:
            result.lines_added += cases_sync_devices(actor=actor, today=today)
        else:
            transaction.set_rollback(True)
    return result


def _open(*, actor: Actor, today: date, newly_ended: set[str], result: CasesResult, dry_run: bool) -> None:
    lead, recent = settings.ORDNA_LEAVER_LEAD_DAYS, settings.ORDNA_LEAVER_RECENT_DAYS
    horizon = today + timedelta(days=lead)
    floor = today - timedelta(days=recent)
    candidates = list(
        Person.objects.filter(end_date__lte=horizon)
        .filter(Q(end_date__gte=floor) | Q(employee_id__in=newly_ended))
        .values_list("id", "employee_id", "manager_id", "end_date", "start_date", "holiday_country")
    )
    if not candidates:
        return
    ids = [c[0] for c in candidates]
    open_for = set(
        Case.objects.filter(person_id__in=ids, kind=CaseKind.LEAVER, status=CaseStatus.OPEN).values_list(
            "person_id", flat=True
        )
    )
    completed: dict[int, date] = {}
    for person_id, effective in Case.objects.filter(
        person_id__in=ids, kind=CaseKind.LEAVER, status=CaseStatus.COMPLETED
    ).values_list("person_id", "effective_date"):
        completed[person_id] = max(effective, completed.get(person_id, effective))
    chosen: list[tuple[int, str, int | None, date, str]] = []
    for pid, employee_id, manager_id, end_date, start_date, country in candidates:
        last_completed = completed.get(pid)
        if end_date is not None and due_dates.needs_case(
            end_date=end_date,
            today=today,
            lead_days=lead,
            recent_days=recent,
            has_open_case=pid in open_for,
            completed_this_employment=last_completed is not None
            and (start_date is None or last_completed >= start_date),
            newly_ended=employee_id in newly_ended,
        ):
            chosen.append((pid, employee_id, manager_id, end_date, holiday_country_of(country)))
    result.opened = [c[1] for c in chosen]
    if dry_run or not chosen:
        return
    now = timezone.now()
    people = {p.pk: p for p in Person.objects.filter(pk__in=[c[0] for c in chosen])}
    templates = list(CaseTemplate.objects.filter(kind=CaseKind.LEAVER, active=True).prefetch_related("tasks"))
    cases = []
    for pid, _employee_id, _manager, end_date, country in chosen:
        person = people[pid]
        cases.append(
            Case(
                kind=CaseKind.LEAVER,
                person_id=pid,
                effective_date=end_date,
                status=CaseStatus.OPEN,
                urgent=due_dates.is_urgent(last_day=end_date, today=today, country=country),
                holiday_country=country,
                template=template_for(templates, employment_type=person.employment_type, department=person.department),
                opened_by=actor.label[:150],
                opened_at=now,
            )
        )
    created = Case.objects.bulk_create(cases, batch_size=1000)
    accounts = _active_accounts_of([c[0] for c in chosen])
    devices = _devices_of([c[0] for c in chosen])
    app_ids: set[int] = {a[1] for rows in accounts.values() for a in rows}
    for tpl in templates:
        app_ids.update(task.application_id for task in tpl.tasks.all() if task.application_id is not None)
    apps = _app_facts(app_ids)
    rows: list[tuple[Any, ...]] = []
    for case, (pid, _e, boss, end_date, country) in zip(created, chosen, strict=True):
        facts = CaseFacts(case.pk, pid, boss, end_date, country, today)
        rows += _account_rows(facts, accounts.get(pid, ()), apps)
        rows += _device_rows(facts, devices.get(pid, ()))
        rows += _task_rows(facts, case.template, apps)
    insert_rows(Line, LINE_FIELDS, rows)
    result.lines_added += len(rows)
    audit_record_many(
        actor=actor,
        changes=[
            Change(
                "case.opened",
                "lifecycle.case",
                str(case.pk),
                after={
                    "person_id": case.person_id,
                    "kind": case.kind,
                    "effective_date": case.effective_date,
                    "urgent": case.urgent,
                    "template_id": case.template_id,
                },
            )
            for case in created
        ],
    )
    surveyed = [case.pk for case in created if case.template is not None and case.template.exit_survey]
    if surveyed:
        from ordna.lifecycle.exit_survey import exit_surveys_invite_for

        exit_surveys_invite_for(case_ids=surveyed, actor=actor)


def _replan(*, actor: Actor, today: date, result: CasesResult, dry_run: bool) -> None:
    """Open cases whose person's end date moved: re-plan the open lines' due dates, or cancel the case when
    the end date was removed (an extension) or moved beyond the lead time."""
    moved = list(
        Case.objects.filter(kind=CaseKind.LEAVER, status=CaseStatus.OPEN)
        .filter(Q(person__end_date__isnull=True) | ~Q(person__end_date=F("effective_date")))
        .values_list("id", "person__employee_id", "person__end_date", "effective_date", "holiday_country")
    )
    if not moved:
        return
    horizon = today + timedelta(days=settings.ORDNA_LEAVER_LEAD_DAYS)
    now = timezone.now()
    changes = []
    replan: dict[int, date] = {}
    for case_id, employee_id, end_date, effective, _country in moved:
        if end_date is None or end_date > horizon:
            reason = (
                "The end date was removed (an extension)."
                if end_date is None
                else f"The end date moved to {end_date.isoformat()}, beyond the lead time; a new case opens then."
            )
            result.cancelled.append(employee_id)
            if not dry_run:
                Case.objects.filter(pk=case_id).update(
                    status=CaseStatus.CANCELLED, cancelled_at=now, cancel_reason=reason
                )
                changes.append(
                    Change(
                        "case.cancelled",
                        "lifecycle.case",
                        str(case_id),
                        before={"status": "open"},
                        after={"status": "cancelled", "reason": reason},
                    )
                )
        else:
            result.replanned.append(employee_id)
            replan[case_id] = end_date
            changes.append(
                Change(
                    "case.replanned",
                    "lifecycle.case",
                    str(case_id),
                    before={"effective_date": effective},
                    after={"effective_date": end_date},
                )
            )
    if dry_run:
        return
    if replan:
        _replan_lines(replan, today=today)
    audit_record_many(actor=actor, changes=changes)


def _replan_lines(new_dates: dict[int, date], *, today: date) -> None:
    cases = {c.pk: c for c in Case.objects.filter(pk__in=new_dates).select_related("person")}
    lines = list(
        Line.objects.filter(case_id__in=new_dates, state=LineState.OPEN).values_list(
            "id", "case_id", "kind", "application_id", "task__offset_days"
        )
    )
    apps = _app_facts(a for _, _, _, a, _ in lines if a)
    updates = []
    for line_id, case_id, kind, app_id, task_offset in lines:
        case = cases[case_id]
        offset = task_offset or 0
        if kind in (LineKind.ACCOUNT, LineKind.LICENCE):
            offset = apps[app_id].deprovision_days if app_id in apps else 1
        due = due_dates.line_due(
            kind=kind, last_day=new_dates[case_id], country=case.holiday_country, opened_on=today, offset_days=offset
        )
        updates.append((due, line_id))
    update_rows(Line, ("due",), updates)
    for case_id, end_date in new_dates.items():
        urgent = due_dates.is_urgent(last_day=end_date, today=today, country=cases[case_id].holiday_country)
        Case.objects.filter(pk=case_id).update(effective_date=end_date, urgent=urgent)


def cases_sync_devices(*, actor: Actor, today: date) -> int:
    """Add a line to open cases for each device their person holds that has none yet (handed out later)."""
    missing = list(
        Device.objects.filter(status=DeviceStatus.ISSUED)
        .filter(
            Exists(Case.objects.filter(person_id=OuterRef("holder_id"), kind=CaseKind.LEAVER, status=CaseStatus.OPEN))
        )
        .exclude(
            Exists(
                Line.objects.filter(
                    device_id=OuterRef("pk"),
                    case__kind=CaseKind.LEAVER,
                    case__status=CaseStatus.OPEN,
                    case__person_id=OuterRef("holder_id"),
                )
            )
        )
        .values_list("id", "asset_tag", "holder_id")
    )
    if not missing:
        return 0
    cases = {
        c.person_id: c
        for c in Case.objects.filter(
            person_id__in={m[2] for m in missing}, kind=CaseKind.LEAVER, status=CaseStatus.OPEN
        ).select_related("person")
    }
    rows = []
    for device_id, tag, holder in missing:
        case = cases[holder]
        facts = CaseFacts(case.pk, holder, case.person.manager_id, case.effective_date, case.holiday_country, today)
        rows += _device_rows(facts, [(device_id, tag)])
    insert_rows(Line, LINE_FIELDS, rows)
    audit_record_many(
        actor=actor,
        changes=[
            Change("case.lines_added", "lifecycle.case", str(cases[h].pk), after={"device": tag})
            for _, tag, h in missing
        ],
    )
    return len(rows)


def case_cancel(*, case: Case, actor: Actor, reason: str) -> Case:
    """Cancel an open case by hand (a reason is required)."""
    reason = reason.strip()
    if not reason:
        raise LifecycleError("reason: say why the case is cancelled")
    if case.status != CaseStatus.OPEN:
        raise LifecycleError(f"the case is {case.status}, not open")
    with transaction.atomic():
        case.status, case.cancelled_at, case.cancel_reason = CaseStatus.CANCELLED, timezone.now(), reason
        case.save(update_fields=["status", "cancelled_at", "cancel_reason"])
        audit_record(actor=actor, action="case.cancelled", target=case, after={"reason": reason})
    return case


def cases_after_hr_import(
    *, actor: Actor, today: date, newly_ended: Collection[str], moved: Mapping[str, tuple[str, str]] | None = None
) -> CasesResult:
    """The HR import's hook, inside its transaction: apply the opening rules to the people as they are now,
    and open mover cases for `moved` (employee id -> department and employment type before the import)."""
    from ordna.lifecycle.joiners import movers_open

    result = cases_open_due(actor=actor, today=today, newly_ended=newly_ended)
    with transaction.atomic():
        movers_open(moved=moved or {}, actor=actor, today=today, result=result)
    return result


# Closing lines -----------------------------------------------------------------------------------------


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
        _resolve_contradictions([line.pk])
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
        _resolve_contradictions([line.pk])
        cases_complete(case_ids=[line.case_id], actor=actor)
    return line


def _verify(line_ids: Sequence[int], *, how: str, actor: Actor, label: str) -> list[int]:
    """Mark open lines verified; returns the ids of the cases they belong to."""
    if not line_ids:
        return []
    now = timezone.now()
    case_ids = sorted(set(Line.objects.filter(pk__in=line_ids).values_list("case_id", flat=True)))
    Line.objects.filter(pk__in=line_ids, state=LineState.OPEN).update(
        state=LineState.VERIFIED, verified_by=how, closed_by=label, closed_at=now
    )
    audit_record_many(
        actor=actor,
        changes=[
            Change(
                "line.verified",
                "lifecycle.line",
                str(pk),
                before={"state": "open"},
                after={"state": "verified", "verified_by": how},
            )
            for pk in line_ids
        ],
    )
    _resolve_contradictions(line_ids)
    return case_ids


def cases_complete(*, case_ids: Iterable[int], actor: Actor) -> list[int]:
    """Complete the open cases among `case_ids` that have lines and none of them open."""
    done = list(
        Case.objects.filter(pk__in=list(case_ids), status=CaseStatus.OPEN)
        .filter(Exists(Line.objects.filter(case_id=OuterRef("pk"))))
        .exclude(Exists(Line.objects.filter(case_id=OuterRef("pk"), state=LineState.OPEN)))
        .values_list("id", flat=True)
    )
    if done:
        Case.objects.filter(pk__in=done).update(status=CaseStatus.COMPLETED, completed_at=timezone.now())
        audit_record_many(
            actor=actor,
            changes=[Change("case.completed", "lifecycle.case", str(pk), after={"status": "completed"}) for pk in done],
        )
    return done


def lines_verify_device(*, device: Device, actor: Actor) -> int:
    """The device was checked in: its open lines are verified (check-in)."""
    ids = list(
        Line.objects.filter(device=device, state=LineState.OPEN, case__status=CaseStatus.OPEN).values_list(
            "id", flat=True
        )
    )
    cases = _verify(ids, how=VerifiedBy.CHECK_IN, actor=actor, label=actor.label[:150])
    cases_complete(case_ids=cases, actor=actor)
    return len(ids)


# After an account import --------------------------------------------------------------------------------


@dataclass
class AccountLinesResult:
    verified: int = 0
    reopened: int = 0
    added: int = 0
    excess_opened: int = 0
    excess_resolved: int = 0


def lines_after_accounts_change(
    *, application_id: int, today: date, actor: Actor, verified_by: str = VerifiedBy.IMPORT
) -> AccountLinesResult:
    """The account import's hook, inside its transaction, once the accounts are written.

    Set-based over the open cases' lines of this application only: open lines whose account is now disabled
    or gone (or whose licence is removed) are verified; attested lines the import contradicts (the account
    seen active after the attestation, or the licence still on it) reopen with a finding; active accounts
    that appeared for people with an open case get their lines. `verified_by` says how the accounts were
    seen: an import, or a connector's read-back (ordna.connectors).
    """
    result = AccountLinesResult()
    label = f"{actor.label} ({verified_by})"[:150]
    lines = Line.objects.filter(account__application_id=application_id, case__status__in=["open", "completed"])

    # 1. Verified: the account is disabled or gone, or the licence is no longer on it.
    verify = list(
        lines.filter(
            case__status=CaseStatus.OPEN,
            state=LineState.OPEN,
            kind=LineKind.ACCOUNT,
            account__status__in=[AccountStatus.DISABLED, AccountStatus.GONE],
        ).values_list("id", flat=True)
    )
    for line_id, subject, status, licenses in lines.filter(
        case__status=CaseStatus.OPEN, state=LineState.OPEN, kind=LineKind.LICENCE
    ).values_list("id", "subject", "account__status", "account__licenses"):
        if status == AccountStatus.GONE or subject not in (licenses or ()):
            verify.append(line_id)
    touched = set(_verify(verify, how=verified_by, actor=actor, label=label))
    result.verified = len(verify)

    # 2. Contradicted: attested, and the import saw the account active after the attestation.
    seen_after = Q(account__last_seen__gt=F("closed_at")) | Q(account__application__accounts_seen_at__gt=F("closed_at"))
    contradicted = []
    for line_id, kind, subject, licenses in (
        lines.filter(state=LineState.ATTESTED, account__status=AccountStatus.ACTIVE)
        .filter(seen_after)
        .values_list("id", "kind", "subject", "account__licenses")
    ):
        if kind == LineKind.ACCOUNT or subject in (licenses or ()):
            contradicted.append(line_id)
    if contradicted:
        touched |= lines_reopen(line_ids=contradicted, actor=actor, today=today)
        result.reopened = len(contradicted)

    # 3. Accounts that appeared (or became active) for people with an open leaver case: their lines.
    result.added = _add_account_lines(application_id=application_id, today=today, actor=actor)
    # 4. Joiners' and movers' lines that give: verified once the account is active and linked to the person.
    from ordna.lifecycle.joiners import excess_access_sync, grants_verify

    touched |= grants_verify(application_id=application_id, actor=actor)
    cases_complete(case_ids=touched, actor=actor)
    # 5. Expected versus actual: access no template gives is an `excess_access` finding.
    result.excess_opened, result.excess_resolved = excess_access_sync(application_id=application_id, today=today)
    return result


def _add_account_lines(*, application_id: int, today: date, actor: Actor) -> int:
    open_cases = Case.objects.filter(person_id=OuterRef("person_id"), kind=CaseKind.LEAVER, status=CaseStatus.OPEN)
    lined = Line.objects.filter(
        account_id=OuterRef("pk"),
        kind=LineKind.ACCOUNT,
        case__kind=CaseKind.LEAVER,
        case__status=CaseStatus.OPEN,
        case__person_id=OuterRef("person_id"),
    )
    new = list(
        Account.objects.filter(application_id=application_id, status=AccountStatus.ACTIVE, person__isnull=False)
        .filter(Exists(open_cases))
        .exclude(Exists(lined))
        .values_list("person_id", "id", "application_id", "key_display", "licenses")
    )
    if not new:
        return 0
    cases = {
        c.person_id: c
        for c in Case.objects.filter(
            person_id__in={n[0] for n in new}, kind=CaseKind.LEAVER, status=CaseStatus.OPEN
        ).select_related("person")
    }
    apps = _app_facts([application_id])
    rows: list[tuple[Any, ...]] = []
    for person_id, *account in new:
        case = cases[person_id]
        facts = CaseFacts(case.pk, person_id, case.person.manager_id, case.effective_date, case.holiday_country, today)
        rows += _account_rows(facts, [tuple(account)], apps)
    # An account that was disabled and is active again may have a closed line of the same subject already.
    existing = set(
        Line.objects.filter(case_id__in=[c.pk for c in cases.values()], account_id__in=[n[1] for n in new]).values_list(
            "case_id", "account_id", "kind", "subject"
        )
    )
    rows = [r for r in rows if (r[0], r[3], r[1], r[6]) not in existing]
    insert_rows(Line, LINE_FIELDS, rows)
    audit_record_many(
        actor=actor,
        changes=[
            Change("case.lines_added", "lifecycle.case", str(r[0]), after={"kind": r[1], "subject": r[6]}) for r in rows
        ],
    )
    return len(rows)


def lines_reopen(*, line_ids: Sequence[int], actor: Actor, today: date) -> set[int]:
    """Reopen attested lines a later import contradicts, raise a finding for each and reopen a completed case.

    Returns the ids of the cases concerned.
    """
    rows = list(
        Line.objects.filter(pk__in=line_ids).values_list(
            "id",
            "case_id",
            "kind",
            "subject",
            "account_id",
            "account__application_id",
            "case__person_id",
            "closed_by",
            "note",
        )
    )
    Line.objects.filter(pk__in=line_ids).update(
        state=LineState.OPEN, closed_by="", closed_at=None, note="", evidence="", reopened=F("reopened") + 1
    )
    live = set(
        Finding.objects.filter(
            kind=FindingKind.CONTRADICTED,
            account_id__in=[r[4] for r in rows],
            state__in=[FindingState.OPEN, FindingState.ACCEPTED],
        ).values_list("account_id", "license")
    )
    findings = []
    for _id, _case, kind, subject, account_id, app_id, person_id, _by, _note in rows:
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
                "line.reopened",
                "lifecycle.line",
                str(r[0]),
                before={"state": "attested", "closed_by": r[7]},
                after={"state": "open", "reason": "a later import shows it still active"},
            )
            for r in rows
        ]
        + [Change("case.reopened", "lifecycle.case", str(c), after={"status": "open"}) for c in reopen_cases],
    )
    return case_ids


def _resolve_contradictions(line_ids: Sequence[int]) -> None:
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
