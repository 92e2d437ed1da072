"""The reports as files: the monthly follow-up and the licence report as PDF (fpdf2, with the same SVG charts as
the page) and XLSX (openpyxl, one sheet per list behind the figures), and `monthly_file` / `licences_file` that
choose by format. Every format takes its figures from `render.summary_rows` and the selectors, so a figure cannot
differ between the page, the PDF and the workbook."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from ordna.accounts.models import FindingKind
from ordna.core import formats
from ordna.core.formats import short_date, short_datetime
from ordna.core.money import amounts_rows
from ordna.core.pdf import FONT, pdf_document, pdf_font, pdf_text
from ordna.core.tabular import escape_cell
from ordna.reports import figures as f
from ordna.reports.render import (
    LICENCE_HEADINGS,
    finding_label,
    licence_chart,
    licence_rows,
    licence_totals,
    licences_context,
    money,
    monthly_charts,
    monthly_html,
    percent,
    summary_rows,
)
from ordna.reports.selectors import MonthlyReport
from ordna.reports.value_render import value_charts, value_rows


def _pdf_start(title: str, subtitle: str) -> FPDF:
    pdf = pdf_document(created=timezone.now(), title=title)
    pdf.set_auto_page_break(auto=True, margin=14)
    pdf.add_page()
    pdf_font(pdf, 16, bold=True)
    pdf.cell(0, 9, pdf_text(title), new_x="LMARGIN", new_y="NEXT")
    pdf_font(pdf, 9)
    pdf.cell(0, 5, pdf_text(subtitle), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    return pdf


def _pdf_heading(pdf: FPDF, text: str) -> None:
    pdf.ln(2)
    pdf_font(pdf, 11.5, bold=True)
    pdf.cell(0, 7, pdf_text(text), new_x="LMARGIN", new_y="NEXT")
    pdf_font(pdf, 8.5)


def _pdf_table(pdf: FPDF, headings: Sequence[str], rows: Iterable[Sequence[object]], widths: Sequence[int]) -> None:
    pdf_font(pdf, 8.5)
    with pdf.table(col_widths=tuple(widths), text_align="LEFT", line_height=4.6, first_row_as_headings=True) as table:
        row = table.row()
        for heading in headings:
            row.cell(pdf_text(heading))
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(pdf_text(_text(value)))


def _pdf_chart(pdf: FPDF, svg: str) -> None:
    """Draw a chart in the embedded font; its title and description are printed as the heading (fpdf2 does
    not read them)."""
    body = re.sub(r"<(title|desc)[^>]*>.*?</\1>", "", svg, flags=re.S)
    body = re.sub(r'font-family="[^"]*"', f'font-family="{FONT}"', body, count=1)
    if pdf.get_y() > 200:
        pdf.add_page()
    pdf.image(io.BytesIO(body.encode()), x=pdf.l_margin, w=pdf.epw)
    pdf.ln(2)


def _text(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime):
        return short_datetime(value)
    if isinstance(value, date):
        return short_date(value)
    if isinstance(value, float):
        return formats.number(value, 1)
    return str(value)


def _generated(report: MonthlyReport) -> str:
    return _("As of %(as_of)s; made %(made)s") % {
        "as_of": short_date(report.as_of),
        "made": short_datetime(report.generated_at),
    }


def monthly_pdf(report: MonthlyReport) -> bytes:
    pdf = _pdf_start(_("Monthly follow-up %(month)s") % {"month": report.label}, _generated(report))
    _pdf_table(pdf, (_("Figure"), _("Value")), summary_rows(report), (120, 70))
    if report.value is not None:  # what the routine achieved (issue 23)
        _pdf_heading(pdf, _("What the routine achieved"))
        _pdf_table(
            pdf, (_("Figure"), _("This month"), _("Since Ordna started")), value_rows(report.value), (80, 55, 55)
        )
        for chart in value_charts(report.value).values():
            _pdf_chart(pdf, chart)
    charts = monthly_charts(report)
    for key, heading in (
        ("leavers", _("Leavers per month")),
        ("on_time", _("Share of cases closed on time")),
        ("waste", _("Licence waste per month (%(currency)s)") % {"currency": report.currency}),
    ):
        _pdf_heading(pdf, heading)
        _pdf_chart(pdf, charts[key])
    _pdf_heading(pdf, _("The 12-month trend"))
    _pdf_table(pdf, *_trend_table(report))
    _pdf_heading(pdf, _("Median business days to close, per application"))
    _pdf_table(pdf, (_("Application"), _("Median"), _("Lines")), report.by_application, (120, 35, 35))
    _pdf_heading(pdf, _("Median business days to close, per responsible party"))
    if "by_party" in charts:
        _pdf_chart(pdf, charts["by_party"])
    _pdf_table(pdf, (_("Responsible party"), _("Median"), _("Lines")), report.by_party, (120, 35, 35))
    _pdf_heading(pdf, _("Findings opened and closed in the month"))
    kinds = sorted(set(report.findings_opened) | set(report.findings_closed))
    _pdf_table(
        pdf,
        (_("Kind"), _("Opened"), _("Closed")),
        [(finding_label(k), report.findings_opened.get(k, 0), report.findings_closed.get(k, 0)) for k in kinds],
        (120, 35, 35),
    )
    _pdf_heading(pdf, _("Lines closed by someone not responsible for them (overrides)"))
    _pdf_table(pdf, *_overrides_table(report))
    _pdf_heading(pdf, _("The worst overdue items"))
    _pdf_table(pdf, *_overdue_table(report.worst_overdue))
    _pdf_heading(pdf, _("Stale sources"))
    _pdf_table(pdf, *_stale_table(report))
    _pdf_heading(pdf, _("Gaps about processors of personal data"))
    _pdf_table(pdf, *_processor_gaps_table(report))
    _pdf_heading(pdf, _("Leavers of the month"))
    _pdf_table(pdf, *_leavers_table(report))
    pdf.ln(2)
    pdf.multi_cell(
        0,
        4.5,
        pdf_text(
            _(
                "The lists behind every figure (accounts of leavers still active, licence waste, devices) "
                "are in the XLSX."
            )
        ),
    )
    return bytes(pdf.output())


def _trend_table(report: MonthlyReport) -> tuple[Sequence[str], list[Sequence[object]], Sequence[int]]:
    return (
        (
            _("Month"),
            _("Leavers"),
            _("Share on time"),
            _("Licence waste per month"),
            _("Leavers active"),
            _("Overdue lines"),
            _("Devices not returned"),
            _("Closed by proof"),
        ),
        [
            (
                f.month_label(r.month)
                if r.no_data_before is None
                else _("%(month)s: no data before %(day)s")
                % {"month": f.month_label(r.month), "day": _text(r.no_data_before)},
                r.leavers,
                percent(r.share_on_time),
                money(r.waste),
                r.leaver_active,
                r.overdue,
                r.devices_not_returned,
                percent(r.closing.share("verified")),
            )
            for r in report.trend
        ],
        (17, 16, 18, 45, 20, 20, 22, 22),
    )


def _overrides_table(report: MonthlyReport) -> tuple[Sequence[str], list[Sequence[object]], Sequence[int]]:
    return (
        (_("Person"), _("What"), _("Closed as"), _("By"), _("Why"), _("Approved by")),
        [
            (f"{r.name} ({r.employee_id})", r.subject, r.state, r.closed_by, r.reason, r.approved_by or "—")
            for r in report.overrides
        ],
        (40, 35, 20, 30, 40, 25),
    )


def _overdue_table(rows: Sequence[Any]) -> tuple[Sequence[str], list[Sequence[object]], Sequence[int]]:
    return (
        (_("Person"), _("Kind"), _("What"), _("Responsible party"), _("Due"), _("Business days overdue")),
        [(f"{r.name} ({r.employee_id})", r.kind, r.subject, r.party, r.due, r.days_overdue) for r in rows],
        (45, 18, 45, 37, 22, 23),
    )


def _leavers_table(report: MonthlyReport) -> tuple[Sequence[str], list[Sequence[object]], Sequence[int]]:
    return (
        (_("Person"), _("Department"), _("Last day"), _("Lines"), _("Open"), _("On time"), _("Deviation")),
        [
            (
                f"{r.name} ({r.employee_id})",
                r.department,
                r.last_day,
                r.lines,
                r.lines_open,
                _("not due yet") if r.on_time is None else r.on_time,
                r.deviation,
            )
            for r in report.leavers
        ],
        (55, 40, 22, 16, 16, 18, 23),
    )


def _stale_table(report: MonthlyReport) -> tuple[tuple[str, ...], list[tuple[object, ...]], tuple[int, ...]]:
    headings = (_("Source"), _("Last delivered"), _("Age (days)"), _("Limit (days)"), _("Open lines waiting"))
    rows: list[tuple[object, ...]] = [
        (
            s.label,
            timezone.localtime(s.delivered_at).strftime("%Y-%m-%d") if s.delivered_at else _("never"),
            "" if s.age_days is None else s.age_days,
            s.max_age_days,
            s.blocked_lines,
        )
        for s in report.stale_sources
    ] or [(_("None: every source is within its age."), "", "", "", "")]
    return headings, rows, (70, 35, 25, 25, 35)


def _processor_gaps_table(report: MonthlyReport) -> tuple[Sequence[str], list[Sequence[object]], Sequence[int]]:
    return (
        (_("Supplier"), _("Gap"), _("About"), _("Since or by")),
        [(g.supplier, g.label, g.subject, g.since) for g in report.processor_gaps],
        (45, 50, 65, 30),
    )


def _sheet(workbook: Any, title: str, headings: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    sheet = workbook.create_sheet(title[:31])
    sheet.append(list(headings))
    for values in rows:
        sheet.append([_cell(v) for v in values])


def _cell(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    return escape_cell(value)


def _finding_list_rows(rows: Iterable[dict[str, Any]]) -> Iterator[Sequence[object]]:
    return (
        (
            r["application"],
            r["account"],
            r["license"],
            r["person"],
            r["name"],
            r["left_on"],
            r["monthly_cost"],
            r["currency"],
            r["since"],
            r["state"],
        )
        for r in rows
    )


FINDING_LIST_HEADINGS = (
    "application",
    "account",
    "license",
    "person",
    "name",
    "left_on",
    "monthly_cost",
    "currency",
    "since",
    "state",
)


def monthly_xlsx(report: MonthlyReport) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    _sheet(workbook, _("Summary"), (_("Figure"), _("Value")), [(_("Month"), report.label), *summary_rows(report)])
    if report.value is not None:  # what the routine achieved (issue 23): the words, then the figures per month
        _sheet(
            workbook,
            _("Value"),
            (_("Figure"), _("This month"), _("Since Ordna started")),
            value_rows(report.value),
        )
        _sheet(
            workbook,
            _("Value per month"),
            (
                "month",
                "currency",
                "saved_per_month",
                "saved_per_year",
                "waste_findings_resolved",
                "leaver_accounts_due",
                "leaver_accounts_on_time",
                "devices_collected",
                "key_user_hours",
                "key_user_budget_hours",
            ),
            _value_sheet_rows(report),
        )
    _sheet(
        workbook,
        _("Trend"),
        (
            "month",
            "leavers",
            "on_time",
            "share_on_time",
            "waste_per_month",
            "leavers_active",
            "overdue_lines",
            "devices_not_returned",
            "closed_by_proof",
            "closed_attested",
            "closed_waived",
            "overrides",
        ),
        [
            (
                f.month_label(r.month),
                r.leavers,
                r.on_time,
                r.share_on_time,
                money(r.waste),  # per currency, never summed across currencies
                r.leaver_active,
                r.overdue,
                r.devices_not_returned,
                r.closing.verified,
                r.closing.attested,
                r.closing.waived,
                r.closing.overrides,
            )
            for r in report.trend
        ],
    )
    _sheet(
        workbook,
        _("Leavers"),
        (
            "employee_id",
            "name",
            "department",
            "last_day",
            "status",
            "lines",
            "lines_open",
            "on_time",
            "deviation_business_days",
        ),
        [
            (r.employee_id, r.name, r.department, r.last_day, r.status, r.lines, r.lines_open, r.on_time, r.deviation)
            for r in report.leavers
        ],
    )
    _sheet(workbook, _("Per application"), ("application", "median_business_days", "lines"), report.by_application)
    _sheet(workbook, _("Per party"), ("responsible", "median_business_days", "lines"), report.by_party)
    kinds = sorted(set(report.findings_opened) | set(report.findings_closed) | set(report.remaining))
    _sheet(
        workbook,
        _("Findings"),
        ("kind", "opened_in_month", "closed_in_month", "live_at_month_end"),
        [
            (k, report.findings_opened.get(k, 0), report.findings_closed.get(k, 0), report.remaining.get(k, 0))
            for k in kinds
        ],
    )
    overdue_headings = (
        "employee_id",
        "name",
        "kind",
        "subject",
        "application",
        "responsible",
        "due",
        "business_days_overdue",
    )
    _sheet(
        workbook,
        _("Overdue"),
        overdue_headings,
        [
            (r.employee_id, r.name, r.kind, r.subject, r.application, r.party, r.due, r.days_overdue)
            for r in report.worst_overdue
        ],
    )
    _sheet(
        workbook,
        _("Devices not returned"),
        overdue_headings,
        [
            (r.employee_id, r.name, r.kind, r.subject, r.application, r.party, r.due, r.days_overdue)
            for r in report.devices_not_returned
        ],
    )
    _sheet(
        workbook,
        _("Stale sources"),
        ("source", "last_delivered", "age_days", "max_age_days", "open_lines_waiting"),
        [(s.key, s.delivered_at, s.age_days, s.max_age_days, s.blocked_lines) for s in report.stale_sources],
    )
    _sheet(workbook, _("Processor gaps"), ("supplier", "gap", "about", "since_or_by"), _processor_gaps_table(report)[1])
    _sheet(
        workbook,
        _("Leavers still active"),
        FINDING_LIST_HEADINGS,
        _finding_list_rows(report.full_list(FindingKind.LEAVER_ACTIVE)),
    )
    _sheet(
        workbook,
        _("Licence waste"),
        FINDING_LIST_HEADINGS,
        _finding_list_rows(report.full_list(FindingKind.LICENSE_WASTE)),
    )
    _sheet(
        workbook,
        _("Overrides"),
        ("employee_id", "name", "kind", "subject", "closed_as", "closed_by", "closed_at", "reason", "approved_by"),
        [
            (r.employee_id, r.name, r.kind, r.subject, r.state, r.closed_by, r.closed_at, r.reason, r.approved_by)
            for r in report.overrides
        ],
    )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _value_sheet_rows(report: MonthlyReport) -> list[Sequence[object]]:
    """One row per month and currency (money is never added across currencies; a month without money has one
    row with no currency), then the same for the whole span since Ordna started ("total")."""
    assert report.value is not None  # noqa: S101 - called only with a value section
    rows: list[Sequence[object]] = []
    for label, x in [
        *((f.month_label(x.start), x) for x in report.value.by_month),
        ("total", report.value.since_start),
    ]:
        counts = (
            x.waste_resolved,
            x.leaver_accounts_due,
            x.leaver_accounts_on_time,
            x.devices_collected,
            x.key_user_hours,
            x.key_user_budget,
        )
        money_rows = amounts_rows(x.saved_per_month) or [("", Decimal(0))]
        for number, (code, amount) in enumerate(money_rows):  # the counts once, on the first currency's row
            rows.append((label, code, amount, amount * 12, *(counts if number == 0 else ("",) * len(counts))))
    return rows


def monthly_file(report: MonthlyReport, fmt: str) -> bytes:
    if fmt == "html":
        return monthly_html(report).encode()
    if fmt == "pdf":
        return monthly_pdf(report)
    if fmt == "xlsx":
        return monthly_xlsx(report)
    raise ValueError(f"format {fmt!r}: expected html, pdf or xlsx")


def licences_file(lines: Sequence[f.LicenceLine], fmt: str, *, today: date) -> bytes:
    totals = licence_totals(lines, today=today)
    if fmt == "html":
        return render_to_string("reports/licenses_document.html", licences_context(lines, today=today)).encode()
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        _sheet(workbook, _("Licences"), LICENCE_HEADINGS, licence_rows(lines))
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()
    if fmt == "pdf":
        pdf = _pdf_start(_("Licences"), _("As of %(day)s") % {"day": short_date(today)})
        _pdf_table(
            pdf,
            (_("Figure"), _("Value")),
            [
                (_("Licence cost per month"), money(totals["cost"])),
                (_("Licence waste per month"), money(totals["waste"])),
                (_("Licence waste per year"), money({c: a * 12 for c, a in totals["waste"].items()})),
            ],
            (120, 70),
        )
        _pdf_chart(pdf, licence_chart(lines))
        pdf.add_page(orientation="L")
        _pdf_table(
            pdf,
            (
                _("Application"),
                _("Licence"),
                _("Seats"),
                _("Assigned"),
                _("Unused"),
                _("To leavers"),
                _("To disabled"),
                _("To orphans"),
                _("Price"),
                _("Cost per month"),
                _("Waste per month"),
            ),
            [
                (
                    a,
                    lic,
                    seats,
                    assigned,
                    unused,
                    left,
                    disabled,
                    orphans,
                    f"{price} {cur}",
                    f"{cost} {cur}",
                    f"{waste} {cur}",
                )
                for a, lic, seats, assigned, unused, left, disabled, orphans, price, cur, cost, waste in licence_rows(
                    lines
                )
            ],
            (38, 42, 16, 18, 16, 18, 18, 18, 26, 30, 30),
        )
        return bytes(pdf.output())
    raise ValueError(f"format {fmt!r}: expected html, pdf or xlsx")
