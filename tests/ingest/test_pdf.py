"""PDF loading (generated with fpdf2) and the page clean-up rules."""

from __future__ import annotations

import re

import pytest

from assistant.errors import CorruptDocument, EmptyDocument, EncryptedDocument, NeedsOCR
from assistant.ingest.chunker import chunk_document
from assistant.ingest.formats.pdf_cleanup import clean_pdf_pages, rejoin_hyphenation
from assistant.ingest.load import load_document

from .builders import (
    MAX_BYTES,
    build_image_pdf,
    build_pdf,
    build_zero_page_pdf,
    count_words,
)

BODIES = [
    "Gefördert werden Investitionen kleiner Unternehmen.",
    "Antragsberechtigt sind Kommunen und Vereine im Revier.",
    "Die Bewilligungsstelle prüft jeden Antrag sorgfältig.",
    "Zuschüsse werden als Anteilfinanzierung gewährt.",
    "Der Verwendungsnachweis ist binnen sechs Monaten vorzulegen.",
]


def _page(i: int) -> str:
    """Body lines differ between pages at both ends, as in real documents."""
    return (
        f"{BODIES[i % len(BODIES)]} Die Wettbewerbsfä-\nhigkeit der Unternehmen in Sachsen-\nAnhalt wird gestärkt. "
        f"Kranken-\nund Pflegeversicherung sind zu zahlen. Die E-\nMobilität im Revier wächst.\n"
        f"{BODIES[(i + 2) % len(BODIES)]}"
    )


@pytest.fixture
def report_pdf(write):
    data = build_pdf([_page(i) for i in range(1, 6)], header="Förderrichtlinie Revier 2024 - Stand 01.03.2024",
                     footer="- Seite {n} von {total} -", first_number=11)
    return write("Förderrichtlinie Revier.pdf", data)


def test_multipage_pdf_cleanup(report_pdf) -> None:
    doc = load_document(report_pdf, max_bytes=MAX_BYTES)
    assert doc.doc_id == "foerderrichtlinie-revier"
    assert doc.file_type == "pdf"
    assert [s.page for s in doc.sections] == [1, 2, 3, 4, 5]
    assert [s.printed_page for s in doc.sections] == ["11", "12", "13", "14", "15"]
    for section in doc.sections:
        assert "Förderrichtlinie Revier 2024" not in section.text
        assert "Seite" not in section.text
        assert "Wettbewerbsfähigkeit" in section.text
        assert "Sachsen-Anhalt" in section.text
        assert "E-Mobilität" in section.text
        assert "Kranken- und Pflegeversicherung" in section.text
        assert not re.search(r"[a-zäöüß]-\n[a-zäöüß]", section.text)
    assert any("Titel aus dem Dateinamen" in w for w in doc.warnings)


def test_pdf_chunks_carry_pages(report_pdf) -> None:
    doc = load_document(report_pdf, max_bytes=MAX_BYTES)
    chunks = chunk_document(doc, max_tokens=12, overlap_tokens=3, count_tokens=count_words)
    assert {c.page for c in chunks} == {1, 2, 3, 4, 5}
    for chunk in chunks:
        section = doc.sections[chunk.page - 1]
        assert section.text[chunk.char_start:chunk.char_end] == chunk.text
        assert chunk.printed_page == section.printed_page


def test_pdf_with_sidecar(report_pdf, write) -> None:
    meta = ("title: Richtlinie Revier\ntype: foerderprogramm\nland: Sachsen-Anhalt\nstatus: offen\n"
            "source_url: https://example.org/richtlinien/revier.pdf\nstand: 2026-01-15\n")
    write("Förderrichtlinie Revier.meta.yaml", meta)
    doc = load_document(report_pdf, max_bytes=MAX_BYTES)
    assert (doc.title, doc.metadata.type) == ("Richtlinie Revier", "foerderprogramm")
    assert doc.metadata.land == ["Sachsen-Anhalt"]
    assert doc.warnings == []


def test_encrypted_with_password(write) -> None:
    path = write("geheim.pdf", build_pdf(["Vertraulicher Inhalt."], user_password="geheim"))
    with pytest.raises(EncryptedDocument, match="Kennwort"):
        load_document(path, max_bytes=MAX_BYTES)


def test_encrypted_aes_with_empty_user_password_loads(write) -> None:
    path = write("formular.pdf", build_pdf(["Erklärung über De-minimis-Beihilfen."], user_password="", aes=True))
    doc = load_document(path, max_bytes=MAX_BYTES)
    assert "De-minimis-Beihilfen" in doc.text


@pytest.mark.parametrize("cut", ["half", "head", "garbage", "xref"])
def test_corrupt_pdf(write, cut: str) -> None:
    good = build_pdf(["Hallo Welt. " * 200])
    data = {
        "half": good[: len(good) // 2],
        "head": good[:200],
        "garbage": b"%PDF-1.7\n" + b"\x00kaputt" * 100,
        "xref": good.replace(b"xref", b"xfer").replace(b"startxref", b"startfoo"),
    }[cut]
    with pytest.raises(CorruptDocument, match="beschädigt"):
        load_document(write("kaputt.pdf", data), max_bytes=MAX_BYTES)


def test_zero_page_pdf(write) -> None:
    with pytest.raises(EmptyDocument, match="keine Seiten"):
        load_document(write("leer.pdf", build_zero_page_pdf()), max_bytes=MAX_BYTES)


def test_image_only_pdf_needs_ocr(write) -> None:
    with pytest.raises(NeedsOCR, match=r"enthält keinen Text \(gescannt\?\)\. Bitte OCR durchführen"):
        load_document(write("scan.pdf", build_image_pdf()), max_bytes=MAX_BYTES)


def test_partly_scanned_pdf_warns(write) -> None:
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for data in (build_pdf(["Seite mit Text."], footer=None), build_image_pdf(1)):
        for page in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
    buf = io.BytesIO()
    writer.write(buf)
    doc = load_document(write("gemischt.pdf", buf.getvalue()), max_bytes=MAX_BYTES)
    assert [s.page for s in doc.sections] == [1]
    assert any("Seiten ohne Text" in w and "2" in w for w in doc.warnings)


# --- clean-up rules on page texts -------------------------------------------


def test_running_header_footer_and_lone_numbers() -> None:
    pages = [
        "Ein Service des Bundesministeriums der Justiz sowie des\u00a0Bundesamts für\n"
        "Justiz - www.gesetze-im-internet.de\n"
        f"{body}\n{body.upper()}\u00a0mit geschütztem Leerzeichen.\n(88.{3 * i + 2})\n- Seite {i} von 6 -"
        for i, body in enumerate(BODIES + ["Letzte Seite."], start=1)
    ]
    cleaned = clean_pdf_pages(pages)
    assert [c.printed_page for c in cleaned] == ["1", "2", "3", "4", "5", "6"]
    for i, (page, body) in enumerate(zip(cleaned, BODIES + ["Letzte Seite."], strict=True), start=1):
        assert page.text == f"{body}\n{body.upper()} mit geschütztem Leerzeichen.\n(88.{3 * i + 2})"


def test_counter_at_end_of_running_line() -> None:
    pages = [f"Rundschreiben BMAS 2024/1 - 16. August 2024 {i + 7}\n{body}\nMehr Inhalt {i}."
             for i, body in enumerate(BODIES[:4])]
    cleaned = clean_pdf_pages(pages)
    assert [c.printed_page for c in cleaned] == ["7", "8", "9", "10"]
    assert [c.text.split("\n")[0] for c in cleaned] == BODIES[:4]


def test_lone_page_number_header() -> None:
    pages = [f"Anlage zur Weisung 202308008\n{i + 1}\n{body}\nEnde {body[:5]}." for i, body in enumerate(BODIES[:4])]
    cleaned = clean_pdf_pages(pages)
    assert [c.printed_page for c in cleaned] == ["1", "2", "3", "4"]
    assert [c.text for c in cleaned] == [f"{body}\nEnde {body[:5]}." for body in BODIES[:4]]


def test_pages_differing_only_in_numbers_keep_their_text() -> None:
    pages = [f"Erklärung zum Antrag\nName und Anschrift\nSeite {i} von 3" for i in range(1, 4)]
    cleaned = clean_pdf_pages(pages)
    assert [c.text for c in cleaned] == ["Erklärung zum Antrag\nName und Anschrift"] * 3


def test_body_lines_survive_single_page() -> None:
    cleaned = clean_pdf_pages(["Titel\nText.\n3"])
    assert cleaned[0].text == "Titel\nText.\n3"
    assert cleaned[0].printed_page is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Wettbewerbsfä-\nhigkeit", "Wettbewerbsfähigkeit"),
        ("Sachsen-\nAnhalt", "Sachsen-Anhalt"),
        ("E-\nMobilität", "E-Mobilität"),
        ("Kranken-\nund Pflege", "Kranken- und Pflege"),
        ("Aus- \n oder Weiterbildung", "Aus- oder Weiterbildung"),
        ("100-\nprozentig", "100-prozentig"),
        ("Satzende -\nneue Zeile", "Satzende -\nneue Zeile"),
        ("Trenn\u00adung", "Trennung"),
    ],
)
def test_hyphenation_rules(raw: str, expected: str) -> None:
    assert rejoin_hyphenation(raw) == expected
