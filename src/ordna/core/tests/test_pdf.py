"""PDF text: documents embed DejaVu Sans, so any letter, dash or sign sets as itself (issue 16)."""

from __future__ import annotations

import subprocess
import unicodedata
from collections.abc import Callable

from ordna.conftest import require_server
from ordna.core.pdf import FONT, pdf_document, pdf_font, pdf_text

NAMES = (
    "Åsa Öberg, Zoë van Dijk, Ærø \N{EN DASH} Šimková, Łódź \N{EM DASH} "
    "\N{LEFT DOUBLE QUOTATION MARK}ok\N{RIGHT DOUBLE QUOTATION MARK} 12 \N{EURO SIGN}"
)


def test_text_is_kept_and_combining_accents_are_composed() -> None:
    assert pdf_text(NAMES) == NAMES
    decomposed = unicodedata.normalize("NFD", "Åsa Öberg")
    assert decomposed != "Åsa Öberg" and pdf_text(decomposed) == "Åsa Öberg"


def test_a_document_embeds_the_font_and_renders_every_character(tmp_path) -> None:
    pdf = pdf_document(title="Test")
    pdf.add_page()
    pdf_font(pdf, 12, bold=True)
    pdf.cell(0, 8, pdf_text(NAMES), new_x="LMARGIN", new_y="NEXT")
    pdf_font(pdf, 10)
    pdf.cell(0, 8, pdf_text(NAMES))
    content = bytes(pdf.output())
    assert f"/BaseFont /{FONT}".encode() in content or FONT.encode() in content
    path = tmp_path / "text.pdf"
    path.write_bytes(content)
    pdftotext = require_server("pdftotext (poppler-utils)", "pdftotext", "apt-get install poppler-utils")
    text = subprocess.run([pdftotext, str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert text.count(NAMES) == 2 and "?" not in text


def test_the_fonts_read_once_give_the_bytes_fpdf2_gives_reading_them_each_time() -> None:
    # Given documents that each use other letters (one a letter the font lacks), made one after the other in one
    # process, and the same documents with fpdf2 reading both font files for each,
    from datetime import UTC, datetime

    from fpdf import FPDF

    from ordna.core import pdf

    made = datetime(2026, 11, 16, tzinfo=UTC)

    def documents(start: Callable[[], FPDF]) -> list[bytes]:
        out = []
        for text in (NAMES, "Plain text", "\N{SNOWMAN} and 漢", NAMES[:20]):
            document = start()
            document.add_page()
            pdf_font(document, 15, bold=True)
            document.cell(0, 9, pdf_text(text), new_x="LMARGIN", new_y="NEXT")
            pdf_font(document, 10)
            document.cell(0, 9, pdf_text(f"{text} (regular)"))
            out.append(bytes(document.output()))
        return out

    def read_each_time() -> FPDF:
        document = FPDF(format="A4")
        for style, path in pdf.FONT_FILES.items():
            document.add_font(FONT, style, str(path))
        document.set_font(FONT, "", 10)
        document.set_creation_date(made)
        return document

    # then every document is the same, byte for byte: no document's glyphs leak into the next.
    assert documents(lambda: pdf_document(created=made)) == documents(read_each_time)
