"""Index the 12 real German PDFs from ../shared/realdocs end to end through the CLI code path.

CI always has ../shared beside the clone; elsewhere the test says why it skips.
Slow (about 1,400 chunks to embed), so it shares the session embedding cache.
"""

from __future__ import annotations

import pytest

from assistant.service import Assistant
from tests.conftest import REALDOCS


@pytest.mark.slow
@pytest.mark.timeout(1800)  # ~1,400 chunks to embed: about 3 minutes on 2 idle cores
def test_index_the_real_pdf_folder(make_settings, embedder) -> None:
    if not REALDOCS.is_dir():
        pytest.skip(f"{REALDOCS} fehlt: die echten PDFs liegen nur neben dem Repository (../shared/realdocs)")
    # Answer statements (tests/answering covers them) would add ~5,000 sentence embeddings here.
    assistant = Assistant(make_settings(index_statements=False), embedder)
    report = assistant.index([REALDOCS])

    status = {o.path.rsplit("/", 1)[-1]: o for o in report.outcomes}
    scan = status["ULB_Halle_Qu_Cod_77_Fragment1_Scan_169683404X.pdf"]
    assert scan.status == "failed" and "OCR" in scan.reason
    assert status["De-minimis-Erklaerung.pdf"].status == "added"  # AES-encrypted, empty password
    assert report.counts["added"] == 12 and report.counts["failed"] == 1  # 11 PDFs + SOURCES.md

    snap = assistant.snapshot
    chunks = [c.chunk for d in snap.documents for c in snap.document_chunks(d)]
    assert all(c.page and c.text.strip() for c in chunks if c.doc_id != "sources")
    sgb3 = " ".join(c.chunk.text for c in snap.document_chunks("sgb-03-arbeitsfoerderung")[:50])
    assert "Ein Service des Bundesministeriums der Justiz" not in sgb3  # running header dropped
    ez = " ".join(c.chunk.text for c in snap.document_chunks("fw-sgb-iii-par-88-92-eingliederungszuschuss"))
    assert "Wettbewerbsfähigkeit" in ez or "Minderleistung" in ez  # hyphenation re-joined

    hit = assistant.search("Qualifizierungsgeld bei Strukturwandel").hits[0]
    assert hit.document.doc_id == "sgb-03-arbeitsfoerderung"
    assert hit.passages[0].chunk.page is not None
