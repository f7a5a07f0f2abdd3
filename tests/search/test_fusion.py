"""The one mix of dense and lexical evidence."""

from __future__ import annotations

import numpy as np

from assistant.search.fusion import DENSE_TIE, fuse, rescale_dense, rescale_lexical


def test_float_noise_between_equal_passages_is_a_tie_not_a_ranking() -> None:
    noisy = np.array([0.9154484, 0.9154485, 0.9154483], dtype=np.float32)  # the same passage three times
    assert rescale_dense(noisy).tolist() == [1.0, 1.0, 1.0]
    real = np.array([0.80, 0.85, 0.90], dtype=np.float32)
    assert np.allclose(rescale_dense(real), [0.0, 0.5, 1.0])
    assert DENSE_TIE < 1e-3  # far below any difference e5 cosines make between passages


def test_lexical_scores_are_scaled_by_the_best_and_nothing_stays_nothing() -> None:
    assert rescale_lexical(np.array([0.0, 2.0, 4.0])).tolist() == [0.0, 0.5, 1.0]
    assert rescale_lexical(np.zeros(3)).tolist() == [0.0, 0.0, 0.0]
    assert rescale_lexical(np.zeros(0)).tolist() == []


def test_the_lexical_side_counts_in_proportion_to_the_known_share_of_the_query() -> None:
    dense, lexical = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    assert fuse(dense, lexical, 1.0, 0.6, "hybrid").tolist() == [0.6, 0.4]
    assert np.allclose(fuse(dense, lexical, 0.5, 0.6, "hybrid"), [0.6, 0.2])  # half the query unknown
    assert fuse(dense, lexical, 1.0, 0.6, "dense").tolist() == [1.0, 0.0]
    assert fuse(dense, lexical, 1.0, 0.6, "lexical").tolist() == [0.0, 1.0]
