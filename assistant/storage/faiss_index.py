"""The FAISS side of a snapshot: build, save, load and (filtered) search of chunk vectors.

Exact inner-product search while the index is small (it is the best possible recall
and at tens of thousands of vectors still a few milliseconds); from
``ivf_threshold`` chunks on an IVF index whose ``nprobe`` is chosen at build time
by measuring recall@10 against exact search on held-out queries.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from assistant.errors import EmbedderError

log = logging.getLogger(__name__)

TARGET_RECALL = 0.97
_EXACT_FILTER_LIMIT = 50_000  # below this many allowed rows a filtered IVF search is done exactly


@dataclass(frozen=True)
class VectorIndexInfo:
    kind: str  # "flat" or "ivf"
    nlist: int = 0
    nprobe: int = 0
    measured_recall: float | None = None


def build_vector_index(vectors: np.ndarray, ivf_threshold: int) -> tuple[faiss.Index, VectorIndexInfo]:
    """Build the index for ``vectors`` (n, d), L2-normalised float32; NaN or inf is refused."""
    n, dim = vectors.shape
    if not np.isfinite(vectors).all():
        raise EmbedderError(
            "Unter den Vektoren sind ungültige Werte (NaN oder unendlich); der Index wurde nicht geändert. "
            "Bitte die Installation des Embedding-Modells prüfen und erneut indexieren."
        )
    if n < ivf_threshold:
        index = faiss.IndexFlatIP(dim)
        index.add(vectors)
        return index, VectorIndexInfo("flat")
    nlist = int(4 * math.sqrt(n))
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    train = vectors if n <= nlist * 64 else vectors[np.random.default_rng(0).choice(n, nlist * 64, replace=False)]
    index.train(train)
    index.add(vectors)
    index.make_direct_map()  # lets filtered searches reconstruct the allowed vectors exactly
    nprobe, recall = _tune_nprobe(index, vectors)
    index.nprobe = nprobe
    log.info("IVF index: %d vectors, nlist=%d, nprobe=%d, recall@10=%.3f", n, nlist, nprobe, recall)
    return index, VectorIndexInfo("ivf", nlist, nprobe, recall)


def _tune_nprobe(index: faiss.IndexIVF, vectors: np.ndarray, queries: int = 200) -> tuple[int, float]:
    """Smallest power-of-two nprobe whose recall@10 vs exact search reaches TARGET_RECALL."""
    rng = np.random.default_rng(1)
    picked = vectors[rng.choice(len(vectors), min(queries, len(vectors)), replace=False)]
    # Perturb so queries are not exact copies of indexed vectors (which would be too easy).
    noisy = picked + rng.normal(0, 0.02, picked.shape).astype(np.float32)
    faiss.normalize_L2(noisy)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    _, truth = exact.search(noisy, 10)
    nprobe, recall = 1, 0.0
    while nprobe <= index.nlist:
        index.nprobe = nprobe
        _, found = index.search(noisy, 10)
        recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth)]))
        if recall >= TARGET_RECALL:
            break
        nprobe *= 2
    return min(nprobe, index.nlist), recall


def save_vector_index(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def load_vector_index(path: Path) -> faiss.Index:
    return faiss.read_index(str(path))


def search_vectors(
    index: faiss.Index, query: np.ndarray, k: int, allowed_rows: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k rows by inner product; ``allowed_rows`` (sorted int64 row ids) restricts the search.

    A restrictive filter on an IVF index would lose allowed rows that sit in
    un-probed cells, so below ``_EXACT_FILTER_LIMIT`` allowed rows we score them exactly.
    """
    q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
    if index.ntotal == 0 or k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    if allowed_rows is None:
        scores, rows = index.search(q, min(k, index.ntotal))
    elif len(allowed_rows) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    elif isinstance(index, faiss.IndexIVF) and len(allowed_rows) <= _EXACT_FILTER_LIMIT:
        subset = index.reconstruct_batch(allowed_rows)
        sims = subset @ q[0]
        top = np.argsort(-sims, kind="stable")[:k]
        return allowed_rows[top].astype(np.int64), sims[top].astype(np.float32)
    else:
        selector = faiss.IDSelectorBatch(allowed_rows.astype(np.int64))
        params = (
            faiss.SearchParametersIVF(sel=selector, nprobe=index.nprobe)
            if isinstance(index, faiss.IndexIVF)
            else faiss.SearchParameters(sel=selector)
        )
        scores, rows = index.search(q, min(k, len(allowed_rows)), params=params)
    keep = rows[0] >= 0
    return rows[0][keep].astype(np.int64), scores[0][keep].astype(np.float32)
