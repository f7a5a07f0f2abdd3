"""Search stages between candidate retrieval and grouping; each one is switched off by a weight of 0.

* ``place_penalty``: documents of other Länder than the query's lose fused score
  (the rule is ``domain.regions``); descriptions get a smaller penalty because they
  also name partners and role models elsewhere.
* ``profile_scores``: for project descriptions, the match of the query with the
  documents' front-matter ``zielgruppe`` and ``tags`` (who may apply, what it is
  about), which the chunk texts do not carry.
* ``feedback``: pseudo-relevance feedback; the whole-query vector moves towards the
  best fused passages and searches again.
"""

from __future__ import annotations

import numpy as np

from assistant.domain.regions import Location, excluded_documents
from assistant.storage.store import Store

PROFILE_FIELDS = ("zielgruppe", "tags")


class PlacePenalty:
    """Per document: the fused-score penalty for a location (cached per location)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._excluded: dict[Location, np.ndarray] = {}

    def __call__(self, location: Location, penalty: float) -> np.ndarray | None:
        if not location or penalty <= 0:
            return None
        excluded = self._excluded.get(location)
        if excluded is None:
            facets = self.store.facets
            excluded = excluded_documents(facets["land"], facets["region"], len(self.store.doc_ids), location)
            self._excluded[location] = excluded
        return excluded * penalty


class ProfileScores:
    """Per document: summed idf of the query terms among its target groups and tags (parsed on first use)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._terms: dict[int, frozenset[str]] = {}

    def __call__(self, docs: np.ndarray, term_weights: dict[str, float]) -> np.ndarray:
        per_doc: dict[int, float] = {}
        for doc_index in np.unique(docs).tolist():
            terms = self._terms.get(doc_index)
            if terms is None:
                meta = self.store.documents[self.store.doc_ids[doc_index]].metadata
                values = [v for name in PROFILE_FIELDS for v in getattr(meta, name)]
                terms = self._terms[doc_index] = frozenset(self.store.lexical.analyze(" ".join(values)))
            per_doc[doc_index] = sum(w for t, w in term_weights.items() if t in terms)
        return np.array([per_doc[d] for d in docs.tolist()], dtype=np.float32)


def feedback_vector(store: Store, query: np.ndarray, top_rows: np.ndarray, weight: float) -> np.ndarray:
    """Rocchio-style q' = q + weight · mean(top passages), renormalised.

    The top passages were chosen by *both* sides, so BM25 hits on rare terms pull the
    dense query towards the vocabulary of the corpus (helps paraphrases and misspellings).
    """
    moved = query + weight * store.vectors_of(top_rows).mean(axis=0)
    return moved / np.linalg.norm(moved)
