"""Choose the fusion weight and fit the abstain confidence on the evaluation set.

Prints nDCG@10 / Recall@5 per dense weight, the AUROC of each retrieval signal
for separating answerable from unanswerable questions, and a logistic confidence
model fitted on those signals with 5-fold cross-validated AUROC (so the number
reported is not measured on the questions the model was fitted on).

    REVIERLOTSE_INDEX_DIR=index .venv/bin/python bench/tune_retrieval.py [--questions tests/eval/questions.jsonl]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.config import Settings  # noqa: E402
from assistant.evaluation import auroc, evaluate, load_questions  # noqa: E402
from assistant.service import Assistant  # noqa: E402

FEATURES = ("dense_top", "dense_margin", "known_share", "passage_share")


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> np.ndarray:
    """Newton's method for L2-regularised logistic regression; returns [bias, w...]."""
    xb = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(xb.shape[1])
    reg = l2 * np.eye(xb.shape[1])
    reg[0, 0] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-xb @ w))
        grad = xb.T @ (p - y) + reg @ w
        hess = xb.T @ (xb * (p * (1 - p))[:, None]) + reg
        w -= np.linalg.solve(hess, grad)
    return w


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=Path, default=Path("tests/eval/questions.jsonl"))
    parser.add_argument("--weights", default="0.4,0.5,0.6,0.7,0.8,0.9,1.0")
    args = parser.parse_args()
    questions = load_questions(args.questions)
    assistant = Assistant(Settings())

    print("dense_weight  nDCG@10  Recall@5  worst kind (nDCG@10)")
    for weight in (float(w) for w in args.weights.split(",")):
        assistant.retriever().dense_weight = weight
        run = evaluate(assistant, questions)
        worst = min(run.per_kind.items(), key=lambda kv: kv[1]["ndcg@10"])
        print(f"{weight:12.2f}  {run.overall['ndcg@10']:.3f}    {run.overall['recall@5']:.3f}     "
              f"{worst[0]} {worst[1]['ndcg@10']:.3f}")
    assistant.retriever().dense_weight = assistant.settings.dense_weight

    rows, labels = [], []
    for q in questions:
        signals = assistant.search(q.question).signals
        rows.append([signals.get(f, 0.0) for f in FEATURES])
        labels.append(1.0 if q.answerable else 0.0)
    x, y = np.array(rows), np.array(labels)
    print("\nsignal          AUROC (answerable vs not)")
    for i, name in enumerate(FEATURES):
        print(f"{name:15s} {auroc(list(x[y == 1, i]), list(x[y == 0, i])):.3f}")

    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / std
    rng = np.random.default_rng(0)
    folds = rng.permutation(len(y)) % 5
    predicted = np.zeros(len(y))
    for fold in range(5):
        train, test = folds != fold, folds == fold
        w = fit_logistic(z[train], y[train])
        predicted[test] = np.hstack([np.ones((test.sum(), 1)), z[test]]) @ w
    cv = auroc(list(predicted[y == 1]), list(predicted[y == 0]))
    w = fit_logistic(z, y)
    raw = {"bias": float(w[0] - np.sum(w[1:] * mean / std))}
    raw |= {name: float(w[i + 1] / std[i]) for i, name in enumerate(FEATURES)}
    print(f"\nlogistic model, 5-fold CV AUROC: {cv:.3f}")
    print("coefficients (raw signals):", {k: round(v, 3) for k, v in raw.items()})
    scores = 1 / (1 + np.exp(-(np.hstack([np.ones((len(y), 1)), z]) @ w)))
    print("\nthreshold  answers answerable  abstains unanswerable")
    for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        print(f"{t:9.2f}  {np.mean(scores[y == 1] >= t):18.3f}  {np.mean(scores[y == 0] < t):21.3f}")


if __name__ == "__main__":
    main()
