"""The fitting steps of 'revierlotse fit' on generated question data with a known answer.

Each generated question has candidate statements with features; which feature tells the
hint statement apart is chosen by the test, so the fitted result can be checked.
"""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answering.selection import Candidate
from assistant.answering.sentence_model import FEATURES, SentenceModel
from assistant.evaluation.fit import (
    QuestionData,
    choose_selection,
    choose_sentence_model,
    fit_confidence,
    fit_off_topic,
    fit_sentence_model,
)
from assistant.evaluation.questions import Question

HINT = "Fakt"


def _statement(text: str, **features: float) -> Candidate:
    # hit and passage are not read by fitting; only text and features are.
    candidate = Candidate(text, None, None, (0, 0))  # type: ignore[arg-type]
    candidate.features = {f: 0.0 for f in FEATURES} | features
    return candidate


def _questions(
    count: int, telling: str, seed: int = 0, distractor: bool = True, strength: float = 1.5
) -> list[QuestionData]:
    """Questions whose hint statement is the one with the highest ``telling`` feature; the other
    features are noise, and a ``distractor`` has the highest dense score (which the hand-set
    weights favour)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        question = Question(f"q{i}", "paraphrase", f"Frage {i}?", ("doc",), HINT)
        cands = []
        for j in range(8):
            noise = {f: float(rng.random()) for f in FEATURES}
            cands.append(_statement(f"Satz {j} ohne", **noise))
        cands[0] = _statement(f"Satz mit {HINT}", **({f: float(rng.random()) for f in FEATURES} | {telling: strength}))
        if distractor:
            cands[1].features["dense"] = 1.5
        data = QuestionData("own", question, question.question, {})
        data.candidates = cands
        data.labels = [HINT in c.text for c in cands]
        out.append(data)
    return out


def _best_only(ranked: list[Candidate], model: SentenceModel) -> list[Candidate]:
    return ranked[: model.max_sentences][:1]


def test_the_fitted_sentence_weights_favour_the_feature_that_tells_the_hint_apart() -> None:
    weights, out_of_fold = fit_sentence_model(_questions(40, "lexical"))
    assert weights["lexical"] == max(weights[f] for f in FEATURES)
    assert set(out_of_fold) == set(range(40))  # every question scored by a fold that did not see it


def test_fitted_weights_replace_the_hand_set_ones_only_when_they_find_more_hints_out_of_fold() -> None:
    model, figures = choose_sentence_model(_questions(40, "lexical"), _best_only)
    assert figures["kept"] == "fitted"
    assert figures["simulated_hint_fitted_cv"] > figures["simulated_hint_hand"]
    assert model.weights["lexical"] > model.weights["dense"]

    # Questions where the hand-set weights already find every hint: nothing to gain.
    model, figures = choose_sentence_model(_questions(40, "dense", distractor=False, strength=10.0), _best_only)
    assert figures["kept"] == "hand"
    assert model.weights == SentenceModel().weights


def test_the_selection_takes_the_margin_and_count_with_the_most_hints() -> None:
    data = _questions(10, "lexical")
    for d in data:
        for c in d.candidates:
            c.features["lexical"] = 0.0
        d.candidates[0].features["lexical"] = 1.0
    weights = {"lexical": 1.0}

    def within_margin(ranked: list[Candidate], model: SentenceModel) -> list[Candidate]:
        best = ranked[0].score
        return [c for c in ranked if c.score >= best - model.margin][: model.max_sentences]

    margin, max_sentences, rate = choose_selection(data, lambda i: weights, within_margin)
    assert rate == 1.0
    assert (margin, max_sentences) == (0.1, 2)  # the first, smallest setting that finds them all


def _confidence_data(answerable: list[float], unanswerable: list[float]) -> list[QuestionData]:
    out = []
    for i, value in enumerate([*answerable, *unanswerable]):
        relevant = ("doc",) if i < len(answerable) else ()
        question = Question(f"c{i}", "paraphrase", f"Frage {i}?", relevant, None)
        out.append(QuestionData("own", question, question.question, {"statement_dense": value}))
    return out


def test_the_confidence_threshold_separates_answerable_from_unanswerable_questions() -> None:
    rng = np.random.default_rng(1)
    data = _confidence_data(list(0.85 + 0.05 * rng.random(40)), list(0.75 + 0.05 * rng.random(15)))
    model, threshold, figures = fit_confidence(data, ("statement_dense",))
    assert model["statement_dense"] > 0
    assert figures["auroc_cv"] > 0.95
    assert figures["answered_cv"] >= 0.85 and figures["declined_cv"] >= 0.80
    assert 0.05 <= threshold <= 0.95


@pytest.mark.parametrize(("lowest_answerable", "expected"), [(0.5, 0.3), (0.12, 0.1), (0.0, 0.0)])
def test_the_off_topic_share_never_declines_an_answerable_training_question(lowest_answerable, expected) -> None:
    data = _confidence_data([0.9, 0.8, lowest_answerable], [0.0, 0.05])
    for d, share in zip(data, [0.9, 0.8, lowest_answerable, 0.0, 0.05]):
        d.signals = {"topic_known_share": share}
    threshold, declined = fit_off_topic(data)
    assert threshold == expected
    assert declined["0.05"] == 0.5 and declined["0.1"] == 1.0
