"""Due dates of case lines and the rules that open and mark cases (docs/offboarding.md). Pure: no ORM, no settings.

Counted in business days (ordna.core.business_days): weekdays without the country's public holidays.
"""

from __future__ import annotations

from datetime import date, timedelta

from ordna.core.business_days import add_business_days, business_days_between, next_business_day

# Kinds of line and where their due date comes from.
ACCOUNT, LICENCE, DEVICE, TASK = "account", "licence", "device", "task"


def line_due(*, kind: str, last_day: date, country: str, opened_on: date, offset_days: int = 0) -> date:
    """When a line of a leaver case is due.

    Account and licence lines: `offset_days` business days after the last day (the application's
    deprovisioning deadline, default 1). Devices: on the last day (the last business day on or before it).
    Tasks: their template offset, in business days from the last day (negative: before it). A line is never
    due before the first business day on or after the day its case opened: an immediate termination gets
    its lines due at once, not born overdue.
    """
    if kind in (ACCOUNT, LICENCE):
        due = add_business_days(last_day, max(offset_days, 0), country)
    elif kind == DEVICE:
        due = add_business_days(last_day, 0, country)
    elif kind == TASK:
        due = add_business_days(last_day, offset_days, country)
    else:
        raise ValueError(f"unknown line kind {kind!r}")
    return max(due, next_business_day(opened_on, country))


def grant_due(*, kind: str, first_day: date, country: str, opened_on: date, offset_days: int = 0) -> date:
    """When a line that gives something (a joiner's or mover's) is due: accounts, licences and devices the
    business day before the first day, so they work on day one; tasks their offset from the first day. Never
    before the first business day on or after the day the case opened."""
    if kind in (ACCOUNT, LICENCE, DEVICE):
        due = add_business_days(first_day, -1, country)
    elif kind == TASK:
        due = add_business_days(first_day, offset_days, country)
    else:
        raise ValueError(f"unknown line kind {kind!r}")
    return max(due, next_business_day(opened_on, country))


def needs_joiner_case(
    *, start_date: date | None, end_date: date | None, today: date, lead_days: int, country: str
) -> bool:
    """Whether a joiner case should open: the start date is today or later and at most `lead_days` business
    days away, and the hire is not withdrawn (an end date on or before the start date)."""
    if start_date is None or start_date < today or hire_withdrawn(start_date=start_date, end_date=end_date):
        return False
    return business_days_between(today, start_date, country) <= lead_days


def hire_withdrawn(*, start_date: date | None, end_date: date | None) -> bool:
    """HR withdraws a hire by removing the start date or ending the person on (or before) it."""
    return start_date is None or (end_date is not None and end_date <= start_date)


def is_urgent(*, last_day: date, today: date, country: str) -> bool:
    """An urgent case: the last day is today or past, or less than two business days away."""
    return last_day <= today or business_days_between(today, last_day, country) < 2


def needs_case(
    *,
    end_date: date | None,
    today: date,
    lead_days: int,
    recent_days: int,
    has_open_case: bool,
    completed_this_employment: bool,
    newly_ended: bool = False,
) -> bool:
    """Whether a leaver case should open for a person today (docs/offboarding.md).

    Within the lead time before the last day, or at once when it is nearer or past; but a person who left
    more than `recent_days` ago gets no case (their leftovers show as findings), unless HR has only now
    ended them (`newly_ended`: an end date entered late). One open case at a time, and none again once a case
    of the current employment completed (a rehire starts a new employment, and so a fresh history).
    """
    if end_date is None or has_open_case or completed_this_employment:
        return False
    if end_date > today + timedelta(days=lead_days):
        return False
    return newly_ended or end_date >= today - timedelta(days=recent_days)
