"""Damaged snapshots beyond tests/test_store.py: a missing bm25/ folder, CURRENT naming a
generation that does not exist, an empty or garbage CURRENT.  The Assistant serves the last
good generation, answers as it did, and says so in the log; the next index run keeps
everything that was indexed."""

from __future__ import annotations

import logging
import shutil

import pytest

from assistant.errors import IndexCorrupt
from assistant.service import Assistant
from assistant.storage.generations import CURRENT, current_generation, generation_dirs
from assistant.storage.snapshot import open_snapshot

QUERIES = ["Wie hoch ist die Förderquote bei STARK?", "Breitband und Kitas", "Neues Dokument über Breitband"]


def fingerprint(assistant: Assistant) -> list[list[tuple[str, float]]]:
    return [[(h.document.doc_id, round(h.score, 6)) for h in assistant.search(q, k=4).hits] for q in QUERIES]


@pytest.fixture
def two_generations(small_assistant: Assistant, embedder):
    """(assistant, first generation, second generation, answers of a fresh reader on the first)."""
    index_dir = small_assistant.settings.index_dir
    first = current_generation(index_dir)
    answers_first = fingerprint(Assistant(small_assistant.settings, embedder))
    (small_assistant.settings.corpus_dir / "neu.md").write_text(
        "# Neu\n\nEin neues Dokument über Breitband.", "utf-8"
    )
    small_assistant.index([small_assistant.settings.corpus_dir])
    second = current_generation(index_dir)
    assert first < second
    return small_assistant, first, second, answers_first


def damage(index_dir, case: str, second: str, remove_live: bool = True) -> None:
    """Damage the index; ``remove_live`` also deletes the live generation (for the CURRENT cases)."""
    if case == "missing-bm25":
        shutil.rmtree(index_dir / second / "bm25")
    elif case == "current-names-missing-generation":
        (index_dir / CURRENT).write_text("gen-999999\n", "utf-8")
    elif case == "current-empty":
        (index_dir / CURRENT).write_text("", "utf-8")
    elif case == "current-garbage":
        (index_dir / CURRENT).write_text("../../etc\n", "utf-8")
    elif case == "current-deleted":
        (index_dir / CURRENT).unlink()
    else:  # pragma: no cover
        raise AssertionError(case)
    if remove_live and case != "missing-bm25":  # …and the live one is gone, as after a bad restore
        shutil.rmtree(index_dir / second)


CASES = ["missing-bm25", "current-names-missing-generation", "current-empty", "current-garbage", "current-deleted"]


@pytest.mark.parametrize("case", CASES)
def test_damaged_live_generation_falls_back_and_says_so(case, two_generations, embedder, caplog) -> None:
    assistant, first, second, answers_first = two_generations
    index_dir = assistant.settings.index_dir
    damage(index_dir, case, second)
    caplog.set_level(logging.WARNING, logger="assistant.store")

    fresh = Assistant(assistant.settings, embedder)
    assert fresh.snapshot.name == first
    assert fingerprint(fresh) == answers_first
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "falling back" in messages or "serving fallback" in messages, messages
    # The long-lived Assistant swaps to the fallback as well (CURRENT changed under it).
    if case != "missing-bm25":
        assert assistant.snapshot.name == first


@pytest.mark.parametrize("case", ["current-empty", "current-deleted", "current-names-missing-generation"])
def test_next_index_run_after_a_lost_current_keeps_every_document(case, two_generations, tmp_path) -> None:
    """Documents outside the corpus folder survive: the run starts from the fallback, not from scratch."""
    assistant, first, second, _ = two_generations
    outside = tmp_path / "anderswo" / "extern.md"
    outside.parent.mkdir()
    outside.write_text("# Extern\n\nEin Dokument außerhalb des Korpus über Fernwärme in Hoyerswerda.", "utf-8")
    assistant.index([outside])
    third = current_generation(assistant.settings.index_dir)
    expected = set(assistant.snapshot.documents)
    assert "extern" in expected
    damage(assistant.settings.index_dir, case, third, remove_live=False)

    report = assistant.index([assistant.settings.corpus_dir])  # the outside file is not named here
    assert not report.failed
    assert set(assistant.snapshot.documents) == expected
    assert current_generation(assistant.settings.index_dir) == report.generation > third


def test_missing_bm25_without_fallback_is_a_clear_error(small_assistant: Assistant) -> None:
    index_dir = small_assistant.settings.index_dir
    shutil.rmtree(index_dir / current_generation(index_dir) / "bm25")
    with pytest.raises(IndexCorrupt, match="beschädigt.*neu indexieren|neu indexieren"):
        open_snapshot(index_dir)


def test_empty_current_and_no_generation_is_index_missing(tmp_path) -> None:
    from assistant.errors import IndexMissing

    (tmp_path / CURRENT).write_text("", "utf-8")
    with pytest.raises(IndexMissing, match="revierlotse index"):
        open_snapshot(tmp_path)


def test_fallback_snapshot_is_opened_once_not_per_request(two_generations) -> None:
    assistant, first, second, _ = two_generations
    damage(assistant.settings.index_dir, "missing-bm25", second)
    retriever = assistant.retriever()
    assert retriever.snapshot.name == first
    assistant.search("STARK")
    assert assistant.retriever() is retriever


def test_generations_kept_as_fallbacks_all_verify(two_generations) -> None:
    assistant, *_ = two_generations
    for gen in generation_dirs(assistant.settings.index_dir):
        assert (gen / "manifest.json").is_file() and (gen / "bm25").is_dir()
