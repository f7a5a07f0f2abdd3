"""Our own questions about the facts on the three seed pages (real pages in ../shared/seeds).

Every fact question is answered from the right page, nearly all of them with the fact (one
miss of fifteen when this was written: "Wobei unterstützt …?" has no word that tells the
advice sentence from the mission statements); every question the pages cannot answer is
declined.  The pages are plain text without front matter, as a crawler would store them.
"""

from __future__ import annotations

import shutil

import pytest

from assistant.evaluation.questions import load_questions
from assistant.evaluation.runner import run_question
from tests.conftest import REPO, SHARED

SEEDS = SHARED / "seeds"
QUESTIONS = load_questions(REPO / "tests/eval/seeds.jsonl")

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"{SEEDS} fehlt (../shared liegt nicht neben dem Repository)")


@pytest.fixture(scope="module")
def seed_assistant(tmp_path_factory, embedding_cache, embedder):
    from assistant.service import Assistant
    from tests.conftest import settings_for

    root = tmp_path_factory.mktemp("seeds")
    shutil.copytree(SEEDS, root / "corpus")
    assistant = Assistant(settings_for(root, embedding_cache), embedder)
    report = assistant.index([root / "corpus"])
    assert not report.failed
    return assistant


MIN_HINT_RATE = 0.85


@pytest.mark.parametrize("question", [q for q in QUESTIONS if q.answerable], ids=lambda q: q.id)
def test_a_fact_question_on_a_seed_page_is_answered_from_that_page(seed_assistant, question) -> None:
    run = run_question(seed_assistant, question, "hybrid", answers=True)
    assert run.answered, f"{question.question} → {run.answer_text}"
    assert run.ranked[0] == question.relevant[0]


def test_nearly_every_seed_answer_states_the_fact(seed_assistant) -> None:
    answerable = [q for q in QUESTIONS if q.answerable]
    runs = [run_question(seed_assistant, q, "hybrid", answers=True) for q in answerable]
    misses = [f"{r.question.id}: {r.question.question} → {r.answer_text[:160]}" for r in runs if not r.hint]
    assert 1 - len(misses) / len(runs) >= MIN_HINT_RATE, "\n".join(misses)


@pytest.mark.parametrize("question", [q for q in QUESTIONS if not q.answerable], ids=lambda q: q.id)
def test_a_question_the_seed_pages_cannot_answer_is_declined(seed_assistant, question) -> None:
    run = run_question(seed_assistant, question, "hybrid", answers=True)
    assert not run.answered, f"{question.question} → {run.answer_text}"
