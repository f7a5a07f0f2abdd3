"""The one mix of dense and lexical evidence."""

from __future__ import annotations

import numpy as np

from assistant.storage.snapshot import Snapshot


def _known_share(snap: Snapshot, term_weights: dict[str, float]) -> float:
    """idf-weighted share of the query's terms that occur in the index at all."""
    total = sum(term_weights.values())
    known = snap.lexical.known_terms(term_weights)
    return sum(term_weights[t] for t in known) / total if total else 0.0


def _max_scaled(values: np.ndarray) -> np.ndarray:
    return values / values.max() if values.max() > 0 else np.zeros_like(values)


def _minmax(values: np.ndarray) -> np.ndarray:
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 1e-9:
        return np.ones_like(values)
    return (values - lo) / (hi - lo)
