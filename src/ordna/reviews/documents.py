"""A review as documents: the agenda (and minutes, actions) as PDF, and the meeting as an iCalendar invitation."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from ordna.core.pdf import pdf_document, pdf_font, pdf_text
from ordna.reviews.models import ActionItem, Review, ReviewStatus


def review_pdf(review: Review, actions: list[ActionItem]) -> bytes:
    """The review's agenda, its minutes when held, and its action items, on A4."""
    pdf = pdf_document(title=review.title)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf_font(pdf, 15, bold=True)
    pdf.multi_cell(0, 8, pdf_text(review.title), new_x="LMARGIN", new_y="NEXT")
    pdf_font(pdf, 10)
    starts = timezone.localtime(review.starts_at).strftime("%Y-%m-%d %H:%M")
    for label, value in (
        (_("Supplier"), review.supplier.name),
        (_("When"), f"{starts} ({review.duration_minutes} min)"),
        (_("Where"), review.location or "—"),
        (_("Status"), review.get_status_display()),
    ):
        pdf.cell(0, 5.5, pdf_text(f"{label}: {value}"), new_x="LMARGIN", new_y="NEXT")
    for heading, text in ((_("Agenda"), review.agenda), (_("Minutes"), review.minutes)):
        if not text.strip():
            continue
        pdf.ln(3)
        pdf_font(pdf, 12, bold=True)
        pdf.cell(0, 7, pdf_text(heading), new_x="LMARGIN", new_y="NEXT")
        pdf_font(pdf, 10)
        pdf.multi_cell(0, 5, pdf_text(text), new_x="LMARGIN", new_y="NEXT")
    if actions:
        pdf.ln(3)
        pdf_font(pdf, 12, bold=True)
        pdf.cell(0, 7, pdf_text(_("Action items")), new_x="LMARGIN", new_y="NEXT")
        pdf_font(pdf, 9)
        with pdf.table(col_widths=(90, 40, 25, 35), text_align="LEFT", line_height=4.5) as table:
            row = table.row()
            for heading in (_("Action"), _("Owner"), _("Due"), _("Closed")):
                row.cell(pdf_text(heading))
            for action in actions:
                owner = action.get_owner_side_display()
                if action.owner_person is not None:
                    owner += f": {action.owner_person.full_name}"
                row = table.row()
                for value in (
                    action.title,
                    owner,
                    action.due.isoformat(),
                    timezone.localtime(action.closed_at).strftime("%Y-%m-%d") if action.closed_at else "—",
                ):
                    row.cell(pdf_text(value))
    return bytes(pdf.output())


def review_ics(review: Review, *, organizer_email: str = "", attendees: list[str] | None = None) -> bytes:
    """The review as an iCalendar REQUEST (or CANCEL once cancelled); the UID and SEQUENCE stay stable so a
    calendar updates the same meeting when it moves."""
    calendar = Calendar()
    calendar.add("prodid", "-//Ordna//Supplier review//EN")
    calendar.add("version", "2.0")
    cancelled = review.status == ReviewStatus.CANCELLED
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", review.uid)
    event.add("sequence", review.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", review.starts_at)
    event.add("dtend", review.starts_at + timedelta(minutes=review.duration_minutes))
    event.add("summary", f"{review.title} ({review.supplier.name})")
    event.add("description", review.agenda)
    if review.location:
        event["location"] = vText(review.location)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if organizer_email:
        event["organizer"] = vCalAddress(f"mailto:{organizer_email}")
    for email in attendees or []:
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["ROLE"] = vText("REQ-PARTICIPANT")
        attendee.params["RSVP"] = vText("TRUE")
        event.add("attendee", attendee, encode=False)
    calendar.add_component(event)
    return bytes(calendar.to_ical())
