"""The one place for PDF text: every PDF Ordna makes (leaver certificates, monthly and licence reports, review
agendas) starts from `pdf_document` and sets its text with `pdf_font` and `pdf_text`.

fpdf2's built-in Helvetica knows Latin-1 only, so a dash, a Polish name or the euro sign came out as "?".
The documents embed DejaVu Sans instead (regular and bold, fonts/ beside this module, with its licence): a
Unicode TrueType font that covers Latin with all its extensions, Greek, Cyrillic, punctuation and currency
signs; fpdf2 embeds only the glyphs a document uses. The font files are vendored because no maintained PyPI
package ships them on their own (matplotlib carries them among 40 MB of other things; the rinohtype typeface
package needs rinohtype), and Debian's fonts-dejavu-core is not there outside Debian.

Reading a font is most of the cost of a short document (a leaver certificate: about 70 %; the evidence pack
makes hundreds): fpdf2's `add_font` parses the TrueType file and measures every glyph each time. So each style
is read once per process (`_parsed`), and each document gets its own copy of it, as fpdf2 itself copies a
font (`TTFFont.__deepcopy__`): the measures are shared and only read, while what a document changes is its own
(the subset of glyphs it uses, the missing glyphs, the font descriptor numbered in its file) and so is the
fontTools font, which fpdf2 subsets in place when it writes the file (opened lazily, it costs a millisecond).
The bytes are the same as with `add_font` (src/ordna/core/tests/test_pdf.py).
"""

from __future__ import annotations

import copy
import functools
import io
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Literal

from fontTools import ttLib  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

FONT = "DejaVuSans"
FONTS = Path(__file__).resolve().parent / "fonts"
FONT_FILES = {"": FONTS / "DejaVuSans.ttf", "B": FONTS / "DejaVuSans-Bold.ttf"}


def pdf_document(*, orientation: Literal["P", "L"] = "P", created: datetime | None = None, title: str = "") -> FPDF:
    """A new A4 document whose font is DejaVu Sans (regular and bold), at 10 points. `created` fixes its
    creation date, so the same content gives the same bytes (the evidence pack)."""
    pdf = FPDF(orientation=orientation, format="A4")
    for style in FONT_FILES:
        _font_add(pdf, style)
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


@functools.cache
def _parsed(style: str) -> TTFFont:
    """The font of `style` as fpdf2 reads it, once per process; only ever copied (`_font_add`)."""
    pdf = FPDF()
    pdf.add_font(FONT, style, str(FONT_FILES[style]))
    font = pdf.fonts[f"{FONT.lower()}{style}"]
    if not isinstance(font, TTFFont) or font.is_cff or font.color_font is not None:
        raise TypeError(f"{FONT_FILES[style]}: a TrueType font without colour glyphs is expected")
    return font


# The tables fpdf2's output drops from every embedded subset (fpdf/output.py, _add_fonts): fontTools still reads
# the layout tables among them before dropping them, which costs more than the rest of the subsetting.
DROPPED = ("FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "sbix", "CBDT", "CBLC", "EBDT", "EBLC", "EBSC",
           "SVG ", "CPAL", "COLR")  # fmt: skip


@functools.cache
def _unshaped(style: str) -> bytes:
    """The font file of `style` without the tables the output drops; every other table byte for byte."""
    font = ttLib.TTFont(str(FONT_FILES[style]), recalcTimestamp=False, lazy=True)
    # fontTools' subsetter drops the legacy kerning of a font that has GPOS (its option legacy_kern is off).
    for tag in (*DROPPED, "kern") if "GPOS" in font else DROPPED:
        if tag in font:
            del font[tag]
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _font_add(pdf: FPDF, style: str) -> None:
    """What `pdf.add_font(FONT, style, path)` does, without reading the file again."""
    parsed = _parsed(style)
    font = copy.copy(parsed)  # shares the read-only measures: cmap, glyph ids, name, metrics
    font.i = len(pdf.fonts) + 1
    font.cw = copy.copy(parsed.cw)  # a defaultdict: reading a missing character writes its default width
    font.desc = copy.copy(parsed.desc)  # numbered and named as an object of this document's file
    font.ttfont = ttLib.TTFont(io.BytesIO(_unshaped(style)), recalcTimestamp=False, lazy=True)  # subset on output
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font.subset = SubsetMap(font)
    pdf.fonts[font.fontkey] = font
