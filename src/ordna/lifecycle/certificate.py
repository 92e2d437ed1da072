"""The leaver certificate: one page of evidence that says, per line, how it closed (docs/offboarding.md, issue 16).

Verified: by which import run, or a connector's read-back, or a device check-in, and when the proof was taken;
attested: by whom, the reason from the fixed list, the text and the file's name; waived: by whom and why;
an override by whom and why; a waiver or override approved by whom. The counts on top say how many lines
closed by proof, by a person's word, or were waived. A line a later export contradicted is open again and says
so (issue 28): when it reopened, which import contradicted it, and how it had closed (history.py).

`certificate_data` gathers plain values; the HTML page renders them with a template and `certificate_pdf` with
fpdf2 in the embedded Unicode font (ordna.core.pdf).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ordna.core.pdf import pdf_document, pdf_font, pdf_text
from ordna.lifecycle.history import histories
from ordna.lifecycle.models import Case, Line, LineState, VerifiedBy
from ordna.lifecycle.selectors import ClosingCounts, closing_counts


@dataclass(frozen=True)
class CertificateLine:
    kind: str
    subject: str
    application: str
    due: date
    state: str  # as people read it: Verified, Attested, Waived, Open
    state_code: str  # open, verified, attested or waived
    how: str  # the proof, or the reason and text
    closed_by: str
    closed_at: datetime | None
    override: str  # why someone not responsible closed it; empty when its responsible party did
    approved_by: str
    approved_at: datetime | None
    note: str
    history: list[str] = field(default_factory=list)  # each reopening: why, and how it had closed


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
    counts: ClosingCounts
    # When the person's personal data was erased (docs/privacy.md): the certificate keeps its structure, the
    # person shows as their pseudonym, and it says so.
    erased_at: datetime | None = None


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


def how_closed(line: Line) -> str:
    """How `line` closed, in one sentence of evidence (empty while it is open)."""
    if line.state == LineState.VERIFIED:
        if line.verified_by == VerifiedBy.IMPORT and line.proof_run_id is not None:
            return _("Import #%(run)s, export taken %(when)s") % {
                "run": line.proof_run_id,
                "when": _when(line.proof_taken_at),
            }
        if line.verified_by == VerifiedBy.READ_BACK:
            return _("Connector read-back, taken %(when)s") % {"when": _when(line.proof_taken_at)}
        return str(line.get_verified_by_display())
    if line.state == LineState.ATTESTED:
        parts = []
        if line.attest_reason:
            reason = str(line.get_attest_reason_display())
            parts.append(f"{reason} ({line.attest_reference})" if line.attest_reference else reason)
        if line.note:
            parts.append(line.note)
        if line.evidence:
            parts.append(_("file: %(name)s") % {"name": line.evidence.name.rsplit("/", 1)[-1]})
        return ": ".join(parts[:2]) + "".join(f"; {p}" for p in parts[2:]) if parts else ""
    if line.state == LineState.WAIVED:
        return line.note
    return ""


def certificate_data(case: Case) -> Certificate:
    """Every line of the case, whatever the viewer's scope: the certificate is evidence for the whole case."""
    lines = list(Line.objects.filter(case=case).select_related("application").order_by("kind", "subject", "id"))
    history = histories((line.pk, line.kind) for line in lines)
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
                state_code=line.state,
                how=how_closed(line),
                closed_by=line.closed_by,
                closed_at=line.closed_at,
                override=line.override_reason if line.override else "",
                approved_by=line.approved_by,
                approved_at=line.approved_at,
                note=line.note,
                history=history.get(line.pk, []),
            )
            for line in lines
        ],
        issued_at=timezone.now(),
        counts=closing_counts(lines),
        erased_at=case.person.erased_at,
    )


def erased_sentence(moment: datetime) -> str:
    return _("personal data erased on %(day)s") % {"day": timezone.localdate(moment).isoformat()}


def counts_sentence(counts: ClosingCounts) -> str:
    return _(
        "%(total)s lines: %(verified)s verified by proof, %(attested)s attested, %(waived)s waived, %(open)s open"
    ) % {
        "total": counts.total,
        "verified": counts.verified,
        "attested": counts.attested,
        "waived": counts.waived,
        "open": counts.open,
    }


def reopened_sentence(counts: ClosingCounts) -> str:
    """The lines a later export contradicted: they closed once and are (or were) reopened; empty for none."""
    if not counts.reopened:
        return ""
    return ngettext(
        "%(n)s line was reopened because a later export contradicted how it had closed; see its history.",
        "%(n)s lines were reopened because a later export contradicted how they had closed; see their history.",
        counts.reopened,
    ) % {"n": counts.reopened}


def _how(line: CertificateLine) -> str:
    """How it closed, and its history below."""
    return "\n".join([line.how or "—", *line.history])


def _by(line: CertificateLine) -> str:
    """Who closed it, marked when it was an override, and who approved it."""
    text = line.closed_by or "—"
    if line.override:
        text += " · " + _("override: %(why)s") % {"why": line.override}
    if line.approved_by:
        text += " · " + _("approved by %(who)s, %(when)s") % {"who": line.approved_by, "when": _when(line.approved_at)}
    return text


def certificate_pdf(data: Certificate) -> bytes:
    # The same certificate gives the same bytes (the evidence pack): the creation date is its issue date.
    pdf = pdf_document(orientation="L", created=data.issued_at, title=_("Leaver certificate"))
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf_font(pdf, 15, bold=True)
    pdf.cell(0, 9, pdf_text(_("Leaver certificate")), new_x="LMARGIN", new_y="NEXT")
    pdf_font(pdf, 10)
    facts = [
        (_("Person"), f"{data.person} ({data.employee_id})"),
        (_("Department"), data.department or "—"),
        (_("Last day"), data.last_day.isoformat()),
        (_("Status"), data.status),
        (_("Completed"), _when(data.completed_at)),
        (_("Issued"), _when(data.issued_at)),
    ]
    if data.erased_at is not None:
        facts.append((_("Personal data"), erased_sentence(data.erased_at)))
    for label, value in facts:
        pdf.cell(0, 5.5, pdf_text(f"{label}: {value}"), new_x="LMARGIN", new_y="NEXT")
    pdf_font(pdf, 10, bold=True)
    pdf.cell(0, 6.5, pdf_text(counts_sentence(data.counts)), new_x="LMARGIN", new_y="NEXT")
    if data.counts.overrides:
        pdf_font(pdf, 10)
        overrides = _("Closed by someone other than the responsible party (override): %(n)s") % {
            "n": data.counts.overrides
        }
        pdf.cell(0, 5.5, pdf_text(overrides), new_x="LMARGIN", new_y="NEXT")
    if data.counts.reopened:
        pdf_font(pdf, 10, bold=True)
        pdf.multi_cell(0, 5.5, pdf_text(reopened_sentence(data.counts)), new_x="LMARGIN", new_y="NEXT")
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
    widths = (17, 50, 30, 20, 20, 64, 50, 26)
    pdf_font(pdf, 8, bold=True)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=4.2) as table:
        row = table.row()
        for heading in headings:
            row.cell(pdf_text(heading))
        pdf_font(pdf, 8)
        for line in data.lines:
            row = table.row()
            for value in (
                line.kind,
                line.subject,
                line.application or "—",
                line.due.isoformat(),
                line.state,
                _how(line),
                _by(line),
                _when(line.closed_at),
            ):
                row.cell(pdf_text(value))
    return bytes(pdf.output())
