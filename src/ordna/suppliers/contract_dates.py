"""Contract date arithmetic (docs/suppliers.md): terms, tacit renewals, cancel-by and decision dates, alert stages.

Plain functions over dates, without the ORM, so that every rule is tested directly:

- month arithmetic clamps to the month's last day: 31 January + 1 month is 28 (or 29) February;
- a term starting on S and lasting M months ends on S + M months - 1 day;
- a tacit renewal starts the day after the end and lasts the renewal term; the current term contains today;
- cancel_by = (current term end + 1 day) - notice - 1 day; decision_date = cancel_by - buffer days;
- `none` and `express` contracts do not roll over: they have no cancel-by once their last term has ended.

The cancel-by date is always computed from the **current** term's end, never from the initial one.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

from ordna.core.errors import ServiceError

RENEWALS = ("none", "tacit", "express")
NOTICE_UNITS = ("months", "days")
DEFAULT_ALERT_STAGES = (180, 90, 30, 7)
# A term of one month renewed for 200 years: anything longer is a data error, not a contract.
MAX_TERMS = 2400


class ContractDateError(ServiceError):
    """The terms cannot describe a contract; `field` names the field."""


def add_months(day: date, months: int) -> date:
    """`day` moved by `months` (negative: back), clamped to the last day of the target month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_end(start: date, months: int) -> date:
    """The last day of a term that starts on `start` and lasts `months` months."""
    return add_months(start, months) - timedelta(days=1)


@dataclass(frozen=True)
class Notice:
    """A notice period: a number of months or of days."""

    amount: int
    unit: str

    def __post_init__(self) -> None:
        if self.unit not in NOTICE_UNITS:
            raise ContractDateError(
                _("The notice period is in months or days, not %(unit)s."), field="notice", unit=repr(self.unit)
            )
        if self.amount < 0:
            raise ContractDateError(_("The notice period cannot be negative."), field="notice")

    @classmethod
    def parse(cls, text: str) -> Notice:
        """'3 months', '1 month', '90 days', '0 days' (case-insensitive); a ContractDateError says why not."""
        match = re.fullmatch(r"\s*(\d{1,4})\s*(months?|days?)\s*", text.lower())
        if match is None:
            raise ContractDateError(
                _("Give the notice period as 3 months or 90 days, not %(text)s."), field="notice", text=repr(text)
            )
        unit = match.group(2)
        return cls(int(match.group(1)), unit if unit.endswith("s") else unit + "s")

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}"

    def before(self, day: date) -> date:
        """`day` minus the notice period."""
        if self.unit == "months":
            return add_months(day, -self.amount)
        return day - timedelta(days=self.amount)


@dataclass(frozen=True)
class ContractTerms:
    """What a contract says about its dates."""

    start: date
    initial_term_months: int
    renewal: str
    renewal_term_months: int | None
    notice: Notice
    decision_buffer_days: int = 0

    def __post_init__(self) -> None:
        if self.renewal not in RENEWALS:
            raise ContractDateError(
                _("The renewal is none, tacit or express, not %(renewal)s."),
                field="renewal",
                renewal=repr(self.renewal),
            )
        if self.initial_term_months < 1:
            raise ContractDateError(_("The initial term lasts at least one month."), field="initial_term_months")
        if self.renewal != "none" and (self.renewal_term_months is None or self.renewal_term_months < 1):
            raise ContractDateError(
                _("A renewing contract needs a renewal term of one month or more."), field="renewal_term_months"
            )
        if self.decision_buffer_days < 0:
            raise ContractDateError(_("The decision buffer cannot be negative."), field="decision_buffer_days")


@dataclass(frozen=True)
class Term:
    """One term of a contract: 0 is the initial term, 1 the first renewal, and so on."""

    number: int
    start: date
    end: date

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def next_term(contract: ContractTerms, term: Term) -> Term:
    """The renewal that follows `term`: it starts the day after its end and lasts the renewal term."""
    start = term.end + timedelta(days=1)
    return Term(term.number + 1, start, term_end(start, contract.renewal_term_months or 0))


def cancel_by_for(contract: ContractTerms, term: Term) -> date:
    """The last day on which notice can be given to end the contract at `term`'s end."""
    return contract.notice.before(term.end + timedelta(days=1)) - timedelta(days=1)


@dataclass(frozen=True)
class ContractDates:
    """The dates that matter today.

    `status`: `not_started` (today before the start), `active`, `decision_due` (from the decision date to the
    cancel-by date), `notice_passed` (after the cancel-by date, before the term's end) or `expired` (the last
    term has ended: `none` and `express` contracts, or a tacit one terminated at that term).
    """

    current_term: Term
    cancel_by: date | None
    decision_date: date | None
    status: str
    rolls_over: bool

    @property
    def current_term_start(self) -> date:
        return self.current_term.start

    @property
    def current_term_end(self) -> date:
        return self.current_term.end


def contract_dates(
    contract: ContractTerms,
    *,
    today: date,
    express_renewals: int = 0,
    terminated_at_term: int | None = None,
) -> ContractDates:
    """The current term and its cancel-by and decision dates on `today`.

    `express_renewals` counts the renewals agreed expressly (an express contract lasts its initial term plus
    those); `terminated_at_term` is the term at whose end a tacit contract was terminated (it then does not roll
    over past it).
    """
    term = Term(0, contract.start, term_end(contract.start, contract.initial_term_months))
    if contract.renewal == "none":
        last: int | None = 0
    elif contract.renewal == "express":
        last = express_renewals
    else:
        last = terminated_at_term
    if today >= term.start:
        while today > term.end and (last is None or term.number < last):
            if term.number >= MAX_TERMS:
                raise ContractDateError(
                    _("More than 2400 terms have passed: check the dates."), field="renewal_term_months"
                )
            term = next_term(contract, term)
    rolls_over = contract.renewal == "tacit" and (last is None or term.number < last)
    if today > term.end:
        return ContractDates(term, None, None, "expired", rolls_over=False)
    cancel_by = cancel_by_for(contract, term)
    decision_date = cancel_by - timedelta(days=contract.decision_buffer_days)
    if today < term.start:
        status = "not_started"
    elif today > cancel_by:
        status = "notice_passed"
    elif today >= decision_date:
        status = "decision_due"
    else:
        status = "active"
    return ContractDates(term, cancel_by, decision_date, status, rolls_over=rolls_over)


def parse_alert_stages(text: str) -> tuple[int, ...]:
    """'180,90,30,7' as a descending tuple of distinct non-negative day counts; a ValueError names the value."""
    try:
        stages = sorted({int(part) for part in text.split(",") if part.strip()}, reverse=True)
    except ValueError as exc:
        raise ValueError(f"alert stages {text!r} are not whole numbers of days separated by commas") from exc
    if not stages or stages[-1] < 0:
        raise ValueError(f"alert stages {text!r}: give one or more day counts of 0 or more")
    return tuple(stages)


def alert_stage(decision_date: date, *, today: date, stages: tuple[int, ...] = DEFAULT_ALERT_STAGES) -> int | None:
    """The alert stage `today` is in before `decision_date`, or None before the first stage.

    The stage is the smallest configured number of days that is still at least the days left; once the decision
    date has passed the stage is 0 (overdue) and stays so until a decision is recorded, so the alert repeats.
    """
    days_left = (decision_date - today).days
    if days_left < 0:
        return 0
    reached = [stage for stage in stages if days_left <= stage]
    return min(reached) if reached else None
