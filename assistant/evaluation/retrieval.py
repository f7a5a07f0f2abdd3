"""Retrieval evaluation on a question file: Recall@k, MRR@10, nDCG@10 per kind, confidence AUROC.

Question file format (JSON lines), documented in corpus/README.md:
``{"id": "q1", "kind": "keyword", "question": "…", "relevant": ["doc-id"], "answer_hint": "…"}``
``relevant: []`` marks a question the knowledge base cannot answer; those measure
only whether the confidence separates them from answerable ones (AUROC).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from assistant.evaluation.questions import Question
from assistant.search.result import Mode
from assistant.service import Assistant

CUTOFF = 10








def _ndcg(ranked: list[str], relevant: set[str], k: int = CUTOFF) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(ranked[:k]) if d in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return dcg / ideal if ideal else 0.0


def _mrr(ranked: list[str], relevant: set[str], k: int = CUTOFF) -> float:
    for i, d in enumerate(ranked[:k]):
        if d in relevant:
            return 1 / (i + 1)
    return 0.0


def _recall(ranked: list[str], relevant: set[str], k: int) -> float:
    """Share of relevant documents found in the top k (1.0 when all are)."""
    return len(set(ranked[:k]) & relevant) / len(relevant)


def auroc(positives: list[float], negatives: list[float]) -> float | None:
    """Probability that a random answerable question gets higher confidence than an unanswerable one."""
    if not positives or not negatives:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


@dataclass
class RunResult:
    mode: str
    overall: dict[str, float]
    per_kind: dict[str, dict[str, float]]
    auroc: float | None
    per_question: list[dict] = field(default_factory=list)


def evaluate(assistant: Assistant, questions: list[Question], mode: Mode = "hybrid") -> RunResult:
    """Run every question once and aggregate the metrics."""
    rows: list[dict] = []
    confidences: dict[bool, list[float]] = {True: [], False: []}
    for q in questions:
        result = assistant.search(q.question, k=CUTOFF, mode=mode)
        ranked = [h.document.doc_id for h in result.hits]
        confidences[q.answerable].append(result.confidence)
        row = {"id": q.id, "kind": q.kind, "ranked": ranked, "confidence": round(result.confidence, 4)}
        if q.answerable:
            rel = set(q.relevant)
            row |= {
                "recall@1": _recall(ranked, rel, 1),
                "recall@5": _recall(ranked, rel, 5),
                "recall@10": _recall(ranked, rel, 10),
                "mrr@10": _mrr(ranked, rel),
                "ndcg@10": _ndcg(ranked, rel),
            }
        rows.append(row)
    metrics = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        if "ndcg@10" in row:
            by_kind[row["kind"]].append(row)
    answerable = [r for r in rows if "ndcg@10" in r]

    def mean(items: list[dict]) -> dict[str, float]:
        return {m: round(sum(r[m] for r in items) / len(items), 4) for m in metrics} | {"n": len(items)}

    return RunResult(
        mode=mode,
        overall=mean(answerable) if answerable else {},
        per_kind={kind: mean(items) for kind, items in sorted(by_kind.items())},
        auroc=auroc(confidences[True], confidences[False]),
        per_question=rows,
    )
