"""The leaver certificate: one page of evidence that lists every line, who closed it, when and how.

`certificate_data` gathers plain values; the HTML page renders them with a template and `certificate_pdf`
with fpdf2 (pure Python, no system libraries; its built-in Helvetica covers Swedish and Dutch letters).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from ordna.core.pdf import pdf_text
from ordna.lifecycle.models import Case, Line, LineState


@dataclass(frozen=True)
class CertificateLine:
    kind: str
    subject: str
    application: str
    due: date
    state: str
    how: str
    closed_by: str
    closed_at: datetime | None
    note: str


@dataclass(frozen=True)
class Certificate:
    person: str
    employee_id: str
    department: str
    last_day: date
    status: str
    completed_at: datetime | None
    lines: list[CertificateLine]
    issued_at: datetime


def certificate_data(case: Case) -> Certificate:
    """Every line of the case, whatever the viewer's scope: the certificate is evidence for the whole case."""
    lines = Line.objects.filter(case=case).select_related("application").order_by("kind", "subject", "id")
    return Certificate(
        person=case.person.full_name,
        employee_id=case.person.employee_id,
        department=case.person.department,
        last_day=case.effective_date,
        status=case.get_status_display(),
        completed_at=case.completed_at,
        lines=[
            CertificateLine(
                kind=line.get_kind_display(),
                subject=line.subject,
                application=line.application.name if line.application_id else "",  # type: ignore[union-attr]
                due=line.due,
                state=line.get_state_display(),
                how=line.get_verified_by_display() if line.state == LineState.VERIFIED else line.note,
                closed_by=line.closed_by,
                closed_at=line.closed_at,
                note=line.note,
            )
            for line in lines
        ],
        issued_at=timezone.now(),
    )


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


def certificate_pdf(data: Certificate) -> bytes:
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_creation_date(data.issued_at)  # the same certificate gives the same bytes (the evidence pack)
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 9, pdf_text(_("Leaver certificate")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    facts = [
        (_("Person"), f"{data.person} ({data.employee_id})"),
        (_("Department"), data.department or "—"),
        (_("Last day"), data.last_day.isoformat()),
        (_("Status"), data.status),
        (_("Completed"), _when(data.completed_at)),
        (_("Issued"), _when(data.issued_at)),
    ]
    for label, value in facts:
        pdf.cell(0, 5.5, pdf_text(f"{label}: {value}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    headings = (
        _("Kind"),
        _("Subject"),
        _("Application"),
        _("Due"),
        _("Closed as"),
        _("How or why"),
        _("By"),
        _("When"),
    )
    widths = (20, 55, 35, 22, 22, 55, 38, 26)
    pdf.set_font("Helvetica", "B", 8.5)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=4.5) as table:
        row = table.row()
        for heading in headings:
            row.cell(pdf_text(heading))
        pdf.set_font("Helvetica", "", 8.5)
        for line in data.lines:
            row = table.row()
            for value in (
                line.kind,
                line.subject,
                line.application or "—",
                line.due.isoformat(),
                line.state,
                line.how or "—",
                line.closed_by or "—",
                _when(line.closed_at),
            ):
                row.cell(pdf_text(value))
    return bytes(pdf.output())
