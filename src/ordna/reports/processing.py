"""The record of processing (GDPR article 30, docs/processors.md) as files: XLSX (one sheet, one row per
application, and a sheet of the processors' gaps) and PDF (landscape, one block per application), from the same
rows as the page and the API (`suppliers.processing_record.record_rows`). `created` fixes the files' creation date
so the evidence pack gives the same bytes for the same data on the same day."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from ordna.core.formats import short_date
from ordna.core.pdf import pdf_document, pdf_font, pdf_text
from ordna.reports.documents import _cell, _pdf_heading, _text
from ordna.suppliers.processing_gaps import Gap
from ordna.suppliers.processing_record import RECORD_COLUMNS, RECORD_HEADINGS


def record_xlsx(rows: Sequence[dict[str, Any]], gaps: Sequence[Gap], *, created: datetime) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    workbook.properties.created = workbook.properties.modified = created.replace(tzinfo=None)
    sheet = workbook.create_sheet(_("Record of processing")[:31])
    sheet.append([str(RECORD_HEADINGS[c]) for c in RECORD_COLUMNS])
    for row in rows:
        sheet.append([_cell(_text(row[c]) if isinstance(row[c], bool) else row[c]) for c in RECORD_COLUMNS])
    gap_sheet = workbook.create_sheet(_("Gaps")[:31])
    gap_sheet.append([_("Supplier"), _("Gap"), _("About"), _("Since or by"), _("Overdue")])
    for gap in gaps:
        gap_sheet.append([_cell(gap.supplier), gap.label, _cell(gap.subject), gap.since, _text(gap.overdue)])
    out = io.BytesIO()
    workbook.save(out)
    return _stamped(out.getvalue(), created)


def _stamped(xlsx: bytes, created: datetime) -> bytes:
    """The workbook with every part dated `created`: openpyxl dates the parts of its ZIP, and the workbook's
    modification time, when it saves, so two saves of the same rows would differ by their seconds."""
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    entry_time = (created.year, created.month, created.day, created.hour, created.minute, created.second)
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=entry_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\2", content
                )
            target.writestr(info, content)
    return out.getvalue()


def record_pdf(rows: Sequence[dict[str, Any]], gaps: Sequence[Gap], *, day: date, created: datetime) -> bytes:
    title = _("Record of processing activities")
    pdf = pdf_document(orientation="L", created=created, title=title)
    pdf.set_auto_page_break(auto=True, margin=14)
    pdf.add_page()
    pdf_font(pdf, 16, bold=True)
    pdf.cell(0, 9, pdf_text(title), new_x="LMARGIN", new_y="NEXT")
    pdf_font(pdf, 9)
    pdf.cell(
        0, 5, pdf_text(_("As of %(day)s (GDPR article 30)") % {"day": short_date(day)}), new_x="LMARGIN", new_y="NEXT"
    )
    if not rows:
        pdf.ln(3)
        pdf.cell(0, 5, pdf_text(_("No application is marked as holding personal data.")), new_x="LMARGIN", new_y="NEXT")
    for row in rows:
        _pdf_heading(pdf, str(row["application"]))
        with pdf.table(col_widths=(60, 207), text_align="LEFT", line_height=4.6, first_row_as_headings=False) as table:
            for column in RECORD_COLUMNS[1:]:
                line = table.row()
                line.cell(pdf_text(str(RECORD_HEADINGS[column])))
                line.cell(pdf_text(_text(row[column] if row[column] != "" else None)))
    _pdf_heading(pdf, _("Gaps"))
    if gaps:
        with pdf.table(col_widths=(55, 70, 110, 32), text_align="LEFT", line_height=4.6) as table:
            head = table.row()
            for heading in (_("Supplier"), _("Gap"), _("About"), _("Since or by")):
                head.cell(pdf_text(heading))
            for gap in gaps:
                line = table.row()
                for value in (gap.supplier, gap.label, gap.subject, gap.since):
                    line.cell(pdf_text(_text(value)))
    else:
        pdf.cell(0, 5, pdf_text(_("None.")), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
