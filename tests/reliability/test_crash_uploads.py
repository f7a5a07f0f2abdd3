"""Uploads that survive a crash (issue #19, 3), with real processes killed by SIGKILL.

A child process uploads a file as the API does and pauses at a stage of the index run
(tests/stage_pause.py); the test kills it, then "restarts" the server (the real app with
its lifespan) and proves: the upload was pending (reported by GET /api/uploads and the
404 of the document says so), it is indexed at start-up with a note that this is a
repeated attempt, and a file that stopped the indexer twice is marked failed with its
reason instead of being fed to the indexer again.  A publish-stage kill leaves a
generation that was never served: the next run drops it and keeps the last served one.
"""

from __future__ import annotations

import os
import signal
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.doors.http.app import create_app
from assistant.ingest.upload_journal import FAILED_DIR, UploadJournal
from assistant.service import Assistant
from assistant.storage.generations import current_generation, generation_dirs
from tests.fixtures.damage import overwrite_middle
from tests.reliability.test_crash import start_paused_index, wait_for_marker

TOKEN = "crash-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _kill_at(settings, point: str, tmp_path: Path, mode: str) -> None:
    proc, marker = start_paused_index(settings, point, tmp_path, mode)
    try:
        wait_for_marker(proc, marker, tmp_path / f"index-{point}.log")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL


def _upload_source(tmp_path: Path, token: str) -> Path:
    source = tmp_path / "eingang" / f"waermeplan-{token}.md"
    source.parent.mkdir(exist_ok=True)
    source.write_text(f"# Wärmeplan {token}\n\nDie Stadt Guben plant ein Wärmenetz ({token}).\n", "utf-8")
    return source


def _restart(settings, embedder) -> TestClient:
    """The real app over the same folders; its lifespan indexes pending uploads in the background."""
    return TestClient(create_app(settings, Assistant(settings, embedder)))


@pytest.mark.parametrize("point", ["loading", "embedding", "writing", "publish"])
def test_upload_killed_while_indexing_is_pending_and_indexed_at_the_next_start(
    point: str, make_settings, small_assistant: Assistant, embedder, tmp_path: Path
) -> None:
    settings = make_settings(admin_token=TOKEN, rate_limit_per_minute=0)
    served = [g.name for g in generation_dirs(settings.index_dir)]
    token = uuid.uuid4().hex[:10]  # new text every run, so the child really embeds
    _kill_at(settings, point, tmp_path, f"upload:{_upload_source(tmp_path, token)}")

    journal = UploadJournal(settings.upload_dir)
    [entry] = journal.entries()
    assert entry.state == "pending" and entry.attempts == 1 and entry.file == f"waermeplan-{token}.md"
    assert (settings.upload_dir / entry.file).is_file()
    doc_id = f"waermeplan-{token}"

    # Before the restart indexes it, a reader sees it is pending, not just a 404 without a word.
    plain = Assistant(settings, embedder)
    assert doc_id not in plain.snapshot.documents
    reader = TestClient(create_app(settings, plain))  # no lifespan: nothing indexes the upload yet
    missing = reader.get(f"/api/documents/{doc_id}")
    assert missing.status_code == 404 and "1 wartend" in missing.json()["message"]
    assert reader.get("/api/uploads", headers=AUTH).json()["uploads"][0]["state"] == "pending"

    with _restart(settings, embedder) as client:
        client.app.state.door.jobs.wait_all(240)
        [job] = client.app.state.door.jobs._jobs.values()
        assert job.kind == "pending-uploads" and job.state == "done", job.error
        [outcome] = [o for o in job.report.outcomes if Path(o.path).name == entry.file]
        assert outcome.status == "added"
        assert any("Erneuter Versuch (2. von 2)" in w for w in outcome.warnings)
        assert client.get("/api/uploads", headers=AUTH).json() == {"uploads": []}
        document = client.get(f"/api/documents/{doc_id}")
        assert document.status_code == 200 and token in document.text
        hits = client.get("/api/search", params={"q": f"Wärmenetz Guben {token}"}).json()["hits"]
        assert hits[0]["doc_id"] == doc_id

    # Nothing that was served before is lost, and no never-served generation is kept as a fallback.
    kept = [g.name for g in generation_dirs(settings.index_dir)]
    assert current_generation(settings.index_dir) == kept[0]
    assert set(served) <= set(kept), (served, kept)
    assert len(kept) == len(served) + 1


def test_upload_that_stopped_the_indexer_twice_is_failed_and_never_fed_again(
    make_settings, small_assistant: Assistant, embedder, tmp_path: Path
) -> None:
    settings = make_settings(admin_token=TOKEN, rate_limit_per_minute=0)
    token = uuid.uuid4().hex[:10]
    _kill_at(settings, "embedding", tmp_path, f"upload:{_upload_source(tmp_path, token)}")
    _kill_at(settings, "loading", tmp_path, "pending")  # the start-up run dies on it again
    [entry] = UploadJournal(settings.upload_dir).entries()
    assert entry.state == "pending" and entry.attempts == 2

    with _restart(settings, embedder) as client:
        client.app.state.door.jobs.wait_all(240)
        [listed] = client.get("/api/uploads", headers=AUTH).json()["uploads"]
        assert listed["state"] == "failed" and listed["attempts"] == 2
        assert "2-mal abgebrochen" in listed["reason"] and "nicht noch einmal" in listed["reason"]
        assert not (settings.upload_dir / entry.file).exists()
        assert (settings.upload_dir / FAILED_DIR / entry.file).is_file()  # kept for inspection, out of the corpus

        # A full re-index does not read it either.
        job = client.post("/api/reindex", headers=AUTH).json()
        client.app.state.door.jobs.wait_all(240)
        report = client.get(f"/api/jobs/{job['job_id']}", headers=AUTH).json()["report"]
        assert report is not None and entry.file not in str(report["files"])
        assert client.get(f"/api/documents/waermeplan-{token}").status_code == 404

        # Discarding deletes entry and file.
        assert client.delete(f"/api/uploads/{entry.file}", headers=AUTH).json() == {
            "file": entry.file, "state": "discarded"}
        assert client.get("/api/uploads", headers=AUTH).json() == {"uploads": []}
        assert not (settings.upload_dir / FAILED_DIR / entry.file).exists()
        unknown = client.delete(f"/api/uploads/{entry.file}", headers=AUTH)
        assert unknown.status_code == 404 and unknown.json()["code"] == "upload_not_found"


def test_pending_upload_over_its_time_budget_is_failed_with_the_reason(
    make_settings, small_assistant: Assistant, embedder
) -> None:
    """A file a crash left pending that then times out the indexer is failed, saying why."""
    from tests.ingest.builders import docx_with_paragraphs

    settings = make_settings(admin_token=TOKEN, rate_limit_per_minute=0, file_time_budget_s=1.0)
    journal = UploadJournal(settings.upload_dir)
    journal.add_pending("langsam.docx", "Langsam.docx")
    (settings.upload_dir / "langsam.docx").write_bytes(docx_with_paragraphs(300_000))
    with _restart(settings, embedder) as client:
        client.app.state.door.jobs.wait_all(240)
        [listed] = client.get("/api/uploads", headers=AUTH).json()["uploads"]
        assert listed["state"] == "failed" and "REVIERLOTSE_FILE_TIME_BUDGET_S" in listed["reason"]
        assert (settings.upload_dir / FAILED_DIR / "langsam.docx").is_file()


def test_publish_kill_keeps_the_last_served_generation_as_fallback(
    make_settings, small_assistant: Assistant, embedder, tmp_path: Path
) -> None:
    settings = make_settings()
    for n in (2, 3):  # three generations that were each live once
        (settings.corpus_dir / f"nachtrag-{n}.md").write_text(f"# Nachtrag {n}\n\nText {n} über Radwege.", "utf-8")
        small_assistant.index([settings.corpus_dir])
    g1, g2, g3 = sorted(g.name for g in generation_dirs(settings.index_dir))
    assert current_generation(settings.index_dir) == g3

    (settings.corpus_dir / "nachtrag-4.md").write_text(f"# Nachtrag 4\n\n{uuid.uuid4().hex} Radwege.", "utf-8")
    _kill_at(settings, "publish", tmp_path, "")  # complete generation renamed into place, CURRENT not switched
    orphan = max(g.name for g in generation_dirs(settings.index_dir))
    assert orphan > g3 and current_generation(settings.index_dir) == g3

    report = Assistant(settings, embedder).index([settings.corpus_dir])
    kept = sorted(g.name for g in generation_dirs(settings.index_dir))
    assert kept == [g2, g3, report.generation] and orphan not in kept

    overwrite_middle(settings.index_dir / report.generation / "vectors.faiss", 64 * 1024)
    assert Assistant(settings, embedder).snapshot.name == g3  # the fallback is the last one really served
