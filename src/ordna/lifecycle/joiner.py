"""Joiner cases (issue 11) on the case engine, and the access beyond what joiner templates give.

A joiner case opens when a person's start date is within ORDNA_JOINER_LEAD_DAYS business days and a joiner
template applies to them; its lines give what the template's birthright lists (accounts, licences, devices)
plus its tasks, due so that everything works on the first day. Moving the start date re-plans the case;
withdrawing the hire cancels it (the leaver rule then takes back what was made already). Lines that give are
verified by evidence (verification.py). An active account that no joiner template gives its person is an
`excess_access` finding.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from ordna.accounts.models import Account, AccountStatus, Finding, FindingKind, FindingState
from ordna.core.actor import Actor
from ordna.core.audit import Change, audit_record_many
from ordna.core.business_days import add_business_days
from ordna.lifecycle import due_dates, expected
from ordna.lifecycle.case_templates import access_entitlement, entitlement_of, joiner_templates, template_for
from ordna.lifecycle.engine import (
    CaseFacts,
    CasesResult,
    LineRow,
    app_facts,
    app_slugs,
    case_new,
    cases_cancel,
    cases_complete,
    cases_replan,
    give_rows,
    holiday_country_of,
    lines_insert,
    task_rows,
)
from ordna.lifecycle.models import Case, CaseKind, CaseStatus, Line, LineState
from ordna.lifecycle.verification import grants_verify
from ordna.people.models import Person


def joiners_open_due(*, actor: Actor, today: date, result: CasesResult, dry_run: bool) -> None:
    """Re-plan open joiner cases whose start date moved, cancel those whose hire was withdrawn (the leaver
    rule then takes back any account already made), and open a case for each person starting within the lead
    time who has none for this start date. Idempotent."""
    _joiners_replan(actor=actor, today=today, result=result, dry_run=dry_run)
    lead = settings.ORDNA_JOINER_LEAD_DAYS
    horizon = add_business_days(today, lead, settings.ORDNA_HOLIDAY_COUNTRY) if lead else today
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
    matches = {
        pk: (employment_type, department, company_id)
        for pk, employment_type, department, company_id in Person.objects.filter(
            pk__in=[c[0] for c in chosen]
        ).values_list("id", "employment_type", "department", "company_id")
    }
    chosen = [
        c
        for c in chosen
        if template_for(
            templates,
            employment_type=matches[c[0]][0],
            department=matches[c[0]][1],
            company_id=matches[c[0]][2],
        )
        is not None
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
            case_new(
                kind=CaseKind.JOINER,
                person_id=pid,
                effective_date=start,
                country=country,
                urgent=due_dates.is_urgent(last_day=start, today=today, country=country),
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
    by_pk = {t.pk: t for t in templates}
    app_ids = {b.application_id for t in templates for b in t.birthrights.all() if b.application_id}
    app_ids |= {task.application_id for t in templates for task in t.tasks.all() if task.application_id}
    apps, slugs = app_facts(app_ids), app_slugs(app_ids)
    rows: list[LineRow] = []
    for case, (pid, _e, boss, start, country) in zip(created, chosen, strict=True):
        template = by_pk.get(case.template_id) if case.template_id else None
        entitlement = entitlement_of(template) or expected.NOTHING
        facts = CaseFacts(case.pk, CaseKind.JOINER, pid, boss, start, country, today)
        rows += give_rows(
            facts, apps_added=entitlement.applications, devices=entitlement.devices, apps=apps, slugs=slugs
        )
        rows += task_rows(facts, template, apps)
    lines_insert(rows)
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
    touched = grants_verify(person_ids=[c.person_id for c in created], actor=actor)
    cases_complete(case_ids=touched, actor=actor, today=today)


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
    cancel: dict[int, str] = {}
    replan: dict[int, date] = {}
    for case_id, employee_id, start, end, effective in moved:
        if due_dates.hire_withdrawn(start_date=start, end_date=end):
            reason = "The hire was withdrawn; accounts already made become leaver lines."
            result.cancelled.append(employee_id)
            cancel[case_id] = reason
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
    cases_cancel(cancel, now=timezone.now())
    if replan:
        cases_replan(replan, today=today, actor=actor)
    audit_record_many(actor=actor, changes=changes)


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
            .values_list(
                "id",
                "person_id",
                "person__end_date",
                "person__employment_type",
                "person__department",
                "person__company_id",
            )
            .iterator(chunk_size=10000)
        )
        held, entitlements = [], {}
        by_match: dict[tuple[str, str, int], expected.Entitlement | None] = {}
        for account_id, person_id, end_date, employment_type, department, company_id in rows:
            match = (employment_type, department, company_id)
            if match not in by_match:
                by_match[match] = access_entitlement(
                    template_for(
                        templates, employment_type=employment_type, department=department, company_id=company_id
                    )
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
