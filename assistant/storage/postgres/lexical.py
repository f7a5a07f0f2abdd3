"""BM25 from term statistics in the database: our analyzer's terms, their postings, real BM25.

The German analyzer (folding, stop words, stems, compound parts) stays in Python;
the database stores what it produced: per term its df and its postings (row ids and
term frequencies as little-endian int32 arrays in two ``bytea`` columns), per row its
length.  A query fetches the rows of its few terms by primary key and computes BM25
exactly as the snapshot does (``storage/lexical.py``), so both backends rank the same.

Why arrays per term rather than a (term, row, tf) table: a generation is written in
one batch and never changed, which is the one case where arrays cost nothing, and the
retriever needs the BM25 score of *every* matching row (not a top 10), which is two
``np.frombuffer`` calls per term here instead of thousands of result rows
(docs/decisions/0005-postgres-backend.md has the measurements).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import psycopg
from psycopg import sql

from assistant.storage.lexical import LexicalQueries, contributions
from assistant.text.analyzer import GermanAnalyzer

INT32 = np.dtype("<i4")
RECENT_POSTINGS = 2_000_000  # postings of recently queried terms kept in memory per open generation


@dataclass
class TermStatistics:
    """What a generation's lexical side stores: terms with postings, and row lengths."""

    terms: list[str]  # term id → term
    df: np.ndarray  # term id → number of rows containing it
    rows: list[np.ndarray]  # term id → sorted row ids (int32)
    tfs: list[np.ndarray]  # term id → term frequency in those rows (int32)
    dls: np.ndarray  # row → number of terms (int32)

    @property
    def avgdl(self) -> float:
        return float(self.dls.mean()) if len(self.dls) else 0.0


def term_statistics(analyzed: Iterable[list[str]]) -> TermStatistics:
    """Postings of analysed rows (see ``lexical.analyzed_rows``), grouped by term, rows ascending."""
    vocab: dict[str, int] = {}
    term_ids: list[np.ndarray] = []
    row_ids: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    dls: list[int] = []
    for row, tokens in enumerate(analyzed):
        ids = np.fromiter((vocab.setdefault(t, len(vocab)) for t in tokens), dtype=np.int32, count=len(tokens))
        unique, tf = np.unique(ids, return_counts=True)
        term_ids.append(unique)
        counts.append(tf.astype(np.int32))
        row_ids.append(np.full(len(unique), row, dtype=np.int32))
        dls.append(len(tokens))
    if not term_ids:
        return TermStatistics([], np.zeros(0, np.int64), [], [], np.zeros(0, np.int32))
    all_terms, all_rows, all_tfs = np.concatenate(term_ids), np.concatenate(row_ids), np.concatenate(counts)
    order = np.argsort(all_terms, kind="stable")  # rows stay ascending within a term
    all_terms, all_rows, all_tfs = all_terms[order], all_rows[order], all_tfs[order]
    bounds = np.searchsorted(all_terms, np.arange(len(vocab) + 1))
    rows = [all_rows[bounds[i] : bounds[i + 1]] for i in range(len(vocab))]
    tfs = [all_tfs[bounds[i] : bounds[i + 1]] for i in range(len(vocab))]
    return TermStatistics(list(vocab), np.diff(bounds).astype(np.int64), rows, tfs, np.asarray(dls, dtype=np.int32))


class PgLexical(LexicalQueries):
    """The lexical side of one PostgreSQL generation.

    The vocabulary (term → df) is read on open, so query resolution and typo
    correction cost no round trip; postings are read per query and the recently
    used ones kept in memory (a generation never changes).
    """

    def __init__(
        self,
        run: Callable[[Callable[[psycopg.Connection], object]], object],
        schema: str,
        vocab: dict[str, int],
        df: np.ndarray,
        dls: np.ndarray,
        avgdl: float,
        analyzer: GermanAnalyzer,
    ) -> None:
        super().__init__(vocab, df, len(dls), analyzer)
        self._run = run
        self._dls = dls.astype(np.float64)
        self._avgdl = avgdl
        self._query = sql.SQL("SELECT id, rows, tfs FROM {}.terms WHERE id = ANY(%s)").format(sql.Identifier(schema))
        self._recent: OrderedDict[int, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._recent_size = 0
        self._lock = threading.Lock()

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row, summed over the query terms in order (as bm25s sums them)."""
        out = np.zeros(self._n_rows, dtype=np.float32)
        for rows, values in self._columns(self.query_terms(query)):
            np.add.at(out, rows, values)
        return out

    def _columns(self, terms: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        ids = [self._vocab[t] for t in terms]
        with self._lock:
            found = {i: self._recent[i] for i in ids if i in self._recent}
            for i in found:
                self._recent.move_to_end(i)
        missing = sorted(set(ids) - set(found))
        if missing:
            fetched = self._fetch(missing)
            found |= fetched
            self._remember(fetched)
        return [found[i] for i in ids]

    def _fetch(self, ids: list[int]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        records = self._run(lambda conn: conn.execute(self._query, (ids,), binary=True).fetchall())
        out = {}
        for term_id, rows_blob, tfs_blob in records:  # type: ignore[union-attr]
            rows = np.frombuffer(rows_blob, dtype=INT32)
            tfs = np.frombuffer(tfs_blob, dtype=INT32)
            idf = self._idf[term_id]
            out[term_id] = (rows, contributions(idf, tfs, self._dls[rows], self._avgdl))
        return out

    def _remember(self, fetched: dict[int, tuple[np.ndarray, np.ndarray]]) -> None:
        with self._lock:
            for term_id, column in fetched.items():
                if term_id not in self._recent:
                    self._recent[term_id] = column
                    self._recent_size += len(column[0])
            while self._recent_size > RECENT_POSTINGS and len(self._recent) > 1:
                _, (rows, _) = self._recent.popitem(last=False)
                self._recent_size -= len(rows)
