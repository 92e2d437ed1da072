"""The lifecycle's figures over many days at once (overdue lines, how closed lines closed) equal the same figures
counted one day, one line at a time: the selectors place each line by bisection instead (for the monthly
report's 12-month trend over a year of churn, docs/performance.md)."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from ordna.lifecycle.models import Case, Line, LineState
from ordna.lifecycle.selectors import closing_shares, overdue_leaver_lines
from ordna.people.models import Person
from ordna.reports.figures import month_end

pytestmark = pytest.mark.django_db
FIRST = date(2026, 1, 1)


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _end(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


@pytest.fixture
def lines() -> list[Line]:
    """200 leaver cases' lines due, opened and closed on random days (and hours: a line closed at 23:00 on a
    month's last day is still open at its end) over ten months; some still open, some of a cancelled case."""
    rng = random.Random(16)
    made = []
    for n in range(200):
        last_day = FIRST + timedelta(days=rng.randint(0, 300))
        person = Person.objects.create(
            employee_id=f"F{n:03d}",
            first_name="Figure",
            last_name=str(n),
            start_date=date(2020, 1, 1),
            end_date=last_day,
        )
        case = Case.objects.create(
            person=person,
            effective_date=last_day,
            status="cancelled" if n % 17 == 0 else "open",
            cancel_reason="test" if n % 17 == 0 else "",
            opened_by="test",
            opened_at=_at(last_day - timedelta(days=rng.randint(0, 30)), rng.choice((0, 9, 23))),
        )
        for k in range(4):
            due = last_day + timedelta(days=rng.randint(-5, 10))
            state = rng.choice((LineState.OPEN, LineState.VERIFIED, LineState.ATTESTED, LineState.WAIVED))
            closed = (
                None
                if state == LineState.OPEN
                else _at(due + timedelta(days=rng.randint(-3, 60)), rng.choice((0, 12, 23)))
            )
            made.append(
                Line(
                    case=case,
                    kind="task",
                    subject=f"Task {k}",
                    responsible="coordinator",
                    due=due,
                    state=state,
                    closed_at=closed,
                    closed_by="test" if closed else "",
                    proof_taken_at=closed if state == LineState.VERIFIED else None,
                    verified_by="import" if state == LineState.VERIFIED else "",
                    attest_reason="other" if state == LineState.ATTESTED else "",
                    note="tested" if state in (LineState.ATTESTED, LineState.WAIVED) else "",
                    override=(override := rng.random() < 0.1),
                    override_reason="late proof" if override else "",
                )
            )
    return Line.objects.bulk_create(made)


def test_overdue_lines_on_many_days_equal_a_count_per_day(lines) -> None:
    days = sorted({month_end(date(2026, m, 1)) for m in range(1, 13)} | {date(2026, 3, 14), date(2026, 3, 14)})
    got = overdue_leaver_lines([*days, days[0]])  # a day asked twice answers the same
    for day in days:
        expected = sorted(
            (line.due, line.case_id, line.pk)
            for line in Line.objects.select_related("case")
            if line.case.status != "cancelled"
            and line.due < day
            and line.case.opened_at < _end(day)
            and (line.state == LineState.OPEN or (line.closed_at is not None and line.closed_at >= _end(day)))
        )
        assert [(x.due, x.case_id) for x in got[day]] == [(due, case_id) for due, case_id, _pk in expected], day
    assert sum(len(got[day]) for day in days) > 100  # the data reaches every branch


def test_closing_shares_per_month_equal_a_count_per_month(lines) -> None:
    months = [date(2026, m, 1) for m in range(1, 13)]
    got = closing_shares(months)
    for month in months:
        start = timezone.make_aware(datetime.combine(month, time.min))
        mine = [
            line
            for line in Line.objects.filter(case__kind="leaver").exclude(state=LineState.OPEN)
            if line.closed_at is not None and start <= line.closed_at < _end(month_end(month))
        ]
        assert (got[month].verified, got[month].attested, got[month].waived, got[month].overrides) == (
            sum(1 for x in mine if x.state == LineState.VERIFIED),
            sum(1 for x in mine if x.state == LineState.ATTESTED),
            sum(1 for x in mine if x.state == LineState.WAIVED),
            sum(1 for x in mine if x.override),
        ), month
    assert sum(got[m].total for m in months) > 300
