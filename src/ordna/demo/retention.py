"""Leavers past the retention period in the demo (docs/privacy.md), so that `ordna retention run --dry-run` has
someone to list: a few of the people who left more than 13 months ago (before the 12-month trend, whose figures
they do not change) left two years earlier still; half of them had a leaver case, completed days after their last
day, and one is under a legal hold. Chosen without the demo's random draws, so everything else stays as it was."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import F

from ordna.accounts.models import Account, AccountStatus
from ordna.core.actor import Actor
from ordna.core.models import User
from ordna.demo.people import day_at
from ordna.devices.models import Device
from ordna.lifecycle.models import Case, CaseKind, CaseStatus, Line, LineKind, LineState, Responsible
from ordna.people.models import LegalHold, Person

SHIFT = timedelta(days=730)
TASKS = (("Final pay and holiday balance", Responsible.HR), ("Collect the access badge", Responsible.MANAGER))


def retention_demo_load(*, people: int, actor: Actor, today: date) -> int:
    """Move a few long-gone leavers past the period; returns how many."""
    held = Device.objects.filter(holder__isnull=False).values("holder_id")
    active = Account.objects.filter(status=AccountStatus.ACTIVE, person__isnull=False).values("person_id")
    users = User.objects.filter(person__isnull=False).values("person_id")
    chosen = list(
        Person.objects.filter(end_date__lt=today - timedelta(days=400))
        .exclude(pk__in=held)
        .exclude(pk__in=active)
        .exclude(pk__in=users)
        .exclude(cases__isnull=False)
        .exclude(reports__isnull=False)
        .order_by("employee_id")[: max(3, people // 200)]
    )
    ids = [p.pk for p in chosen]
    Person.objects.filter(pk__in=ids).update(end_date=F("end_date") - SHIFT)
    Person.objects.filter(pk__in=ids, start_date__isnull=False).update(start_date=F("start_date") - SHIFT)
    moved = {p.pk: p for p in Person.objects.filter(pk__in=ids)}
    for index, pk in enumerate(ids):
        person = moved[pk]
        if index % 2 or person.end_date is None:
            continue  # left without a case, as people who left before Ordna did
        last_day = person.end_date
        case = Case.objects.create(
            kind=CaseKind.LEAVER,
            person=person,
            effective_date=last_day,
            status=CaseStatus.COMPLETED,
            opened_by="Ordna (daily)",
            opened_at=day_at(last_day - timedelta(days=14), 5),
            completed_at=day_at(last_day + timedelta(days=3), 11),
        )
        Line.objects.bulk_create(
            Line(
                case=case,
                kind=LineKind.TASK,
                subject=title,
                responsible=responsible,
                due=last_day,
                state=LineState.ATTESTED,
                closed_by="hr" if responsible == Responsible.HR else "manager",
                closed_at=day_at(last_day + timedelta(days=offset), 10),
            )
            for offset, (title, responsible) in enumerate(TASKS)
        )
    if chosen:
        LegalHold.objects.create(
            person=moved[ids[0]],
            reason="Dispute over the final pay (demo)",
            placed_by=actor.label,
            placed_at=day_at(today - timedelta(days=30), 9),
        )
    return len(chosen)
