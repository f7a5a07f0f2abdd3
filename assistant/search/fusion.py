"""The one mix of dense and lexical evidence.

e5 cosines sit in a narrow band (top hits 0.79–0.94) while BM25 spreads widely, so
each side is rescaled per query over the candidate pool before they are mixed with
``dense_weight``.  The lexical side counts in proportion to the idf-weighted share of
the query the index knows (``known_share``): an English question matches one or two
German words by chance.  Everything that mixes the two sides calls ``fuse``.
"""

from __future__ import annotations

import numpy as np

from assistant.search.result import Mode
from assistant.storage.bm25 import LexicalIndex

# Cosine spreads below this are float noise (BLAS sums rows in different orders), not
# evidence: rescaling them to 0…1 turned identical passages into "best" and "worst".
DENSE_TIE = 1e-5


def known_share(lexical: LexicalIndex, term_weights: dict[str, float]) -> float:
    """idf-weighted share of the query's terms that occur in the index at all."""
    total = sum(term_weights.values())
    known = lexical.known_terms(term_weights)
    return sum(term_weights[t] for t in known) / total if total else 0.0


def rescale_lexical(values: np.ndarray) -> np.ndarray:
    """BM25 scores divided by the best one (0 stays 0: no lexical evidence)."""
    top = float(values.max()) if len(values) else 0.0
    return values / top if top > 0 else np.zeros_like(values)


def rescale_dense(values: np.ndarray) -> np.ndarray:
    """Cosines min-max scaled over the pool; a spread below ``DENSE_TIE`` is a tie (all 1)."""
    if not len(values):
        return values
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < DENSE_TIE:
        return np.ones_like(values)
    return (values - lo) / (hi - lo)


def fuse(dense_norm: np.ndarray, lexical_norm: np.ndarray, share: float, dense_weight: float, mode: Mode) -> np.ndarray:
    """The fused score of rescaled evidence (``mode`` "dense"/"lexical" takes one side alone)."""
    if mode == "dense":
        return dense_norm
    if mode == "lexical":
        return lexical_norm
    return dense_weight * dense_norm + (1 - dense_weight) * share * lexical_norm
