"""Retention: who is past the period (ORDNA_RETENTION_MONTHS after their case completed, or after they left
without a case), who is kept and why, and the run that erases the rest (docs/privacy.md).

The same rules decide an erasure request (`erase_refusal`): an open case or a legal hold refuses it; the
period does not apply to a request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ordna.accounts.models import Account, AccountStatus
from ordna.core.actor import Actor
from ordna.core.errors import no_person
from ordna.devices.models import Device
from ordna.home.erasure import person_erase
from ordna.lifecycle.models import Case, CaseStatus
from ordna.people.models import ErasureRequest, LegalHold, Person
from ordna.support.models import Question

Verdict = Literal["erase", "keep"]


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the last day of a shorter month when it has no such day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for candidate in range(day.day, 27, -1):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    return date(year, month, min(day.day, 28))


def retention_cutoff(today: date, months: int | None = None) -> date:
    """Data from before this day is past the period."""
    return months_before(today, settings.ORDNA_RETENTION_MONTHS if months is None else months)


def _local(moment: datetime | None) -> date | None:
    return timezone.localdate(moment) if moment is not None else None


@dataclass
class Decision:
    """What retention decides for one person, and why, in a sentence for the dry run."""

    person_id: int
    employee_id: str
    name: str
    verdict: Verdict
    why: str


@dataclass
class RetentionResult:
    dry_run: bool
    cutoff: date
    decisions: list[Decision] = field(default_factory=list)
    erased: list[str] = field(default_factory=list)  # the pseudonyms of the people erased now

    @property
    def to_erase(self) -> list[Decision]:
        return [d for d in self.decisions if d.verdict == "erase"]

    @property
    def kept(self) -> list[Decision]:
        return [d for d in self.decisions if d.verdict == "keep"]


def hold_in_force(person: Person) -> LegalHold | None:
    return LegalHold.objects.filter(person=person, released_at__isnull=True).first()


def erase_refusal(person: Person) -> str:
    """Why `person` may not be erased at all (an open case, a legal hold, erased already), or ''."""
    if person.erased_at is not None:
        return _("Their personal data was erased on %(day)s already.") % {"day": _local(person.erased_at)}
    hold = hold_in_force(person)
    if hold is not None:
        return _("A legal hold is in force since %(day)s: %(reason)s") % {
            "day": _local(hold.placed_at),
            "reason": hold.reason,
        }
    case = Case.objects.filter(person=person, status=CaseStatus.OPEN).first()
    if case is not None:
        return _("Their %(kind)s case of %(day)s is still open.") % {
            "kind": case.get_kind_display().lower(),
            "day": case.effective_date,
        }
    return ""


def _newer_data(person: Person, cutoff: date) -> str:
    """Why something about `person` is newer than the period, or ''."""
    if person.end_date is None or person.end_date >= cutoff:
        return _("Their last day, %(day)s, is within the period.") % {"day": person.end_date or "—"}
    cases = Case.objects.filter(person=person).aggregate(completed=Max("completed_at"), cancelled=Max("cancelled_at"))
    for moment, sentence in (
        (cases["completed"], _("A case of theirs completed on %(day)s, within the period.")),
        (cases["cancelled"], _("A case of theirs was cancelled on %(day)s, within the period.")),
    ):
        day = _local(moment)
        if day is not None and day >= cutoff:
            return sentence % {"day": day}
    active = (
        Account.objects.filter(person=person, status=AccountStatus.ACTIVE, last_seen__date__gte=cutoff)
        .select_related("application")
        .first()
    )
    if active is not None:
        return _("Their account %(key)s in %(application)s was still active on %(day)s.") % {
            "key": active.key_display,
            "application": active.application.name,
            "day": _local(active.last_seen),
        }
    device = Device.objects.filter(holder=person).first()
    if device is not None:
        return _("They still hold the device %(tag)s.") % {"tag": device.asset_tag}
    asked = _local(Question.objects.filter(asked_by=person).aggregate(at=Max("asked_at"))["at"])
    if asked is not None and asked >= cutoff:
        return _("They asked a question on %(day)s, within the period.") % {"day": asked}
    return ""


def _why_past(person: Person) -> str:
    case = (
        Case.objects.filter(person=person, status=CaseStatus.COMPLETED, completed_at__isnull=False)
        .order_by("-completed_at")
        .first()
    )
    if case is not None:
        return _("Left on %(left)s; their %(kind)s case completed on %(done)s.") % {
            "left": person.end_date,
            "kind": case.get_kind_display().lower(),
            "done": _local(case.completed_at),
        }
    return _("Left on %(left)s without a case.") % {"left": person.end_date}


def retention_decide(person: Person, *, cutoff: date) -> Decision:
    """Erase or keep `person`, with the reason."""
    why = erase_refusal(person) or _newer_data(person, cutoff)
    verdict: Verdict = "keep" if why else "erase"
    return Decision(person.pk, person.employee_id, person.full_name, verdict, why or _why_past(person))


def retention_candidates(*, cutoff: date) -> list[Person]:
    """Leavers whose last day is before the cutoff and whose data is not erased yet, in a stable order."""
    left = Q(end_date__lt=cutoff, erased_at__isnull=True)
    return list(Person.objects.filter(left).order_by("end_date", "employee_id"))


def retention_run(*, today: date, actor: Actor, dry_run: bool = False) -> RetentionResult:
    """Erase every leaver past the period, one person per transaction (an interrupted run leaves each one
    untouched or fully erased; running it again finishes). The dry run decides the same and erases nothing."""
    cutoff = retention_cutoff(today)
    result = RetentionResult(dry_run=dry_run, cutoff=cutoff)
    for person in retention_candidates(cutoff=cutoff):
        decision = retention_decide(person, cutoff=cutoff)
        result.decisions.append(decision)
        if decision.verdict == "erase" and not dry_run:
            result.erased.append(person_erase(person=person, actor=actor, reason="retention"))
    return result


def person_by_employee_id(employee_id: str) -> Person:
    person = Person.objects.filter(employee_id=employee_id).first()
    if person is None:
        raise no_person("employee_id", employee_id)
    return person


def person_privacy(person: Person) -> dict[str, object]:
    """What the person page shows an admin: the hold in force and the waiting erasure request, if any."""
    return {
        "hold": hold_in_force(person),
        "pending": ErasureRequest.objects.filter(person=person, state=ErasureRequest.State.PENDING).first(),
    }
