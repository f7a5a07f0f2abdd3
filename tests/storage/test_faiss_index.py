"""FAISS index: exact vs IVF choice, measured recall, filtered search on both kinds."""

from __future__ import annotations

import faiss
import numpy as np

from assistant.storage.faiss_index import (
    TARGET_RECALL,
    build_vector_index,
    search_vectors,
)


def _unit(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    # Clustered data (like real embeddings), not uniform noise.
    centers = rng.normal(size=(20, dim))
    x = centers[rng.integers(0, 20, n)] + 0.3 * rng.normal(size=(n, dim))
    x = x.astype(np.float32)
    faiss.normalize_L2(x)
    return x


def test_small_index_is_exact() -> None:
    x = _unit(500)
    index, info = build_vector_index(x, ivf_threshold=1000)
    assert info.kind == "flat"
    rows, scores = search_vectors(index, x[7], 5)
    assert rows[0] == 7 and abs(scores[0] - 1.0) < 1e-5


def test_large_index_is_ivf_with_target_recall() -> None:
    x = _unit(6000)
    index, info = build_vector_index(x, ivf_threshold=2000)
    assert info.kind == "ivf" and info.nprobe >= 1
    assert info.measured_recall is not None and info.measured_recall >= TARGET_RECALL


def test_filtered_search_returns_only_allowed_rows_on_both_kinds() -> None:
    x = _unit(3000)
    for threshold in (10_000, 1000):  # flat, then IVF
        index, _ = build_vector_index(x, ivf_threshold=threshold)
        allowed = np.arange(0, 3000, 97, dtype=np.int64)
        rows, _ = search_vectors(index, x[5], 10, allowed)
        assert len(rows) == 10
        assert set(rows.tolist()) <= set(allowed.tolist())
        # the best allowed row is found even when it sits in an unprobed IVF cell
        best = allowed[np.argmax(x[allowed] @ x[5])]
        assert rows[0] == best


def test_filter_that_allows_nothing_returns_nothing() -> None:
    index, _ = build_vector_index(_unit(100), ivf_threshold=1000)
    rows, scores = search_vectors(index, _unit(1)[0], 5, np.zeros(0, dtype=np.int64))
    assert rows.size == 0 and scores.size == 0
