"""Incremental indexing: added / updated / unchanged / removed / failed, ids, cache, no duplicates."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from assistant.service import Assistant
from assistant.storage.backends import open_backend
from assistant.storage.embedding_cache import embed_passages_cached
from tests.conftest import BACKENDS, CountingEmbedder, live_generation

pytestmark = pytest.mark.parametrize("store_url", BACKENDS, indirect=True)


def test_second_run_on_unchanged_corpus_changes_nothing(small_assistant: Assistant) -> None:
    before = live_generation(small_assistant.settings)
    report = small_assistant.index([small_assistant.settings.corpus_dir])
    assert report.counts["unchanged"] == len(report.outcomes) and not report.changed
    assert live_generation(small_assistant.settings) == before


def test_changed_added_and_pruned_files(small_assistant: Assistant) -> None:
    corpus = small_assistant.settings.corpus_dir
    stark = corpus / "foerderprogramm/stark.md"
    stark.write_text(stark.read_text("utf-8") + "\nNeu: Auch Vereine können Anträge stellen.\n", "utf-8")
    (corpus / "neu.txt").write_text("Breitbandausbau im Landkreis Görlitz wird gefördert.", "utf-8")
    (corpus / "akteur/metropolregion.md").unlink()

    report = small_assistant.index([corpus])
    status = {o.doc_id: o.status for o in report.outcomes}
    assert status["stark"] == "updated" and status["neu"] == "added"
    assert "metropolregion" in small_assistant.snapshot.documents  # kept without --prune

    report = small_assistant.index([corpus], prune=True)
    assert [o.doc_id for o in report.outcomes if o.status == "removed"] == ["metropolregion"]
    docs = small_assistant.snapshot.documents
    assert "metropolregion" not in docs and "neu" in docs
    hits = small_assistant.search("Können Vereine Anträge stellen?").hits
    assert hits[0].document.doc_id == "stark"


def test_failed_update_keeps_previous_version(small_assistant: Assistant) -> None:
    corpus = small_assistant.settings.corpus_dir
    path = corpus / "strategie/werkstatt-2.md"
    path.write_text("---\ntitle: [kaputt\n---\nText", "utf-8")
    report = small_assistant.index([corpus])
    failed = report.failed
    assert len(failed) == 1 and failed[0].doc_id == "werkstatt-2"
    assert "bisher indexierte Stand bleibt erhalten" in failed[0].reason
    assert "werkstatt-2" in small_assistant.snapshot.documents


def test_indexing_twice_never_duplicates(small_assistant: Assistant) -> None:
    corpus = small_assistant.settings.corpus_dir
    small_assistant.index([corpus, corpus / "foerderprogramm"])
    snap = small_assistant.snapshot
    assert len(snap.documents) == 4
    ids = [c.chunk.chunk_id for d in snap.documents for c in snap.document_chunks(d)]
    assert len(ids) == len(set(ids)) == snap.chunk_count


def test_same_file_name_in_two_folders_gets_distinct_ids(small_assistant: Assistant, tmp_path) -> None:
    other = tmp_path / "anderswo"
    other.mkdir()
    (other / "stark.md").write_text("# Anderes STARK\n\nEin anderes Dokument mit gleichem Namen.", "utf-8")
    report = small_assistant.index([other])
    outcome = report.outcomes[0]
    assert outcome.status == "added" and outcome.doc_id.startswith("stark-") and outcome.doc_id != "stark"
    assert any("schon vergeben" in w for w in outcome.warnings)


def test_remove_documents(small_assistant: Assistant) -> None:
    report = small_assistant.remove(["invkg"])
    assert report.outcomes[0].status == "removed"
    assert "invkg" not in small_assistant.snapshot.documents
    assert all(h.document.doc_id != "invkg" for h in small_assistant.search("14 Milliarden Euro").hits)


def test_embedding_cache_never_embeds_the_same_text_twice(embedder, make_settings, tmp_path) -> None:
    counting = CountingEmbedder(embedder)
    backend = open_backend(make_settings(embedding_cache=tmp_path / "cache.sqlite"))
    cache = backend.vector_cache()
    texts = ["Förderung für Kitas", "Wasserstoff in Leipzig", "Förderung für Kitas"]
    first = embed_passages_cached(counting, cache, texts)
    assert counting.passages == 2  # the duplicate is embedded once
    second = embed_passages_cached(counting, cache, texts + ["Neu"])
    assert counting.passages == 3
    assert np.allclose(first, second[:3])
    assert np.allclose(first[0], embedder.embed_passages(["Förderung für Kitas"])[0], atol=1e-5)
    cache.close()
    backend.close()


class FailingEmbedder(CountingEmbedder):
    """The real embedder dying on new text, like a crash in the middle of a run."""

    def embed_passages(self, texts):
        raise RuntimeError("simulated crash while embedding")


def test_a_failed_run_leaves_the_previous_snapshot_usable(small_assistant: Assistant, embedder) -> None:
    from assistant.ingest.indexer import run_index

    settings = small_assistant.settings
    before = live_generation(settings)
    corpus = settings.corpus_dir
    token = uuid.uuid4().hex[:8]  # new text every run (the session's vector cache would know it otherwise)
    for i in range(3):
        (corpus / f"neu-{i}.md").write_text(f"# Neu {i}\n\nEin ganz neuer Text Nummer {i} ({token}) zur Wärmewende.", "utf-8")
    try:
        run_index(settings, FailingEmbedder(embedder), [corpus])
    except RuntimeError:
        pass
    assert live_generation(settings) == before
    assert small_assistant.search("Wie hoch ist die Förderquote bei STARK?").hits[0].document.doc_id == "stark"
    report = small_assistant.index([corpus])  # the next run completes (lock released, leftovers ignored)
    assert report.counts["added"] == 3 and live_generation(settings) != before
    assert not list(settings.index_dir.glob(".building-*"))


class StatementFailingEmbedder(CountingEmbedder):
    """Embeds chunks (their texts carry a title line) but fails on answer statements."""

    def embed_passages(self, texts):
        if any("\n" not in t for t in texts):
            from assistant.errors import EmbedderError

            raise EmbedderError("simulated model failure on answer statements")
        return super().embed_passages(texts)


def test_failing_to_prepare_answer_statements_keeps_the_new_index(small_assistant: Assistant, embedder) -> None:
    from assistant.ingest.indexer import run_index

    settings = small_assistant.settings
    before = live_generation(settings)
    token = uuid.uuid4().hex[:8]  # new statements every run, so they really have to be embedded
    (settings.corpus_dir / "neu.md").write_text(
        f"# Stadtwerke-Wärmeplan\n\nDie Stadtwerke Hoyerswerda planen ein Wärmenetz ({token}) mit Großwärmepumpen "
        "und Solarthermie, Baubeginn ist 2027.", "utf-8"
    )
    report = run_index(settings, StatementFailingEmbedder(embedder), [settings.corpus_dir])
    assert report.counts["added"] == 1 and report.generation != before  # published despite the failure
    answer = small_assistant.ask("Wann beginnt der Bau des Wärmenetzes in Hoyerswerda?")
    assert not answer.abstained and "2027" in answer.text  # the statement is embedded on demand
