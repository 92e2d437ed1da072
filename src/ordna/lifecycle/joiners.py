"""Joiner and mover cases on the leaver engine (issue 11), birthright on templates, and expected versus actual.

Writes here follow services.py: atomic, audited, set-based. A joiner case opens when a person's start date is
within ORDNA_JOINER_LEAD_DAYS business days; its lines give what the joiner template lists (accounts,
licences, devices) and its tasks. A mover case opens when an HR import changes a person's department or
employment type: it removes what only the old template gave and adds what only the new one gives.
Lines that give are verified when an import shows the account active and linked to the person (with the
licence) or when a device of the kind is checked out to them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ordna.accounts.models import Account, AccountStatus, Finding, FindingKind, FindingState
from ordna.applications.models import Application
from ordna.core.actor import Actor
from ordna.core.audit import Change, audit_record, audit_record_many
from ordna.core.bulk import insert_rows, update_rows
from ordna.devices.models import Device, DeviceKind, DeviceStatus
from ordna.lifecycle import due_dates, expected
from ordna.lifecycle.models import (
    Birthright,
    BirthrightKind,
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
from ordna.lifecycle.services import (
    LINE_FIELDS,
    AppFacts,
    CaseFacts,
    CasesResult,
    LifecycleError,
    _account_rows,
    _app_facts,
    _application_party,
    _task_party,
    cases_complete,
    holiday_country_of,
    template_for,
)
from ordna.people.models import Person

GRANT_AT = LINE_FIELDS.index("reopened") + 1  # the `grant` column follows LINE_FIELDS in our rows
GRANT_FIELDS = (*LINE_FIELDS, "grant")


# Templates: birthright ------------------------------------------------------------------------------------


def birthright_add(
    *,
    template: CaseTemplate,
    actor: Actor,
    application: Application | None = None,
    licence: str = "",
    device_kind: str = "",
) -> Birthright:
    """Add an application (with an optional licence) or a device kind to a joiner template's birthright."""
    if template.kind != CaseKind.JOINER:
        raise LifecycleError("template: only joiner templates list birthright applications and devices")
    licence, device_kind = licence.strip(), device_kind.strip()
    if (application is None) == (not device_kind):
        raise LifecycleError("give either an application (with an optional licence) or a device kind")
    if device_kind and device_kind not in DeviceKind.values:
        raise LifecycleError(f"device_kind: {device_kind!r} is not one of {', '.join(DeviceKind.values)}")
    kind = BirthrightKind.APPLICATION if application is not None else BirthrightKind.DEVICE
    clash = Birthright.objects.filter(template=template)
    clash = (
        clash.filter(application=application, licence=licence) if application else clash.filter(device_kind=device_kind)
    )
    if clash.exists():
        raise LifecycleError("the template already gives this")
    with transaction.atomic():
        item = Birthright.objects.create(
            template=template, kind=kind, application=application, licence=licence, device_kind=device_kind
        )
        audit_record(
            actor=actor,
            action="case_template.birthright_added",
            target=item,
            after={
                "template_id": template.pk,
                "kind": kind,
                "application_id": application.pk if application else None,
                "licence": licence,
                "device_kind": device_kind,
            },
        )
    return item


def birthright_remove(*, item: Birthright, actor: Actor) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="case_template.birthright_removed",
            target=item,
            before={"template_id": item.template_id, "application_id": item.application_id, "device": item.device_kind},
        )
        item.delete()


def joiner_templates() -> list[CaseTemplate]:
    return list(CaseTemplate.objects.filter(kind=CaseKind.JOINER, active=True).prefetch_related("tasks", "birthrights"))


def access_entitlement(template: CaseTemplate | None) -> expected.Entitlement | None:
    """What a template says about accounts, for expected versus actual: None (not judged) when it gives no
    application at all, since a template of devices and tasks only says nothing about access."""
    if template is None or not any(b.application_id for b in template.birthrights.all()):
        return None
    return entitlement_of(template)


def entitlement_of(template: CaseTemplate | None) -> expected.Entitlement | None:
    """A joiner template's birthright as plain data (templates come with their birthrights prefetched)."""
    if template is None:
        return None
    apps: dict[int, set[str]] = {}
    devices = set()
    for item in template.birthrights.all():
        if item.kind == BirthrightKind.APPLICATION and item.application_id is not None:
            licences = apps.setdefault(item.application_id, set())
            if item.licence:
                licences.add(item.licence)
        elif item.device_kind:
            devices.add(item.device_kind)
    return expected.Entitlement(template.pk, {a: frozenset(lic) for a, lic in apps.items()}, frozenset(devices))


# Planning lines that give --------------------------------------------------------------------------------


def _grant_row(
    facts: CaseFacts,
    *,
    kind: str,
    subject: str,
    party: tuple[str, int | None, int | None],
    application_id: int | None = None,
    task_id: int | None = None,
    offset: int = 0,
    instructions: str = "",
    grant: bool = True,
) -> tuple[Any, ...]:
    due = due_dates.grant_due(
        kind=kind, first_day=facts.last_day, country=facts.country, opened_on=facts.opened_on, offset_days=offset
    )
    role, person_id, supplier_id = party
    return (
        facts.case_id,
        kind,
        application_id,
        None,
        None,
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
        grant,
    )


def _grant_rows(
    facts: CaseFacts,
    *,
    apps_added: Mapping[int, Collection[str]],
    devices: Collection[str],
    facts_of_app: dict[int, AppFacts],
    slugs: dict[int, str],
) -> list[tuple[Any, ...]]:
    """An account line per application to grant (subject: its slug), a licence line per licence, a device
    line per device kind (IT hands it out)."""
    rows = []
    for app_id in sorted(apps_added):
        party = _application_party(facts_of_app.get(app_id))
        if app_id not in facts_of_app or app_id not in slugs:
            continue
        rows.append(_grant_row(facts, kind=LineKind.ACCOUNT, subject=slugs[app_id], party=party, application_id=app_id))
        for licence in sorted(apps_added[app_id]):
            rows.append(_grant_row(facts, kind=LineKind.LICENCE, subject=licence, party=party, application_id=app_id))
    for device_kind in sorted(devices):
        rows.append(
            _grant_row(facts, kind=LineKind.DEVICE, subject=device_kind, party=(Responsible.COORDINATOR, None, None))
        )
    return rows


def _task_grant_rows(facts: CaseFacts, template: CaseTemplate | None, apps: dict[int, AppFacts]) -> list[tuple]:
    if template is None:
        return []
    return [
        _grant_row(
            facts,
            kind=LineKind.TASK,
            subject=task.title,
            party=_task_party(task, person_id=facts.person_id, manager_id=facts.manager_id, apps=apps),
            application_id=task.application_id,
            task_id=task.pk,
            offset=task.offset_days,
            instructions=task.instructions,
            grant=False,
        )
        for task in template.tasks.all()
    ]


def _slugs(app_ids: Collection[int]) -> dict[int, str]:
    return dict(Application.objects.filter(pk__in=set(app_ids)).values_list("id", "slug"))


# Joiner cases ---------------------------------------------------------------------------------------------


def joiners_open_due(*, actor: Actor, today: date, result: CasesResult, dry_run: bool) -> None:
    """Re-plan open joiner cases whose start date moved, cancel those whose hire was withdrawn (the leaver
    rule then takes back any account already made), and open a case for each person starting within the lead
    time who has none for this start date. Idempotent."""
    _joiners_replan(actor=actor, today=today, result=result, dry_run=dry_run)
    lead = settings.ORDNA_JOINER_LEAD_DAYS
    horizon = due_dates.add_business_days(today, lead, settings.ORDNA_HOLIDAY_COUNTRY) if lead else today
    candidates = list(
        Person.objects.filter(start_date__gte=today, start_date__lte=max(horizon, today))
        .exclude(end_date__isnull=False, end_date__lte=today)
        .values_list("id", "employee_id", "manager_id", "start_date", "end_date", "holiday_country")
    )
    if not candidates:
        return
    ids = [c[0] for c in candidates]
    had = set(
        Case.objects.filter(person_id__in=ids, kind=CaseKind.JOINER)
        .filter(Q(status=CaseStatus.OPEN) | Q(effective_date__in={c[3] for c in candidates}))
        .values_list("person_id", "effective_date", "status")
    )
    open_for = {p for p, _d, s in had if s == CaseStatus.OPEN}
    had_date = {(p, d) for p, d, _s in had}
    chosen: list[tuple[int, str, int | None, date, str]] = []
    for pid, employee_id, manager_id, start, end, country in candidates:
        country = holiday_country_of(country)
        if pid in open_for or (pid, start) in had_date:
            continue
        if start is not None and due_dates.needs_joiner_case(
            start_date=start, end_date=end, today=today, lead_days=lead, country=country
        ):
            chosen.append((pid, employee_id, manager_id, start, country))
    # A joiner case holds what a joiner template gives; where none applies there is nothing to provide or
    # verify, and an empty case could never complete: none is opened.
    templates = joiner_templates()
    kinds = dict(Person.objects.filter(pk__in=[c[0] for c in chosen]).values_list("id", "employment_type"))
    departments = dict(Person.objects.filter(pk__in=[c[0] for c in chosen]).values_list("id", "department"))
    chosen = [
        c
        for c in chosen
        if template_for(templates, employment_type=kinds[c[0]], department=departments[c[0]]) is not None
    ]
    result.opened += [c[1] for c in chosen]
    if dry_run or not chosen:
        return
    _open_joiner_cases(chosen, actor=actor, today=today, result=result)


def _open_joiner_cases(
    chosen: list[tuple[int, str, int | None, date, str]], *, actor: Actor, today: date, result: CasesResult
) -> None:
    now = timezone.now()
    people = {p.pk: p for p in Person.objects.filter(pk__in=[c[0] for c in chosen])}
    templates = joiner_templates()
    cases = []
    for pid, _eid, _manager, start, country in chosen:
        person = people[pid]
        cases.append(
            Case(
                kind=CaseKind.JOINER,
                person_id=pid,
                effective_date=start,
                status=CaseStatus.OPEN,
                urgent=_urgent(today=today, start=start, country=country),
                holiday_country=country,
                template=template_for(templates, employment_type=person.employment_type, department=person.department),
                opened_by=actor.label[:150],
                opened_at=now,
            )
        )
    created = Case.objects.bulk_create(cases, batch_size=1000)
    by_pk = {t.pk: t for t in templates}
    app_ids = {b.application_id for t in templates for b in t.birthrights.all() if b.application_id}
    app_ids |= {task.application_id for t in templates for task in t.tasks.all() if task.application_id}
    apps, slugs = _app_facts(app_ids), _slugs(app_ids)
    rows: list[tuple[Any, ...]] = []
    for case, (pid, _e, boss, start, country) in zip(created, chosen, strict=True):
        template = by_pk.get(case.template_id) if case.template_id else None
        entitlement = entitlement_of(template) or expected.NOTHING
        facts = CaseFacts(case.pk, pid, boss, start, country, today)
        rows += _grant_rows(
            facts, apps_added=entitlement.applications, devices=entitlement.devices, facts_of_app=apps, slugs=slugs
        )
        rows += _task_grant_rows(facts, template, apps)
    insert_rows(Line, GRANT_FIELDS, rows)
    result.lines_added += len(rows)
    audit_record_many(
        actor=actor,
        changes=[
            Change(
                "case.opened",
                "lifecycle.case",
                str(case.pk),
                after={"person_id": case.person_id, "kind": case.kind, "effective_date": case.effective_date},
            )
            for case in created
        ],
    )
    # A rehire may have the accounts and devices already.
    person_ids = [c.person_id for c in created]
    touched = grants_verify(person_ids=person_ids, actor=actor)
    cases_complete(case_ids=touched, actor=actor)


def _urgent(*, today: date, start: date, country: str) -> bool:
    """A joiner who starts within two business days: everything must be ready at once."""
    return due_dates.business_days_between(today, start, country) < 2


def _joiners_replan(*, actor: Actor, today: date, result: CasesResult, dry_run: bool) -> None:
    moved = list(
        Case.objects.filter(kind=CaseKind.JOINER, status=CaseStatus.OPEN)
        .filter(
            Q(person__start_date__isnull=True)
            | ~Q(person__start_date=F("effective_date"))
            | Q(person__end_date__isnull=False, person__end_date__lte=F("person__start_date"))
        )
        .values_list("id", "person__employee_id", "person__start_date", "person__end_date", "effective_date")
    )
    changes = []
    now = timezone.now()
    replan: dict[int, date] = {}
    for case_id, employee_id, start, end, effective in moved:
        if due_dates.hire_withdrawn(start_date=start, end_date=end):
            reason = "The hire was withdrawn; accounts already made become leaver lines."
            result.cancelled.append(employee_id)
            if not dry_run:
                Case.objects.filter(pk=case_id).update(
                    status=CaseStatus.CANCELLED, cancelled_at=now, cancel_reason=reason
                )
            changes.append(Change("case.cancelled", "lifecycle.case", str(case_id), after={"reason": reason}))
        elif start is not None and start != effective:
            result.replanned.append(employee_id)
            replan[case_id] = start
            changes.append(
                Change(
                    "case.replanned",
                    "lifecycle.case",
                    str(case_id),
                    before={"effective_date": effective},
                    after={"effective_date": start},
                )
            )
    if dry_run:
        return
    if replan:
        cases = {c.pk: c for c in Case.objects.filter(pk__in=replan)}
        updates = []
        for line_id, case_id, kind, offset in Line.objects.filter(case_id__in=replan, state=LineState.OPEN).values_list(
            "id", "case_id", "kind", "task__offset_days"
        ):
            due = due_dates.grant_due(
                kind=kind,
                first_day=replan[case_id],
                country=cases[case_id].holiday_country,
                opened_on=today,
                offset_days=offset or 0,
            )
            updates.append((due, line_id))
        update_rows(Line, ("due",), updates)
        for case_id, start in replan.items():
            urgent = _urgent(today=today, start=start, country=cases[case_id].holiday_country)
            Case.objects.filter(pk=case_id).update(effective_date=start, urgent=urgent)
    audit_record_many(actor=actor, changes=changes)


# Mover cases ----------------------------------------------------------------------------------------------


def movers_open(*, moved: Mapping[str, tuple[str, str]], actor: Actor, today: date, result: CasesResult) -> None:
    """Open a mover case for each person an HR import moved (employee id -> their department and employment
    type before): remove what only the old joiner template gave, add what only the new one gives, plus the
    mover template's tasks. People not started yet, leaving, or with nothing to change get no case."""
    if not moved:
        return
    people = list(
        Person.objects.filter(employee_id__in=list(moved))
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=today))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
    )
    if not people:
        return
    templates = joiner_templates()
    mover_templates = list(CaseTemplate.objects.filter(kind=CaseKind.MOVER, active=True).prefetch_related("tasks"))
    accounts: dict[int, list[tuple[Any, ...]]] = {}
    for pid, *rest in Account.objects.filter(
        person_id__in=[p.pk for p in people], status=AccountStatus.ACTIVE
    ).values_list("person_id", "id", "application_id", "key_display", "licenses"):
        accounts.setdefault(pid, []).append(tuple(rest))
    now = timezone.now()
    plans = []
    for person in people:
        old_department, old_type = moved[person.employee_id]
        old = entitlement_of(template_for(templates, employment_type=old_type, department=old_department))
        new = entitlement_of(
            template_for(templates, employment_type=person.employment_type, department=person.department)
        )
        diff = expected.difference(old, new)
        tasks = template_for(mover_templates, employment_type=person.employment_type, department=person.department)
        held = accounts.get(person.pk, [])
        held_apps = {a[1] for a in held}
        removals = [a for a in held if a[1] in diff.apps_removed]
        licence_removals = [
            (a[0], a[1], a[2], tuple(sorted(set(a[3] or ()) & diff.licences_removed[a[1]])))
            for a in held
            if a[1] in diff.licences_removed and set(a[3] or ()) & diff.licences_removed[a[1]]
        ]
        additions = {a: (new.applications[a] if new else frozenset()) for a in diff.apps_added if a not in held_apps}
        additions.update(diff.licences_added)
        if not (removals or licence_removals or additions or diff.devices_added or (tasks and tasks.tasks.all())):
            continue
        plans.append(
            (person, old_department, old_type, tasks, removals, licence_removals, additions, diff.devices_added)
        )
    if not plans:
        return
    # A second move before the first is done: the first case gives way to the new one.
    superseded = list(
        Case.objects.filter(
            person_id__in=[p[0].pk for p in plans], kind=CaseKind.MOVER, status=CaseStatus.OPEN
        ).values_list("id", flat=True)
    )
    if superseded:
        Case.objects.filter(pk__in=superseded).update(
            status=CaseStatus.CANCELLED,
            cancelled_at=now,
            cancel_reason="The person moved again; a new mover case replaces this one.",
        )
    created = Case.objects.bulk_create(
        [
            Case(
                kind=CaseKind.MOVER,
                person_id=person.pk,
                effective_date=today,
                status=CaseStatus.OPEN,
                holiday_country=holiday_country_of(person.holiday_country),
                template=tasks,
                opened_by=actor.label[:150],
                opened_at=now,
                from_department=old_department,
                from_employment_type=old_type,
            )
            for person, old_department, old_type, tasks, *_rest in plans
        ]
    )
    app_ids = (
        {a[1] for p in plans for a in p[4]} | {a[1] for p in plans for a in p[5]} | {a for p in plans for a in p[6]}
    )
    app_ids |= {t.application_id for p in plans if p[3] for t in p[3].tasks.all() if t.application_id}
    apps, slugs = _app_facts(app_ids), _slugs(app_ids)
    rows: list[tuple[Any, ...]] = []
    for case, (person, _d, _t, tasks, removals, licence_removals, additions, devices) in zip(
        created, plans, strict=True
    ):
        facts = CaseFacts(case.pk, person.pk, person.manager_id, today, case.holiday_country, today)
        rows += [(*row, False) for row in _account_rows(facts, removals, apps)]
        rows += [
            row
            for row in ((*r, False) for r in _account_rows(facts, licence_removals, apps))
            if row[1] == LineKind.LICENCE
        ]
        rows += _grant_rows(facts, apps_added=additions, devices=devices, facts_of_app=apps, slugs=slugs)
        rows += _task_grant_rows(facts, tasks, apps)
    insert_rows(Line, GRANT_FIELDS, rows)
    result.opened += [p[0].employee_id for p in plans]
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
                    "from_department": case.from_department,
                    "from_employment_type": case.from_employment_type,
                },
            )
            for case in created
        ]
        + [Change("case.cancelled", "lifecycle.case", str(pk), after={"reason": "moved again"}) for pk in superseded],
    )
    touched = grants_verify(person_ids=[c.person_id for c in created], actor=actor)
    cases_complete(case_ids=touched, actor=actor)


# Verifying lines that give --------------------------------------------------------------------------------


def grants_verify(
    *, actor: Actor, application_id: int | None = None, person_ids: Collection[int] | None = None
) -> set[int]:
    """Verify open account and licence lines that give, of open cases, when an active account of the case's
    person exists in the application (with the licence); the line then names the account. Reads only the
    open lines that give (few) and those people's accounts in the application. Returns the cases touched."""
    lines = Line.objects.filter(
        grant=True, state=LineState.OPEN, case__status=CaseStatus.OPEN, kind__in=[LineKind.ACCOUNT, LineKind.LICENCE]
    )
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
        ("state", "verified_by", "closed_by", "closed_at", "account"),
        [(LineState.VERIFIED, VerifiedBy.IMPORT, label, now, account_id, line_id) for line_id, account_id in verified],
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


def grants_verify_device(*, device: Device, actor: Actor) -> int:
    """A device was checked out to its holder: the holder's first open device line of that kind that gives
    is verified (check-out) and names the device."""
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
    line.save(update_fields=["state", "verified_by", "closed_by", "closed_at", "device"])
    audit_record(
        actor=actor,
        action="line.verified",
        target=line,
        before={"state": "open"},
        after={"state": "verified", "verified_by": "check-out", "device": device.asset_tag},
    )
    cases_complete(case_ids=[line.case_id], actor=actor)
    return 1


def grants_verify_held_devices(*, person_ids: Sequence[int], actor: Actor) -> None:
    for device in Device.objects.filter(holder_id__in=person_ids, status=DeviceStatus.ISSUED):
        grants_verify_device(device=device, actor=actor)


# Expected versus actual: excess access ------------------------------------------------------------------


def excess_access_sync(*, application_id: int, today: date) -> tuple[int, int]:
    """Open an `excess_access` finding for each active, linked account in the application that no joiner
    template gives its person, resolve those whose condition ended. One streaming query over the accounts
    with their people; set-based writes. Accepted findings (the approval) stay accepted until they expire.
    Returns (opened, resolved)."""
    templates = [t for t in joiner_templates() if t.birthrights.all()]
    excess: list[expected.HeldAccount] = []
    if templates:
        rows = (
            Account.objects.filter(application_id=application_id, status=AccountStatus.ACTIVE, person__isnull=False)
            .values_list("id", "person_id", "person__end_date", "person__employment_type", "person__department")
            .iterator(chunk_size=10000)
        )
        held, entitlements = [], {}
        by_match: dict[tuple[str, str], expected.Entitlement | None] = {}
        for account_id, person_id, end_date, employment_type, department in rows:
            match = (employment_type, department)
            if match not in by_match:
                by_match[match] = access_entitlement(
                    template_for(templates, employment_type=employment_type, department=department)
                )
            entitlements[person_id] = by_match[match]
            held.append(expected.HeldAccount(account_id, person_id, end_date))
        approved = set(
            Line.objects.filter(
                account__application_id=application_id, grant=False, state=LineState.WAIVED, case__kind=CaseKind.MOVER
            ).values_list("account_id", flat=True)
        )
        excess = expected.excess_accounts(
            application_id=application_id, accounts=held, entitlement_of=entitlements, approved=approved, today=today
        )
    live = dict(
        Finding.objects.filter(
            application_id=application_id,
            kind=FindingKind.EXCESS_ACCESS,
            state__in=[FindingState.OPEN, FindingState.ACCEPTED],
        ).values_list("account_id", "id")
    )
    wanted = {e.account_id: e for e in excess}
    new = [
        Finding(
            kind=FindingKind.EXCESS_ACCESS,
            application_id=application_id,
            account_id=e.account_id,
            person_id=e.person_id,
            state=FindingState.OPEN,
            since=today,
        )
        for account_id, e in sorted(wanted.items())
        if account_id not in live
    ]
    Finding.objects.bulk_create(new, batch_size=2000)
    gone = [pk for account_id, pk in live.items() if account_id not in wanted]
    for start in range(0, len(gone), 900):
        Finding.objects.filter(pk__in=gone[start : start + 900]).update(
            state=FindingState.RESOLVED, resolved_at=timezone.now()
        )
    Finding.objects.filter(
        application_id=application_id,
        kind=FindingKind.EXCESS_ACCESS,
        state=FindingState.ACCEPTED,
        accepted_until__lt=today,
    ).update(state=FindingState.OPEN, accepted_by="", accepted_reason="", accepted_until=None)
    return len(new), len(gone)
