"""The PostgreSQL backend where it differs from the snapshot: connections, errors, the shared cache, migrate."""

from __future__ import annotations

import json
import socket
import time

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.answering.engine import WHOLE_DOCUMENTS
from assistant.answering.selection import candidates, whole_documents
from assistant.doors.cli import app as cli
from assistant.doors.http.app import create_app
from assistant.errors import ConfigurationError, StoreUnavailable
from assistant.service import Assistant
from assistant.storage.backends import open_backend
from assistant.storage.embedding_cache import StatementVectors
from tests.conftest import ONLY_POSTGRES, SMALL_CORPUS, CountingEmbedder, recording_root_logs, settings_for, write_tree
from tests.pg_server import psql

pytestmark = pytest.mark.postgres
postgres = pytest.mark.parametrize("store_url", ONLY_POSTGRES, indirect=True)
QUESTION = "Wie hoch ist die Förderquote bei STARK?"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_database_is_a_clear_error_without_the_password(make_settings, embedder) -> None:
    url = f"postgresql://revierlotse:geheim-4711@127.0.0.1:{_closed_port()}/revierlotse"
    settings = make_settings(store_url=url, admin_token="t", rate_limit_per_minute=0)
    with recording_root_logs() as logs:
        assistant = Assistant(settings, embedder)
        with pytest.raises(StoreUnavailable) as caught:
            assistant.search(QUESTION)
        assert "nicht erreichbar" in caught.value.message and "REVIERLOTSE_STORE_URL" in caught.value.message
        assert "geheim-4711" not in caught.value.message and "revierlotse@127.0.0.1" in caught.value.message
        with TestClient(create_app(settings, Assistant(settings, embedder))) as client:
            health = client.get("/health")
            assert health.status_code == 503 and health.json()["code"] == "store_unavailable"
            search = client.get("/api/search", params={"q": "STARK"})
            assert search.status_code == 503 and "nicht erreichbar" in search.json()["message"]
            assert "geheim-4711" not in search.text
    assert not any("geheim-4711" in line for line in logs.lines)


def test_a_store_url_that_is_not_postgresql_is_refused(make_settings) -> None:
    with pytest.raises(ConfigurationError, match="postgresql://"):
        open_backend(make_settings(store_url="mysql://localhost/revierlotse"))


@postgres
def test_broken_connections_are_replaced_without_an_error(small_assistant: Assistant, store_url: str) -> None:
    before = [h.document.doc_id for h in small_assistant.search(QUESTION).hits]
    small_assistant.snapshot.lexical._recent.clear()  # make the search read postings again
    killed = psql(store_url, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                             "WHERE application_name = 'revierlotse' AND pid <> pg_backend_pid()")
    assert int(killed) >= 1
    with recording_root_logs() as logs:
        assert [h.document.doc_id for h in small_assistant.search(QUESTION).hits] == before
    assert any("retrying once" in line for line in logs.lines)  # the dead connections were met, and replaced


@postgres
def test_a_request_on_a_dropped_generation_is_told_to_retry(small_assistant: Assistant) -> None:
    old = small_assistant.snapshot
    corpus = small_assistant.settings.corpus_dir
    for i in range(2):  # two more generations: the old one is dropped (the live one and one before are kept)
        (corpus / f"neu-{i}.md").write_text(f"# Neu {i}\n\nText {i} über Breitband.", "utf-8")
        small_assistant.index([corpus])
    with pytest.raises(StoreUnavailable, match="ersetzt worden.*wiederholen"):
        old.document_chunks(old.doc_ids[0])
    assert small_assistant.search(QUESTION).hits[0].document.doc_id == "stark"  # the service moved on


@postgres
def test_answer_statements_come_from_the_database(small_assistant: Assistant, embedder) -> None:
    """Another process (a fresh Assistant) finds the statements the indexer embedded: no model call."""
    other = Assistant(small_assistant.settings, embedder)
    result = other.search(QUESTION, k=5)
    cands = candidates(whole_documents(result.hits, other.snapshot, WHOLE_DOCUMENTS), other.settings.answer_max_chars)
    counting = CountingEmbedder(embedder)
    vectors = StatementVectors(counting, other.backend.vector_cache).get([c.embed_text for c in cands])
    assert counting.embedded == [] and vectors.shape == (len(cands), embedder.dim)
    assert not (small_assistant.settings.index_dir / "embedding-cache.sqlite").exists()


@postgres
def test_migrate_moves_a_snapshot_with_its_cache_into_the_database(
    tmp_path, embedding_cache, store_url: str, embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path / "corpus", SMALL_CORPUS)
    for name, value in {"REVIERLOTSE_CORPUS_DIR": tmp_path / "corpus", "REVIERLOTSE_INDEX_DIR": tmp_path / "index",
                        "REVIERLOTSE_EMBEDDING_CACHE": embedding_cache}.items():
        monkeypatch.setenv(name, str(value))
    monkeypatch.delenv("REVIERLOTSE_STORE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["index"]).exit_code == 0
    snapshot_hits = json.loads(runner.invoke(cli, ["search", QUESTION, "--json"]).output)["hits"]

    refused = runner.invoke(cli, ["migrate"])
    assert refused.exit_code == 2 and "REVIERLOTSE_STORE_URL ist nicht gesetzt" in refused.output
    monkeypatch.setenv("REVIERLOTSE_STORE_URL", store_url)
    moved = runner.invoke(cli, ["migrate", "--json"])
    assert moved.exit_code == 0, moved.output
    report = json.loads(moved.output)
    assert report["documents"] == 4 and report["cached_vectors"] > report["chunks"] > 0
    assert json.loads(runner.invoke(cli, ["search", QUESTION, "--json"]).output)["hits"] == snapshot_hits
    assert "hnsw" in runner.invoke(cli, ["stats"]).output

    again = runner.invoke(cli, ["migrate"])
    assert again.exit_code == 2 and "schon einen Index" in again.output and "--replace" in again.output
    replaced = runner.invoke(cli, ["migrate", "--replace"])
    assert replaced.exit_code == 0 and "Geprüft" in replaced.output
    counting = CountingEmbedder(embedder)
    pg = Assistant(settings_for(tmp_path, tmp_path / "unused-cache.sqlite", store_url=store_url), counting)
    assert pg.ask(QUESTION).text and counting.embedded == []  # chunks and statements came along


@postgres
def test_a_reader_whose_generation_was_dropped_meanwhile_reads_the_live_one(small_assistant: Assistant, embedder) -> None:
    """Another process (a second Assistant) indexes twice in quick succession: a reader that last looked at
    the live generation a moment ago (LIVE_CHECK_S) gets its answer from the live one, not a 503."""
    reader = Assistant(small_assistant.settings, embedder)
    assert reader.search(QUESTION).hits[0].document.doc_id == "stark"
    reader.snapshot.lexical._recent.clear()  # make the next search read postings of that generation
    corpus = small_assistant.settings.corpus_dir
    for i in range(2):
        (corpus / f"neu-{i}.md").write_text(f"# Neu {i}\n\nText {i} über Breitband.", "utf-8")
        small_assistant.index([corpus])
    reader.backend._live = (reader.snapshot.name, time.monotonic())  # as if it had just looked
    assert reader.search(QUESTION).hits[0].document.doc_id == "stark"
    assert reader.snapshot.name == small_assistant.backend.live_generation()
