"""Hostile and broken inputs (tests/data/nasty/): files and queries.

All nasty files plus two good documents are indexed in ONE run (module fixture, real
embedder; the two 1 MB cases repeat one word so their identical chunks are embedded once).
For every file: either it is indexed completely (all its chunks, a safe id, the expected
text and nothing it should not contain) or it fails with a specific German message and
leaves nothing behind; the good documents are indexed either way.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.errors import EmptyQuery, QueryTooLong
from assistant.service import Assistant
from assistant.text.analyzer import fold_umlauts
from tests.conftest import SMALL_CORPUS, write_tree
from tests.data.nasty.make_nasty import CASES, INDEXED, Case, write_cases

SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
GOOD = {k: SMALL_CORPUS[k] for k in ("foerderprogramm/stark.md", "strategie/werkstatt-2.md")}


@pytest.fixture(scope="module")
def nasty(tmp_path_factory, embedder, embedding_cache):
    root = tmp_path_factory.mktemp("nasty")
    settings = Settings(
        _env_file=None, corpus_dir=root / "corpus", index_dir=root / "index", embedding_cache=embedding_cache
    )
    write_tree(settings.corpus_dir, GOOD)
    write_cases(settings.corpus_dir / "nasty")
    assistant = Assistant(settings, embedder)
    report = assistant.index([settings.corpus_dir])
    by_name = {Path(o.path).name: o for o in report.outcomes}
    return assistant, report, by_name


def test_catalogue_is_big_enough_and_documented() -> None:
    assert len(CASES) >= 25
    readme = (Path(__file__).resolve().parents[1] / "data" / "nasty" / "README.md").read_text("utf-8")
    for case in CASES:
        assert repr(case.name)[1:-1] in readme or case.name in readme, case.name


@pytest.mark.parametrize("case", CASES, ids=[repr(c.name)[1:-1] for c in CASES])
def test_nasty_file(case: Case, nasty) -> None:
    assistant, report, by_name = nasty
    outcome = by_name[case.name]
    snap = assistant.snapshot
    allowed = set(case.expect.split("|"))
    if outcome.status == "failed":
        assert allowed - {INDEXED}, f"expected indexed, failed with: {outcome.reason}"
        assert re.search(case.message, outcome.reason), outcome.reason
        # Nothing of it reached the index.
        assert outcome.doc_id is None
        assert not [d for d in snap.documents.values() if Path(d.source_path).name == case.name]
        return
    assert outcome.status == "added" and INDEXED in allowed, outcome
    record = snap.documents[outcome.doc_id]
    assert SAFE_ID.match(record.doc_id), record.doc_id
    assert Path(record.source_path).parent == assistant.settings.corpus_dir / "nasty"
    chunks = snap.document_chunks(record.doc_id)
    assert len(chunks) == outcome.chunks == record.chunk_count > 0
    assert all(c.chunk.text.strip() for c in chunks)
    text = fold_umlauts(" ".join(c.chunk.text for c in chunks).lower())
    if case.must_contain:
        assert case.must_contain in text
    if case.must_not_contain:
        assert fold_umlauts(case.must_not_contain.lower()) not in text


def test_good_documents_survive_the_nasty_run(nasty) -> None:
    assistant, report, _ = nasty
    assert {"stark", "werkstatt-2"} <= set(assistant.snapshot.documents)
    assert assistant.search("Wie hoch ist die Förderquote bei STARK?").hits[0].document.doc_id == "stark"
    # The snapshot is complete and consistent.
    snap = assistant.snapshot
    assert snap.chunk_count == sum(d.chunk_count for d in snap.documents.values()) == report.chunks
    assert len(snap.documents) == report.documents == report.counts["added"]
    assert report.counts["failed"] == sum(1 for o in report.outcomes if o.status == "failed") > 0
    ids = [c.chunk.chunk_id for d in snap.documents for c in snap.document_chunks(d)]
    assert len(ids) == len(set(ids))
    # A file name in NFD ("o" + combining diaeresis) gets the same id as its NFC spelling.
    assert "foerderung-nfd" in snap.documents
    # The zero-width file name did not take over the id of a real document.
    assert snap.documents["stark"].source_path.endswith("foerderprogramm/stark.md")


def test_second_run_over_the_nasty_corpus_changes_nothing(nasty) -> None:
    assistant, report, _ = nasty
    again = assistant.index([assistant.settings.corpus_dir])
    assert not again.changed and again.generation == report.generation
    assert again.counts["failed"] == report.counts["failed"]


def test_unexpected_loader_crash_fails_only_that_file(nasty, monkeypatch) -> None:
    """A parser bug (any exception, not just our DocumentError) must not stop the run.

    The loader is replaced in this process, so the file is read here (no time budget, no
    child process); tests/ingest/test_isolation.py covers the same in a child process.
    """
    assistant, _, _ = nasty
    import assistant.ingest.load as loader

    monkeypatch.setattr(assistant.settings, "file_time_budget_s", 0.0)
    def boom(data, path):  # noqa: ANN001
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setitem(loader._LOADERS, ".htm", ("html", boom))
    extra = assistant.settings.corpus_dir / "kaputt.htm"
    extra.write_text("<p>irrelevant</p>", "utf-8")
    try:
        report = assistant.index([assistant.settings.corpus_dir])
    finally:
        extra.unlink()
    failed = {Path(o.path).name: o.reason for o in report.failed}
    assert "interner Fehler: RecursionError" in failed["kaputt.htm"]
    assert "stark" in assistant.snapshot.documents


# --- queries -------------------------------------------------------------------------

QUERY_ERRORS = [
    ("only-punctuation", "?!.,;:–…", EmptyQuery, "nur Satzzeichen"),
    ("empty", "   \n\t ", EmptyQuery, "leer"),
    ("zero-width-only", "\u200b\u200c\u200d\ufeff", EmptyQuery, "keine Wörter"),
    ("10000-chars", "a" * 10_000, QueryTooLong, "zu lang"),
    ("10000-emoji", "🚀" * 10_000, QueryTooLong, "zu lang"),
]


@pytest.mark.parametrize(("label", "query", "error", "message"), QUERY_ERRORS, ids=[q[0] for q in QUERY_ERRORS])
def test_bad_queries_get_a_german_message(label, query, error, message, nasty) -> None:
    assistant, _, _ = nasty
    with pytest.raises(error, match=message):
        assistant.search(query)


QUERY_OK = [
    ("only-stop-words", "und oder die der das ist wie was"),
    ("html-script", "<script>alert('x')</script> Förderquote STARK"),
    ("zero-width-inside", "För\u200bder\u200dquote ST\u200bARK"),
    ("nul-byte", "Förderquote\x00STARK"),
    ("lone-surrogate", "Förderquote STARK \ud800"),
    ("rtl-emoji", "🚀 مرحبا Förderquote STARK \u202e"),
    ("1999-repeated", "ä" * 1999),
    ("sql-ish", "'; DROP TABLE chunks; -- STARK"),
    ("regex-ish", ".*(a+)+$ [STARK"),
]


@pytest.mark.parametrize(("label", "query"), QUERY_OK, ids=[q[0] for q in QUERY_OK])
def test_hostile_but_valid_queries_give_a_sensible_result(label, query, nasty) -> None:
    assistant, _, _ = nasty
    result = assistant.search(query, k=3)
    assert 0.0 <= result.confidence <= 1.0
    assert len(result.hits) <= 3
    if "STARK" in query:
        assert "stark" in [h.document.doc_id for h in result.hits]
    if label == "only-stop-words":
        assert result.query_terms == []
    assert assistant.snapshot.chunk_count > 0  # nothing in the query reached the SQL or the index
