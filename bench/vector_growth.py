"""Grow a few thousand real passage vectors into 100k–1M realistic ones (benchmarks only).

Real e5 vectors are anisotropic (their mean has norm ~0.91, random pairs sit at
cosine ~0.84) and come in documents (a chunk's nearest neighbour is in its own
document 85 % of the time).  The generator is a smoothed bootstrap fitted to both
levels, i.e. real vectors plus noise drawn from their own covariance:

* a new document copies a real template document and moves its centre to
  ``mu + a (c - mu) + b delta`` with ``delta ~ N(0, between-document covariance)``;
* each chunk keeps its template's offset from the centre, shrunk by ``aw``, plus
  ``bw eps`` with ``eps ~ N(0, within-document covariance)``;
* ``a = sqrt(1 - b^2)`` and ``aw = sqrt(1 - bw^2)`` keep both covariances as measured,
  so the anisotropy and the cosine spread stay those of the real vectors.

``b = 0.8, bw = 0.3``: the smallest noise at which a generated chunk is no closer
to its nearest real chunk (median cosine 0.955) than real chunks are to each other
(0.952), i.e. generated documents are new documents, not near-copies; smaller
``b`` made the grown sets near-duplicate clusters (easy for any index), larger
lowered the nearest-neighbour cosines below the real ones.  Figures:
docs/decisions/0006-vector-recall.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

BETWEEN = 0.8
WITHIN = 0.3


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def _sqrt_cov(x: np.ndarray) -> np.ndarray:
    """A matrix R with R.T @ R = cov(x): noise = standard normal @ R."""
    values, vectors = np.linalg.eigh(np.cov(x.T))
    return (vectors * np.sqrt(np.clip(values, 0, None))).T.astype(np.float32)


@dataclass
class VectorGrowth:
    mean: np.ndarray
    centres: np.ndarray  # (docs, d) template document centres
    offsets: np.ndarray  # (n, d) chunk minus its document centre
    doc_rows: list[np.ndarray]  # rows of each template document
    between: np.ndarray  # R of the between-document covariance
    within: np.ndarray  # R of the within-document covariance
    b: float = BETWEEN
    bw: float = WITHIN

    @classmethod
    def fit(cls, vectors: np.ndarray, docs: np.ndarray, b: float = BETWEEN, bw: float = WITHIN) -> VectorGrowth:
        names, inverse = np.unique(docs, return_inverse=True)
        centres = np.zeros((len(names), vectors.shape[1]), dtype=np.float64)
        np.add.at(centres, inverse, vectors)
        centres /= np.bincount(inverse)[:, None]
        offsets = (vectors - centres[inverse]).astype(np.float32)
        return cls(
            mean=vectors.mean(axis=0),
            centres=centres.astype(np.float32),
            offsets=offsets,
            doc_rows=[np.flatnonzero(inverse == i) for i in range(len(names))],
            between=_sqrt_cov(centres),
            within=_sqrt_cov(offsets),
            b=b,
            bw=bw,
        )

    def sample(self, n: int, seed: int = 0, block: int = 65_536) -> tuple[np.ndarray, np.ndarray]:
        """``n`` unit vectors and the synthetic document number of each (documents whole, last one cut).

        Template documents are taken in shuffled rounds, so the grown set has the real
        mix of sources and document lengths.  Vectorised in blocks of rows: per-document
        small matrix products were slow, worst on a loaded machine.
        """
        rng = np.random.default_rng(seed)
        dim = self.centres.shape[1]
        a, aw = math.sqrt(1 - self.b**2), math.sqrt(1 - self.bw**2)
        templates: list[np.ndarray] = []
        total = 0
        while total < n:
            order = rng.permutation(len(self.doc_rows))
            templates.append(order)
            total += sum(len(self.doc_rows[t]) for t in order)
        template = np.concatenate(templates)
        sizes = np.array([len(self.doc_rows[t]) for t in template])
        keep = int(np.searchsorted(np.cumsum(sizes), n)) + 1
        template, sizes = template[:keep], sizes[:keep]
        centres = (self.mean + a * (self.centres[template] - self.mean)
                   + self.b * (rng.standard_normal((keep, dim)).astype(np.float32) @ self.between))
        doc_of = np.repeat(np.arange(keep), sizes)[:n]
        source_row = np.concatenate([self.doc_rows[t] for t in template])[:n]
        out = np.empty((n, dim), dtype=np.float32)
        for start in range(0, n, block):
            stop = min(n, start + block)
            noise = rng.standard_normal((stop - start, dim)).astype(np.float32) @ self.within
            out[start:stop] = _unit(centres[doc_of[start:stop]] + aw * self.offsets[source_row[start:stop]]
                                    + self.bw * noise)
        return out, doc_of
