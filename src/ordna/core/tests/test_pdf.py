"""PDF text: Latin-1 passes unchanged, other letters fold to their base letter, the rest becomes "?"."""

from __future__ import annotations

from ordna.core.pdf import pdf_text


def test_swedish_and_dutch_names_in_latin1_are_unchanged() -> None:
    assert pdf_text("Åsa Öberg, Zoë van Dijk, Ærø") == "Åsa Öberg, Zoë van Dijk, Ærø"


def test_letters_outside_latin1_fold_to_their_base_letter_and_the_rest_becomes_a_question_mark() -> None:
    assert pdf_text("Šimková, Łódź — “ok”") == "Simková, ?ódz ? ?ok?"
