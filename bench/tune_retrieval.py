"""Choose the fusion weight and fit the abstain confidence on the evaluation set.

Prints nDCG@10 / Recall@5 per dense weight, the AUROC of each retrieval signal
for separating answerable from unanswerable questions, and a logistic confidence
model fitted on MODEL_FEATURES with 5-fold cross-validated AUROC, repeated over
five fold splits (so the number reported is not measured on the questions the
model was fitted on), plus the abstain threshold that keeps >= 90 % of the
answerable questions answered.

The ``off_domain`` slope is fixed, not fitted: the evaluation set has no
off-topic questions, so a fit cannot learn that "Rezept für Apfelkuchen" should
get a low confidence (on this set dense similarity is even slightly *higher* for
the unanswerable questions, which ask about known topics).

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

FEATURES = ("dense_top", "dense_margin", "known_share", "passage_share", "fact_cov", "off_domain")
MODEL_FEATURES = ("fact_cov",)
FIXED = {"off_domain": -100.0}  # logits per unit of similarity below the domain floor (set by hand)
KEEP_ANSWERABLE = 0.90


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50, offset: np.ndarray | None = None
) -> np.ndarray:
    """Newton's method for L2-regularised logistic regression; returns [bias, w...].

    ``offset`` is a fixed per-row logit added before the fitted part (terms with set weights).
    """
    xb = np.hstack([np.ones((len(x), 1)), x])
    offset = np.zeros(len(x)) if offset is None else offset
    w = np.zeros(xb.shape[1])
    reg = l2 * np.eye(xb.shape[1])
    reg[0, 0] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(xb @ w + offset)))
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
        rows.append({f: signals.get(f, 0.0) for f in (*FEATURES, *MODEL_FEATURES)})
        labels.append(1.0 if q.answerable else 0.0)
    y = np.array(labels)
    print("\nsignal          AUROC (answerable vs not)")
    for name in FEATURES:
        x = np.array([r[name] for r in rows])
        print(f"{name:15s} {auroc(list(x[y == 1]), list(x[y == 0])):.3f}")

    offset = np.array([sum(w * r[n] for n, w in FIXED.items()) for r in rows])
    for label, features, off in (
        ("previous signals (dense_top, dense_margin, known_share, passage_share)", FEATURES[:4], None),
        (f"model {MODEL_FEATURES} + fixed {FIXED}", MODEL_FEATURES, offset),
    ):
        cvs = [cross_validated_auroc(rows, y, features, off, seed) for seed in range(5)]
        print(f"\n{label}\n  5-fold CV AUROC over 5 splits: mean {np.mean(cvs):.3f}, min {min(cvs):.3f}, max {max(cvs):.3f}"
              f"\n  (pooled over folds; mean of the per-fold AUROCs: "
              f"{np.mean([cross_validated_auroc(rows, y, features, off, seed, pooled=False) for seed in range(5)]):.3f})")

    x = np.array([[r[n] for n in MODEL_FEATURES] for r in rows])
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / std
    w = fit_logistic(z, y, offset=offset)
    raw = {"bias": float(w[0] - np.sum(w[1:] * mean / std))}
    raw |= {name: float(w[i + 1] / std[i]) for i, name in enumerate(MODEL_FEATURES)}
    raw |= FIXED
    print("coefficients for DEFAULT_CONFIDENCE_MODEL:", {k: round(v, 3) for k, v in raw.items()})
    scores = 1 / (1 + np.exp(-(np.hstack([np.ones((len(y), 1)), z]) @ w + offset)))
    print(f"in-sample AUROC: {auroc(list(scores[y == 1]), list(scores[y == 0])):.3f}")
    print("\nthreshold  answers answerable  abstains unanswerable")
    for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        print(f"{t:9.2f}  {np.mean(scores[y == 1] >= t):18.3f}  {np.mean(scores[y == 0] < t):21.3f}")
    keep = np.sort(scores[y == 1])[int(np.floor((1 - KEEP_ANSWERABLE) * (y == 1).sum()))]
    print(f"highest threshold keeping >= {KEEP_ANSWERABLE:.0%} of answerable questions: {keep:.3f} "
          f"(abstains on {np.mean(scores[y == 0] < keep):.3f} of the unanswerable)")


def cross_validated_auroc(
    rows: list[dict[str, float]],
    y: np.ndarray,
    features: tuple[str, ...],
    offset: np.ndarray | None,
    seed: int,
    pooled: bool = True,
) -> float:
    """AUROC of out-of-fold predictions, pooled over the folds or averaged per fold.

    Pooling mixes fold-specific intercepts, which for a model with few distinct
    scores (many ties) costs a few points; the per-fold mean does not, but each fold
    holds only ~4 unanswerable questions.
    """
    x = np.array([[r[n] for n in features] for r in rows])
    z = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-9)
    off = np.zeros(len(y)) if offset is None else offset
    folds = np.random.default_rng(seed).permutation(len(y)) % 5
    predicted = np.zeros(len(y))
    per_fold = []
    for fold in range(5):
        train, test = folds != fold, folds == fold
        w = fit_logistic(z[train], y[train], offset=off[train])
        predicted[test] = np.hstack([np.ones((test.sum(), 1)), z[test]]) @ w + off[test]
        per_fold.append(auroc(list(predicted[test & (y == 1)]), list(predicted[test & (y == 0)])))
    if not pooled:
        return float(np.mean([a for a in per_fold if a is not None]))
    return auroc(list(predicted[y == 1]), list(predicted[y == 0]))


if __name__ == "__main__":
    main()
