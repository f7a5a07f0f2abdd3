"""How an answer sentence is scored: named features of (question, statement) and fitted weights.

The weights are a logistic model fitted on the training halves of our question sets
(``revierlotse fit``): label 1 for a statement that contains the answer hint.  The score
is the model's logit, so a constant margin in ``select`` means a constant odds ratio.
Features are computed in one place (``SentenceSelector.features``) for serving and fitting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from assistant.search.params import fitted_data

FEATURES: tuple[str, ...] = (
    "dense",  # cosine of question and statement, min-max scaled over the candidates
    "dense_raw",  # the raw cosine
    "lexical",  # idf-weighted share of the question's terms (minus the document title's) in the statement
    "heading",  # the same share in the statement's section heading
    "facts",  # 1 when the statement repeats a number of the question or holds the kind of fact asked for
    "wanted_missing",  # 1 when the question asks for an amount/date/count/person and the statement has none
    "doc_prior",  # the retriever's score of the statement's document relative to the best one
    "passage_prior",  # the retriever's score of the statement's passage relative to the best one (0: not retrieved)
    "doc_rank",  # 0 for the best document, 1, 2 …
    "log_chars",  # log of the statement's length
)
# What serving uses before a model was fitted (the hand-set weights of session 3, as a logit).
_FALLBACK = {"bias": 0.0, "dense": 0.45, "lexical": 0.25, "facts": 0.2, "doc_prior": 0.3, "passage_prior": 0.1}


@dataclass(frozen=True)
class SentenceModel:
    weights: dict[str, float] = field(default_factory=lambda: dict(_FALLBACK))
    margin: float = 0.2  # further statements must score within this of the best one
    max_sentences: int = 4

    def score(self, values: dict[str, float]) -> float:
        return self.weights.get("bias", 0.0) + sum(w * values.get(name, 0.0) for name, w in self.weights.items() if name != "bias")

    def probability(self, values: dict[str, float]) -> float:
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, self.score(values)))))

    @property
    def fact_weight(self) -> float:
        return self.weights.get("facts", 0.0)


def load_sentence_model(path: Path | None = None) -> SentenceModel:
    """The fitted sentence model of ``fitted.json`` (the hand-set fallback when none was fitted)."""
    data = fitted_data(path).get("sentence_model")
    if not data:
        return SentenceModel()
    return SentenceModel(dict(data["weights"]), float(data.get("margin", 0.2)), int(data.get("max_sentences", 4)))
