"""Leavers past the retention period in the demo (docs/privacy.md), so that `ordna retention run --dry-run` has
someone to list. The people (`demo.people`) include a few who left more than two years ago; here half of them get
the leaver case they had, completed days after their last day, and one a legal hold. Nothing random: the rest of
the demo stays as it was."""

from __future__ import annotations

from datetime import date, timedelta

from ordna.core.actor import Actor
from ordna.demo.people import LONG_GONE, day_at
from ordna.lifecycle.models import Case, CaseKind, CaseStatus, Line, LineKind, LineState, Responsible
from ordna.people.models import LegalHold, Person

TASKS = (("Final pay and holiday balance", Responsible.HR), ("Collect the access badge", Responsible.MANAGER))


def retention_demo_load(*, actor: Actor, today: date) -> int:
    """Cases and a hold for the long-gone leavers; returns how many leavers left that long ago."""
    long_gone = list(Person.objects.filter(end_date__lt=today - LONG_GONE, cases__isnull=True).order_by("employee_id"))
    for index, person in enumerate(long_gone):
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
    if long_gone:
        LegalHold.objects.create(
            person=long_gone[0],
            reason="Dispute over the final pay (demo)",
            placed_by=actor.label,
            placed_at=day_at(today - timedelta(days=30), 9),
        )
    return len(long_gone)
