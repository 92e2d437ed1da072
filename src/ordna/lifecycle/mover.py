"""Mover cases (issues 11 and 19) on the case engine: a change of department, employment type or company of
the group in an HR import.

The case takes back what only the old joiner template gave (its accounts and licences, by the leaving rule
from the move date), gives what only the new one gives (by the joining rule), and holds the mover template's
tasks. A move between companies also takes back every account in the old company's own applications (its
tenant, say): what is shared by the group stays. A second move before the first is done cancels the first
case.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.db.models import Q
from django.utils import timezone

from ordna.applications.models import Application
from ordna.core.actor import Actor
from ordna.core.audit import Change, audit_record_many
from ordna.lifecycle import expected
from ordna.lifecycle.case_templates import entitlement_of, joiner_templates, template_for
from ordna.lifecycle.engine import (
    CaseFacts,
    CasesResult,
    LineRow,
    active_accounts_of,
    app_facts,
    app_slugs,
    case_new,
    cases_cancel,
    cases_complete,
    give_rows,
    holiday_country_of,
    lines_insert,
    take_back_rows,
    task_rows,
)
from ordna.lifecycle.models import Case, CaseKind, CaseStatus, CaseTemplate, LineKind
from ordna.lifecycle.verification import grants_verify
from ordna.people.models import Person


def movers_open(
    *,
    moved: Mapping[str, tuple[str, str]],
    actor: Actor,
    today: date,
    result: CasesResult,
    companies_before: Mapping[str, int] | None = None,
) -> None:
    """Open a mover case for each person an HR import moved (employee id -> their department and employment
    type before; `companies_before`: the company left, when they moved between companies): remove what only the
    old joiner template gave and what the old company's own applications hold, add what only the new one
    gives, plus the mover template's tasks. People not started yet, leaving, or with nothing to change get no
    case."""
    companies_before = companies_before or {}
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
    accounts = active_accounts_of([p.pk for p in people])
    company_of_app = dict(
        Application.objects.filter(
            pk__in={a[1] for held in accounts.values() for a in held}, company__isnull=False
        ).values_list("id", "company_id")
    )
    now = timezone.now()
    plans = []
    for person in people:
        old_department, old_type = moved[person.employee_id]
        old_company = companies_before.get(person.employee_id, person.company_id)
        old = entitlement_of(
            template_for(templates, employment_type=old_type, department=old_department, company_id=old_company)
        )
        new = entitlement_of(
            template_for(
                templates,
                employment_type=person.employment_type,
                department=person.department,
                company_id=person.company_id,
            )
        )
        diff = expected.difference(old, new)
        tasks = template_for(
            mover_templates,
            employment_type=person.employment_type,
            department=person.department,
            company_id=person.company_id,
        )
        held = accounts.get(person.pk, [])
        held_apps = {a[1] for a in held}
        left_company = old_company if old_company != person.company_id else None
        removals = [
            a
            for a in held
            if a[1] in diff.apps_removed or (left_company is not None and company_of_app.get(a[1]) == left_company)
        ]
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
    cases_cancel(
        dict.fromkeys(superseded, "The person moved again; a new mover case replaces this one."),
        now=now,
    )
    created = Case.objects.bulk_create(
        [
            case_new(
                kind=CaseKind.MOVER,
                person_id=person.pk,
                effective_date=today,
                country=holiday_country_of(person.holiday_country),
                template=tasks,
                actor=actor,
                now=now,
                from_department=old_department,
                from_employment_type=old_type,
                from_company_id=companies_before.get(person.employee_id),
            )
            for person, old_department, old_type, tasks, *_rest in plans
        ]
    )
    app_ids = (
        {a[1] for p in plans for a in p[4]} | {a[1] for p in plans for a in p[5]} | {a for p in plans for a in p[6]}
    )
    app_ids |= {t.application_id for p in plans if p[3] for t in p[3].tasks.all() if t.application_id}
    apps, slugs = app_facts(app_ids), app_slugs(app_ids)
    rows: list[LineRow] = []
    for case, (person, _d, _t, tasks, removals, licence_removals, additions, devices) in zip(
        created, plans, strict=True
    ):
        facts = CaseFacts(case.pk, CaseKind.MOVER, person.pk, person.manager_id, today, case.holiday_country, today)
        rows += take_back_rows(facts, removals, apps)
        rows += [row for row in take_back_rows(facts, licence_removals, apps) if row.kind == LineKind.LICENCE]
        rows += give_rows(facts, apps_added=additions, devices=devices, apps=apps, slugs=slugs)
        rows += task_rows(facts, tasks, apps)
    lines_insert(rows)
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
                    "from_company_id": case.from_company_id,
                },
            )
            for case in created
        ]
        + [Change("case.cancelled", "lifecycle.case", str(pk), after={"reason": "moved again"}) for pk in superseded],
    )
    touched = grants_verify(person_ids=[c.person_id for c in created], actor=actor)
    cases_complete(case_ids=touched, actor=actor, today=today)
