"""How sure an answer is: the search's signals plus how well the best statement matches.

The model and the threshold are fitted (``revierlotse fit``: logistic regression on the
training halves of the question sets) and read from ``fitted.json``; a deployment may set
its own threshold (``REVIERLOTSE_ABSTAIN_THRESHOLD``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.answering.selection import Candidate
from assistant.search.confidence import confidence
from assistant.search.params import fitted_data
from assistant.search.result import SearchResult
from assistant.text.analyzer import is_english

DEFAULT_THRESHOLD = 0.5


def answer_signals(result: SearchResult, ranked: list[Candidate]) -> dict[str, float]:
    """The search's signals plus ``statement_dense``, the best statement's raw cosine with the question."""
    best = max((c.features.get("dense_raw", 0.0) for c in ranked), default=0.0)
    return dict(result.signals) | {"statement_dense": best}


@dataclass(frozen=True)
class AnswerConfidence:
    model: dict[str, float]
    threshold: float
    off_topic_share: float = 0.0  # a German question with fewer of its non-place words known is off-topic

    @classmethod
    def load(cls, fitted: Path | None, fallback_model: dict[str, float], threshold: float | None) -> AnswerConfidence:
        """The fitted answer model (the search's model when none was fitted) and threshold (unless configured)."""
        data = fitted_data(fitted)
        chosen = threshold if threshold is not None else float(data.get("abstain_threshold", DEFAULT_THRESHOLD))
        return cls(data.get("answer_confidence_model") or fallback_model, chosen, float(data.get("off_topic_share", 0.0)))

    def off_topic(self, result: SearchResult, words: list[str]) -> bool:
        """Whether the knowledge base knows (almost) none of the question's words besides place names.

        "Wie wird das Wetter morgen in Leipzig?" matches passages about Leipzig densely, but
        "Wetter" and "morgen" occur nowhere.  English questions are exempt: their words are not
        in a German index, yet the multilingual embedder finds their answers.
        """
        return not is_english(words) and result.signals.get("topic_known_share", 1.0) < self.off_topic_share

    def of(self, result: SearchResult, ranked: list[Candidate]) -> float:
        return confidence(self.model, answer_signals(result, ranked))
