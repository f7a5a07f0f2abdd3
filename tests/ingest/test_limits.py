"""Limits while indexing (issue #19, 2): unpacked size, characters, chunks and time per file, and
the writer lock released before answer statements are prepared."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.doors.http.app import create_app
from assistant.errors import DocumentTimeout
from assistant.ingest.indexer import Progress
from assistant.ingest.reading import chunk_within_limits
from assistant.ingest.uploads import IncomingFile
from assistant.service import Assistant
from assistant.storage.generations import current_generation, writer_lock
from tests.conftest import SMALL_CORPUS, write_tree
from tests.ingest.builders import docx_with_paragraphs

GOOD = {"foerderprogramm/stark.md": SMALL_CORPUS["foerderprogramm/stark.md"]}
AUTH = {"Authorization": "Bearer limits-token"}


def _index_with(make_settings, embedder, files: dict[str, bytes | str], **overrides):
    settings = make_settings(**overrides)
    write_tree(settings.corpus_dir, {**GOOD, **files})
    assistant = Assistant(settings, embedder)
    report = assistant.index([settings.corpus_dir])
    by_name = {Path(o.path).name: o for o in report.outcomes}
    assert by_name["stark.md"].status == "added"  # the good file is indexed whatever happens to the others
    return assistant, by_name


def test_docx_zip_bomb_is_refused_before_it_is_parsed(make_settings, embedder) -> None:
    """The red team's file: 1,000,000 paragraphs, ~270 KB on disk, 71 MB of document.xml."""
    bomb = docx_with_paragraphs(1_000_000)
    assert len(bomb) < 400 * 1024
    assistant, by_name = _index_with(make_settings, embedder, {"bombe.docx": bomb})
    outcome = by_name["bombe.docx"]
    assert outcome.status == "failed"
    assert "word/document.xml" in outcome.reason and "REVIERLOTSE_MAX_UNPACKED_MB" in outcome.reason
    assert "32,0 MB" in outcome.reason
    with writer_lock(assistant.settings.index_dir, wait_s=0):  # nothing holds the lock afterwards
        pass


def test_unpacked_limit_is_a_setting(make_settings, embedder) -> None:
    _, by_name = _index_with(make_settings, embedder, {"lang.docx": docx_with_paragraphs(30_000)}, max_unpacked_mb=1)
    assert "1,0 MB je Teil" in by_name["lang.docx"].reason


def test_character_limit_names_its_setting(make_settings, embedder) -> None:
    text = "# Lang\n\n" + "Ein Satz über Förderung im Revier. " * 200
    _, by_name = _index_with(make_settings, embedder, {"lang.md": text}, max_document_chars=1000)
    reason = by_name["lang.md"].reason
    assert by_name["lang.md"].status == "failed"
    assert "höchstens 1.000" in reason and "REVIERLOTSE_MAX_DOCUMENT_CHARS" in reason


def test_chunk_limit_names_its_setting(make_settings, embedder) -> None:
    text = "# Viele\n\n" + "".join(f"Satz {i} nennt das Vorhaben Nummer {i} im Revier. " for i in range(60))
    _, by_name = _index_with(make_settings, embedder, {"viele.md": text}, max_document_chunks=10, chunk_tokens=32)
    reason = by_name["viele.md"].reason
    assert by_name["viele.md"].status == "failed"
    assert "höchstens 10 je Dokument" in reason and "REVIERLOTSE_MAX_DOCUMENT_CHUNKS" in reason


def test_a_file_over_its_time_budget_is_stopped(make_settings, embedder) -> None:
    """300,000 paragraphs take python-docx many seconds; with a 1 s budget the reader is killed."""
    slow = docx_with_paragraphs(300_000)
    _, by_name = _index_with(make_settings, embedder, {"langsam.docx": slow}, file_time_budget_s=1.0)
    outcome = by_name["langsam.docx"]
    assert outcome.status == "failed"
    assert "innerhalb von 1 Sekunden" in outcome.reason and "REVIERLOTSE_FILE_TIME_BUDGET_S" in outcome.reason


def test_chunking_checks_the_same_deadline(make_settings, embedder, small_assistant) -> None:
    from assistant.ingest.load import load_document

    path = small_assistant.settings.corpus_dir / "foerderprogramm" / "stark.md"
    document = load_document(path, max_bytes=10**6)
    with pytest.raises(DocumentTimeout, match="REVIERLOTSE_FILE_TIME_BUDGET_S"):
        chunk_within_limits(small_assistant.settings, embedder, document, path, deadline=time.monotonic() - 1)


def test_zip_bomb_upload_answers_at_once_and_the_index_stays_free(make_settings, embedder, small_assistant) -> None:
    settings = make_settings(admin_token="limits-token", rate_limit_per_minute=0)  # over small_assistant's index
    with TestClient(create_app(settings, Assistant(settings, embedder))) as client:
        files = {"files": ("bombe.docx", docx_with_paragraphs(1_000_000), "application/octet-stream")}
        response = client.post("/api/documents", files=files, headers=AUTH)
        assert response.status_code == 422 and response.json()["code"] == "upload_failed"
        assert "REVIERLOTSE_MAX_UNPACKED_MB" in response.json()["details"]["files"][0]["reason"]
        job = client.post("/api/reindex", headers=AUTH)
        assert job.status_code == 202, job.text
        client.app.state.door.jobs.wait_all(120)
        assert client.get(f"/api/jobs/{job.json()['job_id']}", headers=AUTH).json()["state"] == "done"


class _UploadWhileStatementsArePrepared(Progress):
    """At the start of the statement phase: is the lock free, is the new generation live, can one upload?"""

    def __init__(self, other: Assistant) -> None:
        self.other = other
        self.seen: dict = {}

    def statements_total(self, n: int) -> None:
        index_dir = self.other.settings.index_dir
        self.seen["live"] = current_generation(index_dir)
        with writer_lock(index_dir, wait_s=0):
            self.seen["lock_free"] = True
        upload = IncomingFile("spaet.md", "spaet.md", _bytes("# Spät\n\nEin Upload während der Antwortsätze."))
        self.seen["upload"] = self.other.upload([upload])


def _bytes(text: str):
    import io

    return io.BytesIO(text.encode("utf-8"))


def test_writer_lock_is_released_before_answer_statements_are_prepared(make_settings, embedder) -> None:
    """Issue #19: a job went live at 12:29 but held the lock until 12:40; an upload at 12:33 got 409."""
    settings = make_settings(index_statements=True)
    write_tree(settings.corpus_dir, SMALL_CORPUS)
    progress = _UploadWhileStatementsArePrepared(Assistant(settings, embedder))
    report = Assistant(settings, embedder).index([settings.corpus_dir], progress=progress)
    assert progress.seen["live"] == report.generation  # the new generation was live already
    assert progress.seen["lock_free"]
    uploaded = progress.seen["upload"]
    assert [f.outcome.status for f in uploaded.files] == ["added"]
    assert uploaded.report.generation > report.generation
    assert "spaet" in Assistant(settings, embedder).snapshot.documents
