"""The loader reports provenance problems as warnings; shipped documents have none.

The shipped-corpus test is the gate for editors: a start-page link, a missing
``stand``, or a programme marked open whose ``gueltig_bis`` has passed fails
``make test`` until the document is fixed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assistant.domain.doctypes import DocType
from assistant.domain.provenance import is_homepage, provenance_warnings
from assistant.ingest.load import load_document
from tests.conftest import shipped_corpus_files

MAX_BYTES = 10**7


@pytest.fixture(scope="module")
def shipped() -> list:
    return [load_document(p, max_bytes=MAX_BYTES) for p in shipped_corpus_files()]


def test_every_shipped_document_has_a_deep_source_and_its_stand(shipped) -> None:
    assert len(shipped) >= 70
    homepages = [(d.doc_id, d.metadata.source_url) for d in shipped if not d.metadata.source_url
                 or is_homepage(d.metadata.source_url)]
    assert not homepages, f"Startseite statt Fundstelle: {homepages}"
    missing = [d.doc_id for d in shipped if d.metadata.stand is None]
    assert not missing, f"ohne stand: {missing}"


def test_shipped_documents_have_no_provenance_warning(shipped) -> None:
    today = dt.date.today()
    problems = {d.doc_id: w for d in shipped if (w := provenance_warnings(d.metadata, today))}
    assert not problems, problems


def test_shipped_programmes_say_whether_one_can_apply(shipped) -> None:
    programmes = [d for d in shipped if d.metadata.type == DocType.FOERDERPROGRAMM]
    assert len(programmes) >= 25
    assert all(d.metadata.status in ("offen", "geschlossen", "ausgelaufen") for d in programmes)


def _write(tmp_path: Path, name: str, head: str) -> Path:
    path = tmp_path / name
    path.write_text(f"---\n{head}---\n# Titel\n\nEin Absatz über Förderung im Revier.\n", encoding="utf-8")
    return path


def test_loader_reports_start_page_and_missing_stand(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.md", "title: A\ntype: strategie\nsource_url: https://www.sab.sachsen.de/\n")
    doc = load_document(path, max_bytes=MAX_BYTES)
    assert any("Startseite" in w for w in doc.warnings)
    assert any("„stand“ fehlt" in w for w in doc.warnings)


def test_loader_judges_dates_on_the_given_day(tmp_path: Path) -> None:
    head = (
        "title: Programm\ntype: foerderprogramm\nstatus: offen\ngueltig_bis: 2026-06-30\n"
        "source_url: https://example.org/programme/p\nstand: 2026-05-01\n"
    )
    path = _write(tmp_path, "p.md", head)
    before = load_document(path, max_bytes=MAX_BYTES, today=dt.date(2026, 6, 1))
    after = load_document(path, max_bytes=MAX_BYTES, today=dt.date(2026, 7, 1))
    assert before.warnings == []
    assert len(after.warnings) == 1 and "ausgelaufen" in after.warnings[0]
    future = load_document(path, max_bytes=MAX_BYTES, today=dt.date(2026, 4, 1))
    assert any("„stand“ (01.05.2026) liegt in der Zukunft" in w for w in future.warnings)


def test_sidecar_provenance_is_checked_too(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text("Richtlinie zur Förderung von Vereinen im Revier.\n", encoding="utf-8")
    (tmp_path / "r.meta.yaml").write_text(
        "title: Richtlinie\ntype: dokument\nsource_url: https://www.ilb.de/de/\nstand: 2026-01-01\n", encoding="utf-8"
    )
    doc = load_document(tmp_path / "r.txt", max_bytes=MAX_BYTES)
    assert [w for w in doc.warnings if "Startseite" in w]
