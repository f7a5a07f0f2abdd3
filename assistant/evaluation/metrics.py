"""Ranking metrics at the document level, and the AUROC of a confidence."""

from __future__ import annotations

import math

CUTOFF = 10


def ndcg(ranked: list[str], relevant: set[str], k: int = CUTOFF) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(ranked[:k]) if d in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return dcg / ideal if ideal else 0.0


def mrr(ranked: list[str], relevant: set[str], k: int = CUTOFF) -> float:
    for i, d in enumerate(ranked[:k]):
        if d in relevant:
            return 1 / (i + 1)
    return 0.0


def recall(ranked: list[str], relevant: set[str], k: int) -> float:
    """Share of relevant documents found in the top k (1.0 when all are)."""
    return len(set(ranked[:k]) & relevant) / len(relevant)


def auroc(positives: list[float], negatives: list[float]) -> float | None:
    """Probability that a random answerable question gets higher confidence than an unanswerable one."""
    if not positives or not negatives:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


RANKING = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")


def ranking_metrics(ranked: list[str], relevant: set[str]) -> dict[str, float]:
    return {
        "recall@1": recall(ranked, relevant, 1),
        "recall@5": recall(ranked, relevant, 5),
        "recall@10": recall(ranked, relevant, 10),
        "mrr@10": mrr(ranked, relevant),
        "ndcg@10": ndcg(ranked, relevant),
    }
