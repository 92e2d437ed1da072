"""Text for the PDFs Ordna makes with fpdf2 (leaver certificates, review agendas, reports): one place for it,
where a Unicode font can be embedded later instead of folding letters."""

from __future__ import annotations

import unicodedata


def pdf_text(text: str) -> str:
    """`text` as fpdf2's built-in Helvetica can set it, which knows Latin-1 only: a letter outside it is
    folded to its base letter (Š to S, ź to z) rather than failing; what has no base letter in Latin-1
    (Ł, the dash —, the euro sign) becomes "?"."""
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        folded = "".join(c if ord(c) < 256 else unicodedata.normalize("NFKD", c)[0] for c in text)
        return folded.encode("latin-1", "replace").decode("latin-1")
