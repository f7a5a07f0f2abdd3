"""The shipped evaluation set is consistent with the shipped corpus."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from assistant.evaluation.questions import load_questions
from assistant.ingest.load import load_document
from tests.conftest import shipped_corpus_files

REPO = Path(__file__).resolve().parents[2]
KINDS = {"keyword", "paraphrase", "english", "misspelled", "project", "unanswerable", "offtopic"}
UNANSWERABLE = {"unanswerable", "offtopic"}  # details the corpus lacks / questions outside its domain


@pytest.fixture(scope="module")
def corpus_texts() -> dict[str, str]:
    docs = [load_document(p, max_bytes=10**7) for p in shipped_corpus_files()]
    return {d.doc_id: d.text for d in docs}


def test_question_set_size_and_mix() -> None:
    questions = load_questions(REPO / "tests/eval/questions.jsonl")
    kinds = Counter(q.kind for q in questions)
    assert len(questions) >= 100
    assert set(kinds) == KINDS, kinds
    assert kinds["unanswerable"] >= 15
    assert all(kinds[k] >= 5 for k in KINDS)
    assert len({q.id for q in questions}) == len(questions)
    for q in questions:
        assert q.answerable == (q.kind not in UNANSWERABLE), q.id
        if q.kind == "project":
            assert q.question.count(".") >= 2, q.id  # several sentences


@pytest.mark.parametrize("name", ["questions.jsonl", "heldout.jsonl"])
def test_relevant_ids_exist_and_hints_are_verbatim(corpus_texts: dict[str, str], name: str) -> None:
    """Both sets; heldout.jsonl was written by a helper that saw neither the eval set nor the code,
    to show how choices tuned on questions.jsonl carry over (README, "Retrieval")."""
    for q in load_questions(REPO / "tests/eval" / name):
        for doc_id in q.relevant:
            assert doc_id in corpus_texts, (q.id, doc_id)
        if q.answerable:
            assert q.answer_hint, q.id
            assert q.answer_hint in corpus_texts[q.relevant[0]], (q.id, q.answer_hint)
        else:
            assert q.answer_hint is None, q.id


def test_shipped_corpus_shape(corpus_texts: dict[str, str]) -> None:
    docs = [load_document(p, max_bytes=10**7) for p in shipped_corpus_files()]
    types = Counter(d.metadata.type for d in docs)
    assert len(docs) >= 70
    assert types["strategie"] >= 12 and types["foerderprogramm"] >= 25 and types["projekt"] >= 12
    assert types["akteur"] >= 10 and types["veranstaltung"] >= 3
    for d in docs:
        words = len(d.text.split())
        assert 150 <= words <= 900, (d.doc_id, words)
        assert d.metadata.source_url and d.metadata.source_url.startswith("https://"), d.doc_id
        assert d.metadata.stand is not None, d.doc_id
        assert not d.warnings, (d.doc_id, d.warnings)
