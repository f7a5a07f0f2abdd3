"""The snapshot's lexical index: BM25 (bm25s) over the German analyzer's terms, one row per chunk.

Query resolution (typo correction, compound tails, idf) is shared with the PostgreSQL
backend in ``storage/lexical.py``; this module only keeps the postings in bm25s' files.
"""

from __future__ import annotations

import logging
from pathlib import Path

import bm25s
import numpy as np

from assistant.storage.lexical import B, K1, LexicalQueries, analyzed_rows
from assistant.text.analyzer import GermanAnalyzer

# bm25s sets its own logger to DEBUG at import, which floods every door's output.
logging.getLogger("bm25s").setLevel(logging.WARNING)

_EMPTY_MARKER = "empty.json"  # the saved lexical index of a generation without rows


class LexicalIndex(LexicalQueries):
    """BM25 over analyzed chunk texts; row i of the index is chunk row i of the snapshot."""

    def __init__(self, retriever: bm25s.BM25 | None, analyzer: GermanAnalyzer) -> None:
        """``retriever`` None is the index of no rows: an emptied knowledge base is a normal state (bm25s cannot
        index an empty corpus, so that case is kept apart here and saved as a marker file)."""
        self._bm25 = retriever
        if retriever is None:
            super().__init__({}, np.zeros(0, dtype=np.int64), 0, analyzer)
            return
        indptr = np.asarray(retriever.scores["indptr"])
        df = np.diff(indptr)  # the score matrix is column-compressed by term: df = entries per term
        super().__init__(dict(retriever.vocab_dict or {}), df, int(retriever.scores["num_docs"]), analyzer)

    @classmethod
    def build(cls, texts: list[str], analyzer: GermanAnalyzer | None = None) -> LexicalIndex:
        analyzer = analyzer or GermanAnalyzer()
        if not texts:
            return cls(None, analyzer)
        retriever = bm25s.BM25(k1=K1, b=B)
        retriever.index(analyzed_rows(texts, analyzer), show_progress=False)
        return cls(retriever, analyzer)

    def save(self, directory: Path) -> None:
        if self._bm25 is None:
            directory.mkdir(parents=True, exist_ok=True)
            (directory / _EMPTY_MARKER).write_text("{}", encoding="utf-8")
            return
        self._bm25.save(str(directory))

    @classmethod
    def load(cls, directory: Path, analyzer: GermanAnalyzer | None = None) -> LexicalIndex:
        if (directory / _EMPTY_MARKER).exists():
            return cls(None, analyzer or GermanAnalyzer())
        return cls(bm25s.BM25.load(str(directory)), analyzer or GermanAnalyzer())

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for ``query`` (zeros when no term is known)."""
        terms = self.query_terms(query)
        if not terms or self._bm25 is None:
            return np.zeros(self._n_rows, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)

    def _columns(self, terms: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        scores = self._bm25.scores
        data, indices, indptr = scores["data"], scores["indices"], scores["indptr"]
        out = []
        for term in terms:
            tid = self._vocab[term]
            out.append((
                np.asarray(indices[indptr[tid] : indptr[tid + 1]]),
                np.asarray(data[indptr[tid] : indptr[tid + 1]], dtype=np.float32),
            ))
        return out
