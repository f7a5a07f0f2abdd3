"""The loader on 12 real German PDFs (shared/realdocs, see its SOURCES.md).

The files sit beside the repository (``../shared/realdocs``) and are not committed;
without them these tests are skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.domain.documents import Document
from assistant.errors import NeedsOCR
from assistant.ingest.chunker import chunk_document
from assistant.ingest.load import load_document

from .builders import count_words

REALDOCS = Path(__file__).resolve().parents[2].parent / "shared" / "realdocs"
SCAN = "ULB_Halle_Qu_Cod_77_Fragment1_Scan_169683404X.pdf"
MAX_BYTES = 50 * 1024 * 1024

pytestmark = pytest.mark.skipif(
    not REALDOCS.is_dir() or not any(REALDOCS.glob("*.pdf")),
    reason=f"real PDFs not found at {REALDOCS} (shared/realdocs is not part of the repository)",
)


@pytest.fixture(scope="module")
def docs() -> dict[str, Document]:
    """All text PDFs, loaded once for the module (about 8 s for 7.4 MB)."""
    return {p.name: load_document(p, max_bytes=MAX_BYTES) for p in sorted(REALDOCS.glob("*.pdf")) if p.name != SCAN}


def test_every_text_pdf_loads(docs: dict[str, Document]) -> None:
    assert len(docs) == 11
    for name, doc in docs.items():
        assert doc.sections, name
        assert all(s.text.strip() for s in doc.sections), name
        assert all(s.page is not None for s in doc.sections), name
        assert "\u00a0" not in doc.text, name


def test_scan_needs_ocr() -> None:
    with pytest.raises(NeedsOCR, match="OCR"):
        load_document(REALDOCS / SCAN, max_bytes=MAX_BYTES)


def test_encrypted_form_loads(docs: dict[str, Document]) -> None:
    doc = docs["De-minimis-Erklaerung.pdf"]
    assert len(doc.sections) == 5
    assert "De-minimis" in doc.text
    assert [s.printed_page for s in doc.sections] == ["1", "2", "3", "4", "5"]
    assert not any(s.text.startswith("Seite") for s in doc.sections)


def test_hyphenation_rejoined(docs: dict[str, Document]) -> None:
    doc = docs["FW_SGB_III_Par_88-92_Eingliederungszuschuss.pdf"]
    assert "Wettbewerbsfähigkeit" in doc.text
    assert "Wettbewerbsfä-" not in doc.text
    for name, other in docs.items():
        assert len(re.findall(r"[a-zäöüß]-\n[a-zäöüß]", other.text)) <= 2, name
    assert "Rechts- und Weisungslage" in doc.text  # elided compound keeps hyphen and space


def test_running_header_removed_and_pages_numbered(docs: dict[str, Document]) -> None:
    doc = docs["SGB_03_Arbeitsfoerderung.pdf"]
    assert [s.page for s in doc.sections] == list(range(1, 153))
    assert [s.printed_page for s in doc.sections] == [str(n) for n in range(1, 153)]
    for section in doc.sections:
        assert "Ein Service des Bundesministeriums der Justiz" not in section.text
        assert "gesetze-im-internet.de" not in section.text
        assert not re.search(r"Seite \d+ von 152", section.text)
    assert "Qualifizierungsgeld" in doc.text


def test_other_headers_removed(docs: dict[str, Document]) -> None:
    bmas = docs["RS_BMAS_2024_01_Par_35_SGB_XII.pdf"]
    assert not any("Rundschreiben BMAS 2024/01" in s.text for s in bmas.sections)
    assert [s.printed_page for s in bmas.sections] == [str(n) for n in range(1, 34)]
    egz = docs["FW_SGB_III_Par_88-92_Eingliederungszuschuss.pdf"]
    assert sum("Fachliche Weisungen EGZ" in s.text for s in egz.sections) <= 1
    assert sum("(88.12)" in s.text for s in egz.sections) >= 1  # margin numbers are body text


def test_printed_page_differs_in_merged_pdf(docs: dict[str, Document]) -> None:
    doc = docs["FW_SGB_III_Par_165_Insolvenzgeld.pdf"]
    page90 = next(s for s in doc.sections if s.page == 90)
    assert page90.printed_page == "13"


def test_chunking_real_documents(docs: dict[str, Document]) -> None:
    for name, doc in docs.items():
        chunks = chunk_document(doc, max_tokens=200, overlap_tokens=30, count_tokens=count_words)
        assert chunks, name
        for chunk in chunks:
            assert chunk.text.strip()
            assert count_words(chunk.text) <= 200
            assert chunk.page is not None
