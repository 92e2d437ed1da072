"""PDF text: documents embed DejaVu Sans, so any letter, dash or sign sets as itself (issue 16)."""

from __future__ import annotations

import subprocess
import unicodedata

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
