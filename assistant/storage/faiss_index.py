"""The FAISS side of a snapshot: build, save, load and (filtered) search of chunk vectors.

Exact inner-product search while the index is small (it is the best possible recall
and at tens of thousands of vectors still a few milliseconds); from
``ivf_threshold`` chunks on an IVF index whose ``nprobe`` is chosen at build time
by measuring recall@10 against exact search on query-like probes
(``query_probes``): probes made from the index's own vectors, plus real
question vectors when the caller has them.  Near-copies of indexed vectors
chose an nprobe that real questions did not reach (docs/decisions/0006).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from assistant.errors import EmbedderError
from assistant.storage.query_probes import ProbeSet, pushed_passages, recall_at_k

log = logging.getLogger(__name__)

TARGET_RECALL = 0.97
PROBES = 400  # pushed probes per tuning: recall@10 measured on 4,000 neighbours (sd ~0.005)
_EXACT_FILTER_LIMIT = 50_000  # below this many allowed rows a filtered IVF search is done exactly


@dataclass(frozen=True)
class VectorIndexInfo:
    kind: str  # "flat" or "ivf"
    nlist: int = 0
    nprobe: int = 0
    measured_recall: float | None = None  # lowest recall@10 over the probe sets at the chosen nprobe
    target_recall: float | None = None
    tuning: tuple[dict, ...] = field(default_factory=tuple)  # per probe set: name, queries, recall@10


def build_vector_index(
    vectors: np.ndarray, ivf_threshold: int, extra_probes: list[ProbeSet] | None = None
) -> tuple[faiss.Index, VectorIndexInfo]:
    """Build the index for ``vectors`` (n, d), L2-normalised float32; NaN or inf is refused.

    ``extra_probes``: real question vectors (e.g. logged user questions) that the
    IVF nprobe must also serve; pushed-passage probes are always used.
    """
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
    nlist = max(1, min(int(4 * math.sqrt(n)), n // 8))  # the cap only bites below ~1,000 vectors
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    train = vectors if n <= nlist * 64 else vectors[np.random.default_rng(0).choice(n, nlist * 64, replace=False)]
    index.train(train)
    index.add(vectors)
    index.make_direct_map()  # lets filtered searches reconstruct the allowed vectors exactly
    probe_sets = [pushed_passages(vectors, PROBES), *(p for p in extra_probes or [] if len(p))]
    nprobe, recalls = tune_nprobe(index, vectors, probe_sets)
    index.nprobe = nprobe
    tuning = tuple(
        {"probes": p.name, "queries": len(p), "recall_at_10": round(r, 4),
         "required": round(TARGET_RECALL + p.margin, 4), "against": "exact inner-product search"} | p.details
        for p, r in zip(probe_sets, recalls)
    )
    log.info("IVF index: %d vectors, nlist=%d, nprobe=%d, recall@10 %s", n, nlist, nprobe, tuning)
    return index, VectorIndexInfo("ivf", nlist, nprobe, round(min(recalls), 4), TARGET_RECALL, tuning)


def nprobe_ladder(nlist: int) -> list[int]:
    """Candidate nprobe values 1, 2, 3, 4, 6, 8, 12, 16, … (steps of ×1.5 and ×4/3), ending at nlist."""
    values, step = [1, 2], 3
    while step < nlist:
        values.append(step)
        step = step * 4 // 3 if step % 3 == 0 else step * 3 // 2
    return sorted({v for v in values if v < nlist} | {nlist})


def tune_nprobe(
    index: faiss.IndexIVF, vectors: np.ndarray, probe_sets: list[ProbeSet], k: int = 10
) -> tuple[int, list[float]]:
    """Smallest nprobe on the ladder whose recall@k vs exact search reaches TARGET_RECALL + margin on every set."""
    k = min(k, len(vectors))
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    truths = [exact.search(np.ascontiguousarray(p.vectors, dtype=np.float32), k)[1] for p in probe_sets]
    recalls: list[float] = []
    for nprobe in nprobe_ladder(index.nlist):
        index.nprobe = nprobe
        recalls = [
            recall_at_k(index.search(np.ascontiguousarray(p.vectors, dtype=np.float32), k)[1], truth)
            for p, truth in zip(probe_sets, truths)
        ]
        if all(r >= TARGET_RECALL + p.margin for p, r in zip(probe_sets, recalls)):
            return nprobe, recalls
    return index.nlist, recalls


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
