"""Everything Ordna holds about one person, for a request to see it (GDPR art. 15): as JSON, and as a readable
PDF with the same sections (docs/privacy.md). Composed here because it reads every app's tables."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ordna.accounts.models import Account, Finding
from ordna.applications.models import KeyUserAppointment
from ordna.core.audit import canonical_json
from ordna.core.models import AuditEvent, User
from ordna.core.pdf import pdf_document, pdf_font, pdf_text
from ordna.devices.models import Device, DeviceHolding
from ordna.home.erasure import audit_events_about
from ordna.lifecycle.certificate import how_closed
from ordna.lifecycle.models import Case, Line
from ordna.notifications.models import Digest
from ordna.people.models import ErasureRequest, LegalHold, Person
from ordna.support.models import Question, Wish

EXPORT_FORMAT = 1


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _rows(queryset: Any, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{name: _plain(row[name]) for name in fields} for row in queryset.values(*fields)]


def person_data(person: Person) -> dict[str, Any]:
    """Every section, each a list of plain rows (no object outside what concerns the person)."""
    user = User.objects.filter(person=person).first()
    cases = list(Case.objects.filter(person=person).order_by("opened_at", "pk"))
    lines = Line.objects.filter(case__person=person).select_related("application").order_by("case_id", "kind", "pk")
    audit = AuditEvent.objects.filter(seq__in=audit_events_about(person)).order_by("seq")
    addresses = [a.lower() for a in [person.email, *[str(x) for x in person.email_aliases or []]] if a]
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _plain(timezone.now()),
        "person": {
            "employee_id": person.employee_id,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "email": person.email,
            "email_aliases": list(person.email_aliases or []),
            "company": person.company.name if person.company_id else "",  # type: ignore[union-attr]
            "department": person.department,
            "manager": person.manager.employee_id if person.manager_id else None,  # type: ignore[union-attr]
            "employment_type": person.employment_type,
            "start_date": _plain(person.start_date),
            "end_date": _plain(person.end_date),
            "cost_center": person.cost_center,
            "locale": person.locale,
            "end_date_set_by": person.end_date_set_by,
            "end_date_reason": person.end_date_reason,
            "erased_at": _plain(person.erased_at),
        },
        "legal_holds": _rows(
            LegalHold.objects.filter(person=person),
            ("reason", "placed_by", "placed_at", "released_by", "released_at", "release_reason"),
        ),
        "erasure_requests": _rows(
            ErasureRequest.objects.filter(person=person),
            ("id", "reason", "requested_by_label", "requested_at", "state", "decided_by_label", "decided_at"),
        ),
        "ordna_user": None
        if user is None
        else {
            "username": user.username,
            "name": user.get_full_name(),
            "email": user.email,
            "roles": sorted(user.role_set),
            "active": user.is_active,
            "last_login": _plain(user.last_login),
            "date_joined": _plain(user.date_joined),
        },
        "accounts": [
            {
                "application": row["application__slug"],
                **{k: _plain(v) for k, v in row.items() if k != "application__slug"},
            }
            for row in Account.objects.filter(person=person)
            .order_by("application__slug", "key")
            .values(
                "application__slug",
                "key_display",
                "username",
                "email",
                "display_name",
                "status",
                "last_login",
                "licenses",
                "match_rule",
                "first_seen",
                "last_seen",
            )
        ],
        "findings": _rows(
            Finding.objects.filter(person=person).order_by("since", "pk"),
            ("kind", "application__slug", "license", "monthly_cost", "currency", "state", "since", "accepted_reason"),
        ),
        "devices": _rows(
            Device.objects.filter(holder=person).order_by("asset_tag"),
            ("asset_tag", "kind", "model", "serial", "status", "expected_return", "issued_at"),
        ),
        "device_history": _rows(
            DeviceHolding.objects.filter(holder=person).order_by("issued_at"),
            ("device__asset_tag", "issued_at", "ended_at"),
        ),
        "cases": [
            {
                "kind": case.kind,
                "effective_date": _plain(case.effective_date),
                "status": case.status,
                "opened_by": case.opened_by,
                "opened_at": _plain(case.opened_at),
                "completed_at": _plain(case.completed_at),
                "cancelled_at": _plain(case.cancelled_at),
                "cancel_reason": case.cancel_reason,
                "lines": [
                    {
                        "kind": line.kind,
                        "subject": line.subject,
                        "application": line.application.slug if line.application_id else None,  # type: ignore[union-attr]
                        "due": _plain(line.due),
                        "state": line.state,
                        "how": how_closed(line),
                        "closed_by": line.closed_by,
                        "closed_at": _plain(line.closed_at),
                    }
                    for line in lines
                    if line.case_id == case.pk
                ],
            }
            for case in cases
        ],
        "questions": _rows(
            Question.objects.filter(asked_by=person).order_by("asked_at"),
            ("id", "application__slug", "category", "text", "state", "asked_at", "resolved_at"),
        ),
        "wishes": _rows(
            Wish.objects.filter(proposed_by=person).order_by("created_at"),
            ("id", "application__slug", "title", "text", "state", "created_at"),
        ),
        "key_user_appointments": _rows(
            KeyUserAppointment.objects.filter(person=person).order_by("starts_on"),
            ("application__slug", "role", "starts_on", "ends_on", "hours_per_month"),
        ),
        "reminders_sent": _rows(
            Digest.objects.filter(Q(person=person) | Q(address__in=addresses)).order_by("day", "pk"),
            ("day", "channel", "address", "item_count", "state", "sent_at"),
        ),
        "audit_events": [
            {
                "seq": event.seq,
                "at": _plain(event.at),
                "action": event.action,
                "target": f"{event.target_type}:{event.target_id}",
                "by": event.actor_label,
                "erased": event.erased,
            }
            for event in audit
        ],
    }


def person_data_json(person: Person) -> bytes:
    return (canonical_json(person_data(person)) + "\n").encode()


SECTIONS = (
    "legal_holds",
    "erasure_requests",
    "accounts",
    "findings",
    "devices",
    "device_history",
    "questions",
    "wishes",
    "key_user_appointments",
    "reminders_sent",
    "audit_events",
)


def _section_title(key: str) -> str:
    titles = {
        "legal_holds": _("Legal holds"),
        "erasure_requests": _("Erasure requests"),
        "accounts": _("Accounts in applications"),
        "findings": _("Findings"),
        "devices": _("Devices held"),
        "device_history": _("Devices held before"),
        "questions": _("Questions asked"),
        "wishes": _("Wishes proposed"),
        "key_user_appointments": _("Key user appointments"),
        "reminders_sent": _("Reminders sent"),
        "audit_events": _("Audit events"),
    }
    return titles[key]


def _value(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


def person_data_pdf(person: Person) -> bytes:
    """The same data as the JSON, as a document a person can read: one heading per section, one block per row."""
    data = person_data(person)
    pdf = pdf_document(title=_("Personal data held by Ordna"))
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf_font(pdf, 15, bold=True)
    pdf.cell(0, 9, pdf_text(_("Personal data held by Ordna")), new_x="LMARGIN", new_y="NEXT")
    pdf_font(pdf, 9)
    pdf.cell(0, 5, pdf_text(_("Exported %(when)s") % {"when": data["exported_at"]}), new_x="LMARGIN", new_y="NEXT")

    def heading(text: str) -> None:
        pdf.ln(2)
        pdf_font(pdf, 11, bold=True)
        pdf.cell(0, 7, pdf_text(text), new_x="LMARGIN", new_y="NEXT")
        pdf_font(pdf, 9)

    def block(row: dict[str, Any]) -> None:
        text = "; ".join(f"{key}: {_value(value)}" for key, value in row.items() if key != "lines")
        pdf.multi_cell(0, 4.5, pdf_text(text), new_x="LMARGIN", new_y="NEXT")

    heading(_("Person"))
    for key, value in data["person"].items():
        pdf.multi_cell(0, 4.5, pdf_text(f"{key}: {_value(value)}"), new_x="LMARGIN", new_y="NEXT")
    heading(_("Ordna user"))
    block(data["ordna_user"] or {"-": _("none")})
    heading(_("Cases"))
    if not data["cases"]:
        pdf.cell(0, 4.5, pdf_text(_("none")), new_x="LMARGIN", new_y="NEXT")
    for case in data["cases"]:
        block(case)
        for line in case["lines"]:
            pdf.set_x(pdf.l_margin + 6)
            pdf.multi_cell(0, 4.5, pdf_text("- " + "; ".join(f"{k}: {_value(v)}" for k, v in line.items())))
    for key in SECTIONS:
        heading(_section_title(key))
        if not data[key]:
            pdf.cell(0, 4.5, pdf_text(_("none")), new_x="LMARGIN", new_y="NEXT")
        for row in data[key]:
            block(row)
    return bytes(pdf.output())
