"""The store interface on both backends: generations, the writer lock, and the same answers from each.

Every test here runs on the snapshot and on PostgreSQL (a fresh database of the
session's throw-away cluster; skipped with the reason where PostgreSQL is not
installed).  The last test indexes one corpus into both and compares what they return.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from assistant.errors import IndexIncompatible, IndexLocked, IndexMissing
from assistant.search.filters import Filters
from assistant.service import Assistant
from assistant.storage.backends import open_backend
from tests.conftest import BACKENDS, SMALL_CORPUS, live_generation, write_tree

QUESTIONS = [
    "Wie hoch ist die Förderquote bei STARK?",
    "Foerderung fuer Kindertagesstaetten",
    "Förderqoute Lausiz",  # typos: resolved against each backend's vocabulary
    "Who advises project sponsors in central Germany?",
    "Braunkohleverstromung Strukturwandelgeld",
    "Wir planen als Verein in Cottbus ein Projekt zu künstlicher Intelligenz und Energiespeichern. "
    "Welche Förderung passt? Wir brauchen Beratung und einen Zuschuss.",
]


@pytest.mark.parametrize("store_url", BACKENDS, indirect=True)
class TestEitherBackend:
    def test_index_publishes_a_live_generation_with_its_manifest(self, small_assistant: Assistant) -> None:
        settings = small_assistant.settings
        live = live_generation(settings)
        assert live and live.startswith("gen-")
        store = small_assistant.snapshot
        assert store.name == live
        assert store.manifest["document_count"] == len(SMALL_CORPUS)
        assert store.manifest["embedder"] == small_assistant.embedder.name
        assert set(store.manifest["documents"]) == set(store.documents)
        assert store.chunk_count == len(store.row_doc) == store.manifest["chunk_count"]
        assert small_assistant.stats().generation == live

    def test_missing_index_is_a_clear_error(self, make_settings) -> None:
        backend = open_backend(make_settings())
        try:
            assert backend.live_generation() is None and not backend.has_generations()
            with pytest.raises(IndexMissing, match="revierlotse index"):
                backend.open()
        finally:
            backend.close()

    def test_second_writer_waits_or_is_refused_with_the_same_message(self, make_settings) -> None:
        settings = make_settings()
        first, second = open_backend(settings), open_backend(settings)
        try:
            with first.writer_lock():
                with pytest.raises(IndexLocked) as refused:
                    with second.writer_lock(wait_s=0.3):
                        pass
                assert refused.value.message == IndexLocked().message
                assert "gerade von einem anderen Vorgang aktualisiert" in refused.value.message
            with second.writer_lock():  # released again
                pass
            got: list[float] = []
            with first.writer_lock():
                waiter = threading.Thread(target=lambda: _take(second, got))
                waiter.start()
                time.sleep(0.5)
                assert not got  # still waiting
            waiter.join(30)
            assert got, "the waiting writer never got the lock"
        finally:
            first.close()
            second.close()

    def test_a_generation_from_another_embedder_is_refused(self, small_assistant: Assistant) -> None:
        store = small_assistant.snapshot
        store.check_embedder(small_assistant.embedder.name)
        with pytest.raises(IndexIncompatible, match="--rebuild"):
            store.check_embedder("ein-anderes-modell")

    def test_rows_chunks_and_vectors_agree(self, small_assistant: Assistant) -> None:
        store = small_assistant.snapshot
        rows = list(range(store.chunk_count))
        records = store.chunks(rows[::-1] + [rows[0], 999_999])
        assert [r.row for r in records] == rows[::-1] + [rows[0]]  # order kept, unknown row left out
        for record in records:
            assert store.doc_ids[store.row_doc[record.row]] == record.chunk.doc_id
        by_doc = [c.row for d in store.doc_ids for c in store.document_chunks(d)]
        assert by_doc == rows  # rows are grouped by document, in document order
        vectors = store.vectors_of(np.array(rows))
        assert vectors.shape == (len(rows), small_assistant.embedder.dim)
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
        top, scores = store.search_vectors(vectors[3], 3)
        assert top[0] == 3 and scores[0] == pytest.approx(1.0, abs=1e-3)
        allowed = np.flatnonzero(store.row_doc == store.row_doc[0]).astype(np.int64)
        top, _ = store.search_vectors(vectors[3], 10, allowed)
        assert set(top.tolist()) == set(allowed.tolist())  # every allowed row, none else
        many = store.search_vectors_many(vectors[:3], 4)
        for (rows_a, scores_a), q in zip(many, vectors[:3]):
            rows_b, scores_b = store.search_vectors(q, 4)
            assert rows_a.tolist() == rows_b.tolist() and np.allclose(scores_a, scores_b)
        assert store.search_vectors_many(vectors[:2], 4, np.array([], dtype=np.int64))[1][0].size == 0

    def test_old_generations_are_collected(self, small_assistant: Assistant) -> None:
        corpus = small_assistant.settings.corpus_dir
        for i in range(4):
            (corpus / f"extra-{i}.md").write_text(f"# Extra {i}\n\nText Nummer {i} über Förderung.", "utf-8")
            small_assistant.index([corpus])
        kept = _generations(small_assistant)
        assert 2 <= len(kept) <= 3 and kept[0] == live_generation(small_assistant.settings)


def _take(backend, got: list[float]) -> None:
    with backend.writer_lock(wait_s=30):
        got.append(time.monotonic())


def _generations(assistant: Assistant) -> list[str]:
    """Generations kept, newest first."""
    settings = assistant.settings
    if settings.store_url is None:
        from assistant.storage.generations import generation_dirs

        return [g.name for g in generation_dirs(settings.index_dir)]
    from tests.pg_server import psql

    out = psql(settings.store_url.get_secret_value(), "SELECT name FROM revierlotse.generations ORDER BY name DESC")
    return out.split()


@pytest.mark.postgres
def test_both_backends_give_the_same_results(make_settings, embedder, pg_cluster, embedding_cache, tmp_path) -> None:
    """One corpus, indexed into a snapshot and into PostgreSQL: same rankings, scores, filters, answers."""
    from tests.conftest import drop_database, fresh_database, share_vector_cache

    url = fresh_database(pg_cluster)
    share_vector_cache(url, embedding_cache, into_database=True)
    try:
        snap_settings = make_settings(store_url=None)
        write_tree(snap_settings.corpus_dir, SMALL_CORPUS)
        pg_settings = make_settings(store_url=url)
        snapshot, postgres = Assistant(snap_settings, embedder), Assistant(pg_settings, embedder)
        assert not snapshot.index([snap_settings.corpus_dir]).failed
        assert not postgres.index([pg_settings.corpus_dir]).failed
        assert (snapshot.backend.kind, postgres.backend.kind) == ("snapshot", "postgres")
        a, b = snapshot.snapshot, postgres.snapshot
        assert a.doc_ids == b.doc_ids and np.array_equal(a.row_doc, b.row_doc)
        assert np.allclose(a.vectors_of(np.arange(a.chunk_count)), b.vectors_of(np.arange(b.chunk_count)), atol=1e-6)
        for question in QUESTIONS:
            assert a.lexical.resolve(question) == b.lexical.resolve(question)
            assert a.lexical.term_weights(question) == pytest.approx(b.lexical.term_weights(question))
            assert np.allclose(a.lexical.scores(question), b.lexical.scores(question), atol=1e-6)
            assert np.allclose(a.lexical.document_scores(question, a.row_doc, len(a.doc_ids)),
                               b.lexical.document_scores(question, b.row_doc, len(b.doc_ids)), atol=1e-6)
            for mode in ("hybrid", "dense", "lexical"):
                for filters in (None, Filters(lands=("Brandenburg",)), Filters(types=("akteur",))):
                    assert _ranking(snapshot, question, mode, filters) == _ranking(postgres, question, mode, filters)
            answer_a, answer_b = snapshot.ask(question), postgres.ask(question)
            assert (answer_a.text, answer_a.abstained) == (answer_b.text, answer_b.abstained)
        assert snapshot.stats().facets == postgres.stats().facets
    finally:
        drop_database(url)


def _ranking(assistant: Assistant, query: str, mode: str, filters: Filters | None) -> list[tuple]:
    result = assistant.search(query, k=5, mode=mode, filters=filters)  # type: ignore[arg-type]
    return [(h.document.doc_id, round(h.score, 5), [p.chunk.chunk_id for p in h.passages]) for h in result.hits] + [
        round(result.confidence, 5)
    ]
