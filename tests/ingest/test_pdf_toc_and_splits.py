"""PDF clean-up of table-of-contents dot leaders and stray spaces inside words (issue #15, point 6)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.ingest.chunker import chunk_document
from assistant.ingest.formats.pdf_cleanup import rejoin_split_words, strip_dot_leaders
from assistant.ingest.load import load_document

from .builders import MAX_BYTES, build_pdf, count_words

REALDOCS = Path(__file__).resolve().parents[2].parent / "shared" / "realdocs"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("44.01 – Zielsetzung ..................................... 5", "44.01 – Zielsetzung"),
        ("Änderungshistorie . . . . . . . . . . 3", "Änderungshistorie"),
        ("§ 88 Eingliederungszuschuss ……… 12", "§ 88 Eingliederungszuschuss"),
        ("Anlage ............ iv", "Anlage"),
        ("Der Satz endet so ... und geht weiter.", "Der Satz endet so ... und geht weiter."),  # an ellipsis stays
        ("Version 1.2.3.4 vom März", "Version 1.2.3.4 vom März"),
    ],
)
def test_dot_leaders_go_titles_stay(line: str, expected: str) -> None:
    assert strip_dot_leaders(line) == expected


def test_split_words_close_only_where_the_document_proves_it() -> None:
    pages = [
        "Hilfen zur beruflichen Einglied erung sowie Beratung. Die Einglied erung gelingt.",
        "Die Eingliederung in Arbeit w ird gefördert; es wird geprüft. Das Ruhen des Anspruchs endet.",
        "Ein ruhendes Arbeitsverhältnis; die Kosten des Verfahrens. Zum Start in Arbeit.",
    ]
    out = rejoin_split_words(pages)
    assert "beruflichen Eingliederung sowie" in out[0] and "Die Eingliederung gelingt" in out[0]
    assert "Arbeit wird gefördert" in out[1]
    assert "Ruhen des Anspruchs" in out[1]  # "des" stands alone elsewhere: two words
    assert out[2] == pages[2]
    assert rejoin_split_words(["Das Ziel ist klar."]) == ["Das Ziel ist klar."]  # nothing proves a join


def test_generated_pdf_with_toc_and_splits(write) -> None:
    toc = "Inhaltsverzeichnis\n" + "\n".join(
        f"{n}. {title} {'.' * 40} {page}" for n, (title, page) in
        enumerate([("Zuwendungszweck", 2), ("Eingliederung in Arbeit", 2), ("Verfahren", 3)], start=1))
    body = ("1. Zuwendungszweck\nGefördert wird die Einglied erung von Langzeitarbeitslosen in Arbeit.\n"
            "2. Eingliederung in Arbeit\nDie Eingliederung w ird mit einem Zuschuss gefördert.")
    data = build_pdf([toc, body, "3. Verfahren\nDer Antrag wird vor Beginn gestellt; die Bewilligung folgt."])
    doc = load_document(write("Richtlinie Eingliederung.pdf", data), max_bytes=MAX_BYTES)
    text = doc.text
    assert not re.search(r"\.{4,}", text), text
    assert "1. Zuwendungszweck\n2. Eingliederung in Arbeit" in text  # the entries stay, without numbers
    assert "Einglied erung" not in text and "w ird" not in text
    assert "die Eingliederung von Langzeitarbeitslosen" in text
    chunks = chunk_document(doc, max_tokens=200, overlap_tokens=20, count_tokens=count_words)
    assert not any(re.search(r"(\. ?){4,}", c.text) for c in chunks)


@pytest.mark.skipif(not REALDOCS.is_dir(), reason=f"real PDFs not found at {REALDOCS}")
@pytest.mark.parametrize(
    ("name", "split", "joined"),
    [
        ("FW_SGB_III_Par_45_Massnahmen_bei_Arbeitgeber.pdf", "Einglied erung", "beruflichen Eingliederung sowie"),
        ("FW_SGB_III_Par_44_Vermittlungsbudget.pdf", "mindeste ns", "mindestens"),
        ("FW_SGB_II_Par_20_Regelbedarfe_2023.pdf", "w ird", "wird"),
    ],
)
def test_real_pdfs_lose_leaders_and_splits(name: str, split: str, joined: str) -> None:
    doc = load_document(REALDOCS / name, max_bytes=MAX_BYTES)
    assert split not in doc.text
    assert joined in doc.text
    assert not re.search(r"\.{6,}", doc.text)
