"""The group report (issue 19, docs/companies.md): one row per company of the group, side by side, with the
group's row under them, as a page, HTML, PDF and XLSX. Its figures are the monthly follow-up's, drawn one company
at a time by the same selectors (`by_company.group_report`), so the companies add up to the group."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ordna.reports.by_company import CompanyRow, GroupReport
from ordna.reports.charts import bar_chart, hbar_chart
from ordna.reports.documents import _pdf_chart, _pdf_heading, _pdf_start, _pdf_table, _sheet
from ordna.reports.render import money, percent


def headings() -> tuple[str, ...]:
    return (
        _("Company"),
        _("Leavers"),
        _("Closed on time"),
        _("Share on time"),
        _("Leavers' accounts still active"),
        _("Licence waste per month"),
        _("Overdue lines"),
        _("Devices not returned"),
    )


def row_values(row: CompanyRow) -> tuple[object, ...]:
    return (
        row.name,
        row.figures.leavers,
        row.figures.on_time,
        percent(row.figures.share_on_time),
        row.at.leaver_accounts_active,
        money(row.at.licence_waste),
        row.at.overdue_lines,
        row.at.devices_not_returned,
    )


def group_charts(report: GroupReport) -> dict[str, SafeString]:
    names = [row.name for row in report.companies]
    return {
        "leavers": bar_chart(
            title=_("Leavers and cases closed on time, per company"),
            desc=_("The month's leavers of each company of the group, and how many of their cases closed on time."),
            labels=names,
            series=[
                (_("Leavers"), [row.figures.leavers for row in report.companies]),
                (_("Closed on time"), [row.figures.on_time for row in report.companies]),
            ],
        ),
        "waste": hbar_chart(
            title=_("Licence waste per month (%(currency)s), per company") % {"currency": report.currency},
            desc=_("Money per month for licences on accounts of people who left, disabled or orphaned accounts."),
            rows=[(row.name, [float(row.at.licence_waste.get(report.currency, 0))]) for row in report.companies],
            series=[report.currency],
        ),
    }


def group_context(report: GroupReport) -> dict[str, Any]:
    return {
        "report": report,
        "headings": headings(),
        "rows": [row_values(row) for row in report.companies],
        "total": row_values(report.group),
        "charts": group_charts(report),
        "base": settings.BASE_URL,
    }


def _subtitle(report: GroupReport) -> str:
    return _("As of %(as_of)s; made %(made)s") % {
        "as_of": report.as_of.isoformat(),
        "made": timezone.localtime(report.generated_at).strftime("%Y-%m-%d %H:%M"),
    }


def group_file(report: GroupReport, fmt: str) -> bytes:
    """The group report as an HTML document, a PDF or a workbook."""
    title = _("Group report %(month)s") % {"month": report.label}
    rows = [*(row_values(row) for row in report.companies), row_values(report.group)]
    if fmt == "html":
        return render_to_string("reports/group_document.html", group_context(report)).encode()
    if fmt == "pdf":
        pdf = _pdf_start(title, _subtitle(report))
        pdf.add_page(orientation="L")
        _pdf_table(pdf, headings(), rows, (60, 20, 26, 24, 34, 44, 24, 30))
        charts = group_charts(report)
        pdf.add_page()
        for key, heading in (("leavers", _("Leavers per company")), ("waste", _("Licence waste per company"))):
            _pdf_heading(pdf, heading)
            _pdf_chart(pdf, charts[key])
        return bytes(pdf.output())
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        numbers = [
            (
                row.name,
                row.figures.leavers,
                row.figures.on_time,
                row.figures.share_on_time,
                row.at.leaver_accounts_active,
                money(row.at.licence_waste),
                row.at.overdue_lines,
                row.at.devices_not_returned,
            )
            for row in [*report.companies, report.group]
        ]
        _sheet(workbook, title[:31], headings(), numbers)
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()
    raise ValueError(f"format {fmt!r}: expected html, pdf or xlsx")
