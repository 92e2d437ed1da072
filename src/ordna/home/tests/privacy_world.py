"""A small organisation two and more years on (TODAY is 2026-11-16, the period 24 months: data before
2024-11-16 is past it), with one leaver of each kind retention must tell apart."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from django.utils import timezone

from ordna.accounts.models import Account
from ordna.applications.models import Application
from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.core.models import Supplier
from ordna.lifecycle.models import Case, Line
from ordna.people.models import Person
from ordna.support.models import Question


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def person(employee_id: str, first: str, last: str, end: date | None, **fields: Any) -> Person:
    return Person.objects.create(
        employee_id=employee_id,
        first_name=first,
        last_name=last,
        email=f"{first}.{last}@example.org".lower(),
        email_aliases=[f"{first[0]}{last}@example.org".lower()],
        department="Sales",
        start_date=date(2020, 1, 1),
        end_date=end,
        **fields,
    )


def case(who: Person, last_day: date, done: date | None, status: str = "completed") -> Case:
    return Case.objects.create(
        person=who,
        effective_date=last_day,
        status=status,
        opened_by="HR import",
        opened_at=at(last_day),
        completed_at=at(done) if done and status == "completed" else None,
    )


def build_world(make_user: Callable[..., Any]) -> dict[str, Any]:
    """Greta and Nina are past the period; Hans is under a hold, Olle's case is open, Rita's case completed
    within the period, Anna works here."""
    actor = Actor.system("test")
    supplier = Supplier.objects.create(name="Exempel IT AB")
    crm = Application.objects.create(slug="crm", name="CRM")
    manager = person("M1", "Maja", "Manager", None)
    greta = person("P1", "Greta", "Gone", date(2024, 3, 29), manager=manager, end_date_reason="Greta resigned")
    hans = person("P2", "Hans", "Held", date(2024, 2, 28))
    olle = person("P3", "Olle", "Open", date(2024, 1, 31))
    nina = person("P4", "Nina", "Nocase", date(2023, 6, 30))
    rita = person("P5", "Rita", "Recent", date(2024, 10, 31))
    anna = person("A1", "Anna", "Active", None)
    account = Account.objects.create(
        application=crm,
        key="greta.gone@example.org",
        key_display="greta.gone@example.org",
        username="ggone",
        email="greta.gone@example.org",
        display_name="Greta Gone",
        employee_id_attr="P1",
        status="disabled",
        person=greta,
        first_seen=at(date(2022, 1, 3)),
        last_seen=at(date(2024, 4, 2)),
    )
    greta_case = case(greta, date(2024, 3, 29), date(2024, 4, 3))
    Line.objects.create(
        case=greta_case,
        kind="account",
        application=crm,
        account=account,
        subject=account.key,
        responsible="supplier",
        responsible_supplier=supplier,
        due=date(2024, 4, 1),
        state="verified",
        verified_by="import",
        proof_taken_at=at(date(2024, 4, 2), 6),
        closed_by="Ordna (import)",
        closed_at=at(date(2024, 4, 2)),
    )
    Line.objects.create(
        case=greta_case,
        kind="task",
        subject="Collect Greta's badge",
        responsible="manager",
        due=date(2024, 3, 29),
        state="attested",
        closed_by="maja",
        closed_at=at(date(2024, 3, 29)),
        note="Greta Gone handed it in at reception",
    )
    completed = ((hans, date(2024, 2, 28), date(2024, 3, 1)), (rita, date(2024, 10, 31), date(2024, 11, 20)))
    for who, last_day, done in completed:
        Line.objects.create(
            case=case(who, last_day, done),
            kind="task",
            subject="Final pay",
            responsible="hr",
            due=last_day,
            state="attested",
            closed_by="hr",
            closed_at=at(done),
        )
    Line.objects.create(
        case=case(olle, date(2024, 1, 31), None, status="open"),
        kind="task",
        subject="Final pay",
        responsible="hr",
        due=date(2024, 1, 31),
    )
    Question.objects.create(
        application=crm,
        asked_by=greta,
        text="Hi, this is Greta Gone (greta.gone@example.org): how do I export my contacts?",
        internal_target_hours=8,
        asked_at=at(date(2023, 5, 2)),
        internal_due_at=at(date(2023, 5, 3)),
        state="closed",
    )
    user = make_user("employee", person=greta)
    audit_record(actor=actor, action="person.updated", target=greta, after={"first_name": "Greta", "employee_id": "P1"})
    audit_record(actor=actor, action="note", target_type="other.thing", target_id="9", after={"about": "P1"})
    return {
        "greta": greta,
        "hans": hans,
        "olle": olle,
        "nina": nina,
        "rita": rita,
        "anna": anna,
        "account": account,
        "user": user,
        "case": greta_case,
        "crm": crm,
        "supplier": supplier,
    }
