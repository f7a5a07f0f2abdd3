"""Run a question set through the assistant as a user would, and summarise it per kind.

Every question is searched (for the ranking metrics) and, in hybrid mode, asked (for the
answer metrics).  A follow-up question (with ``context``) is the second turn of a fresh
conversation: the context is asked first, then the question is searched as the answer
engine would search it (``Assistant.resolve``) and asked in the same conversation.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from assistant.evaluation.answers import hint_found
from assistant.evaluation.metrics import CUTOFF, RANKING, auroc, ranking_metrics
from assistant.evaluation.questions import Question
from assistant.search.result import Mode
from assistant.service import Assistant


@dataclass
class QuestionRun:
    """What one question got: ranking, confidence, signals and (hybrid only) the answer."""

    question: Question
    ranked: list[str]
    confidence: float
    signals: dict[str, float]
    ranking: dict[str, float] = field(default_factory=dict)  # empty for unanswerable questions
    answered: bool | None = None  # None: not asked (dense/lexical runs)
    hint: bool | None = None  # None: no hint to look for
    answer_text: str = ""
    abstain_reason: str | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        q = self.question
        return {
            "id": q.id, "kind": q.kind, "half": q.half, "answerable": q.answerable, "ranked": self.ranked,
            "confidence": round(self.confidence, 4), "signals": {k: round(v, 4) for k, v in self.signals.items()},
            **{k: round(v, 4) for k, v in self.ranking.items()},
            "answered": self.answered, "hint": self.hint, "answer": self.answer_text,
            "abstain_reason": self.abstain_reason,
        }


def run_question(assistant: Assistant, q: Question, mode: Mode, *, answers: bool) -> QuestionRun:
    t0 = time.perf_counter()
    conversation = None
    if q.context:
        conversation = f"eval:{uuid.uuid4().hex}"
        assistant.ask(q.context, conversation)
    query = assistant.resolve(q.question, conversation) if conversation else q.question
    result = assistant.search(query, k=CUTOFF, mode=mode)
    ranked = [h.document.doc_id for h in result.hits]
    run = QuestionRun(q, ranked, result.confidence, dict(result.signals))
    if q.answerable:
        run.ranking = ranking_metrics(ranked, set(q.relevant))
    if answers:
        answer = assistant.ask(q.question, conversation)
        run.answered = not answer.abstained
        run.answer_text = answer.text
        run.abstain_reason = answer.abstain_reason
        run.confidence = answer.confidence
        if q.answerable and q.answer_hint:
            run.hint = run.answered and hint_found(q.answer_hint, answer.text)
    if conversation:
        assistant.conversations.drop(conversation)
    run.seconds = time.perf_counter() - t0
    return run


def run_questions(assistant: Assistant, questions: list[Question], mode: Mode = "hybrid") -> list[QuestionRun]:
    return [run_question(assistant, q, mode, answers=mode == "hybrid") for q in questions]


@dataclass
class Summary:
    """Aggregates of a list of question runs: overall and per kind."""

    n: int
    ranking: dict[str, float]  # mean over answerable questions
    answers: dict[str, float | None]  # hint, answered (answerable), declined (unanswerable)
    auroc: float | None
    per_kind: dict[str, dict[str, float | None]]
    median_seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "ranking": self.ranking, "answers": self.answers, "auroc": self.auroc,
                "per_kind": self.per_kind, "median_seconds": self.median_seconds}


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _answer_rates(runs: list[QuestionRun]) -> dict[str, float | None]:
    return {
        "hint": _mean([float(r.hint) for r in runs if r.hint is not None]),
        "answered": _mean([float(bool(r.answered)) for r in runs if r.answered is not None and r.question.answerable]),
        "declined": _mean([float(not r.answered) for r in runs if r.answered is not None and not r.question.answerable]),
    }


def _ranking(runs: list[QuestionRun]) -> dict[str, float]:
    rows = [r.ranking for r in runs if r.ranking]
    return {m: round(sum(row[m] for row in rows) / len(rows), 4) for m in RANKING} if rows else {}


def summarise(runs: list[QuestionRun]) -> Summary:
    by_kind: dict[str, list[QuestionRun]] = defaultdict(list)
    for r in runs:
        by_kind[r.question.kind].append(r)
    per_kind: dict[str, dict[str, float | None]] = {}
    for kind, items in sorted(by_kind.items()):
        per_kind[kind] = {"n": len(items), **_ranking(items), **_answer_rates(items)}
    return Summary(
        n=len(runs),
        ranking=_ranking(runs),
        answers=_answer_rates(runs),
        auroc=auroc([r.confidence for r in runs if r.question.answerable],
                    [r.confidence for r in runs if not r.question.answerable]),
        per_kind=per_kind,
        median_seconds=round(statistics.median([r.seconds for r in runs]), 3) if runs else 0.0,
    )
