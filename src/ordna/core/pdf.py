"""The one place for PDF text: every PDF Ordna makes (leaver certificates, monthly and licence reports, review
agendas) starts from `pdf_document` and sets its text with `pdf_font` and `pdf_text`.

fpdf2's built-in Helvetica knows Latin-1 only, so a dash, a Polish name or the euro sign came out as "?".
The documents embed DejaVu Sans instead (regular and bold, fonts/ beside this module, with its licence): a
Unicode TrueType font that covers Latin with all its extensions, Greek, Cyrillic, punctuation and currency
signs; fpdf2 embeds only the glyphs a document uses. The font files are vendored because no maintained PyPI
package ships them on their own (matplotlib carries them among 40 MB of other things; the rinohtype typeface
package needs rinohtype), and Debian's fonts-dejavu-core is not there outside Debian.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Literal

from fpdf import FPDF

FONT = "DejaVuSans"
FONTS = Path(__file__).resolve().parent / "fonts"
FONT_FILES = {"": FONTS / "DejaVuSans.ttf", "B": FONTS / "DejaVuSans-Bold.ttf"}


def pdf_document(*, orientation: Literal["P", "L"] = "P", created: datetime | None = None, title: str = "") -> FPDF:
    """A new A4 document whose font is DejaVu Sans (regular and bold), at 10 points. `created` fixes its
    creation date, so the same content gives the same bytes (the evidence pack)."""
    pdf = FPDF(orientation=orientation, format="A4")
    for style, path in FONT_FILES.items():
        pdf.add_font(FONT, style, str(path))
    pdf.set_font(FONT, "", 10)
    if created is not None:
        pdf.set_creation_date(created)
    if title:
        pdf.set_title(pdf_text(title))
    return pdf


def pdf_font(pdf: FPDF, size: float, *, bold: bool = False) -> None:
    """Set the document's font (the one embedded by `pdf_document`) at `size` points."""
    pdf.set_font(FONT, "B" if bold else "", size)


def pdf_text(text: str) -> str:
    """`text` as the embedded font sets it: letters written as a base letter and a combining accent (as some
    HR and macOS exports do) are composed into one, which the font has a glyph for."""
    return unicodedata.normalize("NFC", text)
