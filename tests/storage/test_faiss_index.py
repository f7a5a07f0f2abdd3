"""FAISS index: exact vs IVF choice, measured recall, filtered search on both kinds."""

from __future__ import annotations

import faiss
import numpy as np

from assistant.storage.faiss_index import (
    TARGET_RECALL,
    build_vector_index,
    nprobe_ladder,
    search_vectors,
)
from assistant.storage.query_probes import ProbeSet


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


def test_nprobe_ladder_is_increasing_and_ends_at_nlist() -> None:
    ladder = nprobe_ladder(4000)
    assert ladder[:8] == [1, 2, 3, 4, 6, 8, 12, 16] and ladder[-1] == 4000
    assert all(b > a for a, b in zip(ladder, ladder[1:]))
    assert nprobe_ladder(1) == [1]


def test_ivf_info_records_how_recall_was_measured() -> None:
    x = _unit(6000)
    _, info = build_vector_index(x, ivf_threshold=2000)
    assert info.target_recall == TARGET_RECALL
    (pushed,) = info.tuning
    assert pushed["probes"] == "pushed-passages" and pushed["queries"] == 400
    assert pushed["recall_at_10"] >= pushed["required"] > TARGET_RECALL
    assert pushed["against"] == "exact inner-product search" and pushed["centre_of_nearest"] == 10
    assert info.measured_recall == pushed["recall_at_10"]


def test_extra_probe_sets_must_reach_the_target_too() -> None:
    """Probes far from every cluster are hard for IVF: the chosen nprobe grows to serve them."""
    x = _unit(6000)
    rng = np.random.default_rng(5)
    hard = rng.normal(size=(100, x.shape[1])).astype(np.float32)
    faiss.normalize_L2(hard)
    index, base = build_vector_index(x, ivf_threshold=2000)
    index, info = build_vector_index(x, ivf_threshold=2000, extra_probes=[ProbeSet("questions", hard)])
    assert info.nprobe > base.nprobe
    assert [t["probes"] for t in info.tuning] == ["pushed-passages", "questions"]
    assert info.tuning[1]["recall_at_10"] >= TARGET_RECALL and info.tuning[1]["required"] == TARGET_RECALL
    assert index.nprobe == info.nprobe


def test_tiny_ivf_index_builds() -> None:
    x = _unit(6)
    index, info = build_vector_index(x, ivf_threshold=1)
    assert info.kind == "ivf" and info.nlist == 1
    rows, _ = search_vectors(index, x[2], 3)
    assert rows[0] == 2
