"""Leaver cases (docs/offboarding.md) on the case engine: when they open, re-plan and cancel, and what their lines
take back (every active account and its licences, every device held, the leaver template's tasks).

A leaver case opens when the HR end date comes within ORDNA_LEAVER_LEAD_DAYS, or at once when it is nearer or
past; moving the end date re-plans it, removing it (an extension) cancels it. Accounts that appear, and
devices handed out, while the case is open get their lines; a device's check-in verifies its line.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from ordna.accounts.models import Account, AccountStatus
from ordna.core.actor import Actor
from ordna.core.audit import Change, audit_record_many
from ordna.core.bulk import chunks
from ordna.devices.models import Device, DeviceStatus
from ordna.lifecycle import due_dates
from ordna.lifecycle.case_templates import template_for
from ordna.lifecycle.engine import (
    COORDINATOR,
    CaseFacts,
    CasesResult,
    LineRow,
    active_accounts_of,
    app_facts,
    case_new,
    cases_cancel,
    cases_complete,
    cases_replan,
    holiday_country_of,
    line_row,
    lines_insert,
    take_back_rows,
    task_rows,
)
from ordna.lifecycle.exit_survey import exit_surveys_invite_for
from ordna.lifecycle.models import (
    Case,
    CaseKind,
    CaseStatus,
    CaseTemplate,
    Line,
    LineKind,
    LineState,
    Responsible,
    VerifiedBy,
)
from ordna.lifecycle.verification import lines_verify
from ordna.people.models import Person


def device_rows(facts: CaseFacts, devices: Iterable[tuple[int, str]]) -> list[LineRow]:
    """Devices are collected by the manager (the employee sees "return your laptop" in their tasks)."""
    party = (Responsible.MANAGER, facts.manager_id, None) if facts.manager_id else COORDINATOR
    return [
        line_row(facts, kind=LineKind.DEVICE, subject=tag, party=party, device_id=device_id)
        for device_id, tag in devices
    ]


def _devices_of(person_ids: Collection[int]) -> dict[int, list[tuple[int, str]]]:
    rows = Device.objects.filter(holder_id__in=person_ids, status=DeviceStatus.ISSUED).values_list(
        "holder_id", "id", "asset_tag"
    )
    result: dict[int, list[tuple[int, str]]] = {}
    for holder, device_id, tag in rows:
        result.setdefault(holder, []).append((device_id, tag))
    return result


def _facts(case: Case, today: date) -> CaseFacts:
    """A leaver case's facts; `case` comes with its person."""
    return CaseFacts(
        case.pk,
        CaseKind.LEAVER,
        case.person_id,
        case.person.manager_id,
        case.effective_date,
        case.holiday_country,
        today,
    )


# Opening, re-planning and cancelling ----------------------------------------------------------------------------


def leavers_open(
    *, actor: Actor, today: date, newly_ended: Collection[str], result: CasesResult, dry_run: bool
) -> None:
    """Open a case, with its lines, for everyone who needs one today (`due_dates.needs_case`). `newly_ended`
    are the employee ids an HR import just gave an end date (a late one still opens a case)."""
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
            case_new(
                kind=CaseKind.LEAVER,
                person_id=pid,
                effective_date=end_date,
                country=country,
                urgent=due_dates.is_urgent(last_day=end_date, today=today, country=country),
                template=template_for(
                    templates,
                    employment_type=person.employment_type,
                    department=person.department,
                    company_id=person.company_id,
                ),
                actor=actor,
                now=now,
            )
        )
    created = Case.objects.bulk_create(cases, batch_size=1000)
    accounts = active_accounts_of([c[0] for c in chosen])
    devices = _devices_of([c[0] for c in chosen])
    app_ids: set[int] = {a[1] for rows in accounts.values() for a in rows}
    for tpl in templates:
        app_ids.update(task.application_id for task in tpl.tasks.all() if task.application_id is not None)
    apps = app_facts(app_ids)
    rows: list[LineRow] = []
    for case, (pid, _e, boss, end_date, country) in zip(created, chosen, strict=True):
        facts = CaseFacts(case.pk, CaseKind.LEAVER, pid, boss, end_date, country, today)
        rows += take_back_rows(facts, accounts.get(pid, ()), apps)
        rows += device_rows(facts, devices.get(pid, ()))
        rows += task_rows(facts, case.template, apps)
    lines_insert(rows)
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
        exit_surveys_invite_for(case_ids=surveyed, actor=actor)


def leavers_replan(*, actor: Actor, today: date, result: CasesResult, dry_run: bool) -> None:
    """Open cases whose person's end date moved: re-plan the open lines' due dates, or cancel the case when
    the end date was removed (an extension) or moved beyond the lead time."""
    moved = list(
        Case.objects.filter(kind=CaseKind.LEAVER, status=CaseStatus.OPEN)
        .filter(Q(person__end_date__isnull=True) | ~Q(person__end_date=F("effective_date")))
        .values_list("id", "person__employee_id", "person__end_date", "effective_date")
    )
    if not moved:
        return
    horizon = today + timedelta(days=settings.ORDNA_LEAVER_LEAD_DAYS)
    changes = []
    cancel: dict[int, str] = {}
    replan: dict[int, date] = {}
    for case_id, employee_id, end_date, effective in moved:
        if end_date is None or end_date > horizon:
            reason = (
                "The end date was removed (an extension)."
                if end_date is None
                else f"The end date moved to {end_date.isoformat()}, beyond the lead time; a new case opens then."
            )
            result.cancelled.append(employee_id)
            cancel[case_id] = reason
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
    cases_cancel(cancel, now=timezone.now())
    if replan:
        cases_replan(replan, today=today, actor=actor)
    audit_record_many(actor=actor, changes=changes)


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
        rows += device_rows(_facts(cases[holder], today), [(device_id, tag)])
    lines_insert(rows)
    audit_record_many(
        actor=actor,
        changes=[
            Change("case.lines_added", "lifecycle.case", str(cases[h].pk), after={"device": tag})
            for _, tag, h in missing
        ],
    )
    return len(rows)


# Accounts and devices as they come and go -----------------------------------------------------------------------


def account_lines_add(*, application_id: int, today: date, actor: Actor) -> int:
    """Accounts in the application that appeared (or became active) for people with an open leaver case get
    their lines; returns how many lines were added. Reads from the open leaver cases (few), not from the
    application's accounts (a million): their people's accounts by the person index, and the lines they have."""
    leavers = sorted(
        Case.objects.filter(kind=CaseKind.LEAVER, status=CaseStatus.OPEN).values_list("person_id", flat=True)
    )
    held: list[tuple[int, int, int, str, list[str] | None]] = []
    for people in chunks(leavers):
        held += Account.objects.filter(
            application_id=application_id, status=AccountStatus.ACTIVE, person_id__in=people
        ).values_list("person_id", "id", "application_id", "key_display", "licenses")
    lined: set[tuple[int, int]] = set()
    for accounts in chunks([h[1] for h in held]):
        lined |= set(
            Line.objects.filter(
                account_id__in=accounts, kind=LineKind.ACCOUNT, case__kind=CaseKind.LEAVER, case__status=CaseStatus.OPEN
            ).values_list("account_id", "case__person_id")
        )
    new = [h for h in held if (h[1], h[0]) not in lined]
    if not new:
        return 0
    cases = {
        c.person_id: c
        for c in Case.objects.filter(
            person_id__in={n[0] for n in new}, kind=CaseKind.LEAVER, status=CaseStatus.OPEN
        ).select_related("person")
    }
    apps = app_facts([application_id])
    rows: list[LineRow] = []
    for person_id, *account in new:
        rows += take_back_rows(_facts(cases[person_id], today), [tuple(account)], apps)
    # An account that was disabled and is active again may have a closed line of the same subject already.
    existing = set(
        Line.objects.filter(case_id__in=[c.pk for c in cases.values()], account_id__in=[n[1] for n in new]).values_list(
            "case_id", "account_id", "kind", "subject"
        )
    )
    rows = [r for r in rows if (r.case, r.account, r.kind, r.subject) not in existing]
    lines_insert(rows)
    audit_record_many(
        actor=actor,
        changes=[
            Change("case.lines_added", "lifecycle.case", str(r.case), after={"kind": r.kind, "subject": r.subject})
            for r in rows
        ],
    )
    return len(rows)


def lines_verify_device(*, device: Device, actor: Actor, today: date) -> int:
    """The device was checked in: its open lines are verified (check-in)."""
    ids = list(
        Line.objects.filter(device=device, state=LineState.OPEN, case__status=CaseStatus.OPEN).values_list(
            "id", flat=True
        )
    )
    cases = lines_verify(ids, how=VerifiedBy.CHECK_IN, actor=actor, label=actor.label[:150])
    cases_complete(case_ids=cases, actor=actor, today=today)
    return len(ids)
