"""Query-like probes: shape and determinism, where they sit relative to the data, exact top-k, recall."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.storage.query_probes import (
    PUSHED,
    PUSHED_MARGIN,
    E5_SMALL,
    exact_top_k,
    pushed_passages,
    recall_at_k,
)

pytestmark = pytest.mark.unit


def _anisotropic(n: int, dim: int = 48, seed: int = 0) -> np.ndarray:
    """Clustered vectors around a common direction, like e5's (random pairs at cosine ~0.8)."""
    rng = np.random.default_rng(seed)
    common = rng.normal(size=dim)
    centres = 2.5 * common / np.linalg.norm(common) + 0.6 * rng.normal(size=(40, dim)) / np.sqrt(dim) * 4
    x = centres[rng.integers(0, 40, n)] + 0.25 * rng.normal(size=(n, dim)) / np.sqrt(dim) * 4
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_probes_are_unit_vectors_and_deterministic() -> None:
    x = _anisotropic(3000)
    a, b = pushed_passages(x, 300, seed=3), pushed_passages(x, 300, seed=3)
    assert a.name == PUSHED and a.margin == PUSHED_MARGIN and len(a) == 300
    assert a.vectors.dtype == np.float32 and np.allclose(np.linalg.norm(a.vectors, axis=1), 1, atol=1e-5)
    assert np.array_equal(a.vectors, b.vectors)
    assert not np.array_equal(a.vectors, pushed_passages(x, 300, seed=4).vectors)


def test_probes_sit_off_the_passages_like_real_questions() -> None:
    """Nearest passage at the calibrated cosine, and no single passage much closer than the next ones."""
    x = _anisotropic(3000)
    probes = pushed_passages(x, 300).vectors
    rng = np.random.default_rng(1)
    copies = x[rng.choice(len(x), 300, replace=False)] + rng.normal(0, 0.02, (300, x.shape[1]))
    copies /= np.linalg.norm(copies, axis=1, keepdims=True)
    top_p = np.sort(probes @ x.T, axis=1)[:, ::-1]
    top_c = np.sort(copies @ x.T, axis=1)[:, ::-1]
    assert E5_SMALL.cosine_min - 0.05 < np.median(top_p[:, 0]) < E5_SMALL.cosine_max + 0.03
    assert np.median(top_p[:, 0]) < np.median(top_c[:, 0]) - 0.02
    assert np.median(top_p[:, 0] - top_p[:, 9]) < np.median(top_c[:, 0] - top_c[:, 9])


def test_small_and_empty_inputs() -> None:
    x = _anisotropic(5)
    assert len(pushed_passages(x, 400)) == 5
    assert pushed_passages(np.zeros((0, 8), np.float32), 10).vectors.shape == (0, 8)


def test_exact_top_k_matches_a_full_sort_across_blocks() -> None:
    x = _anisotropic(1000)
    q = _anisotropic(20, seed=9)
    expected = np.argsort(-(q @ x.T), axis=1, kind="stable")[:, :7]
    got = exact_top_k(x, q, 7, block=128)
    assert np.array_equal(np.sort(got, axis=1), np.sort(expected, axis=1))
    assert exact_top_k(x[:3], q, 10).shape == (20, 3)


def test_recall_at_k() -> None:
    truth = np.array([[1, 2, 3, 4], [5, 6, 7, 8]])
    assert recall_at_k(truth, truth) == 1.0
    assert recall_at_k(np.array([[4, 3, 9, 9], [9, 9, 9, 9]]), truth) == pytest.approx(0.25)
    assert recall_at_k(np.zeros((0, 4)), np.zeros((0, 4))) == 1.0
