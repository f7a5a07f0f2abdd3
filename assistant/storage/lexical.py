"""The query side of BM25, shared by every backend: analysis, vocabulary, typo correction, idf.

A backend only says where the postings are (bm25s files in a snapshot, term rows in
PostgreSQL); how a query becomes terms and how a term's BM25 contribution is
computed lives here, once, so both backends rank identically.

Queries are resolved against the index vocabulary (``resolve``): a typo
("Förderqoute", "Lausiz") would otherwise drop the one rare word that finds the
document, so an unknown word is replaced by the nearest frequent index term
(rapidfuzz over the vocabulary; English queries are left alone).

BM25 is bm25s' "lucene" variant (k1 = 1.2, b = 0.75):
idf = ln(1 + (N − df + 0.5) / (df + 0.5)), contribution = idf · tf / (tf + k1 (1 − b + b · dl / avgdl)).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from assistant.text.analyzer import GermanAnalyzer, fold_umlauts, is_english

K1 = 1.2
B = 0.75
EMPTY_ROW_TERM = "∅"  # an empty analysed text still needs a row, so row numbers stay aligned with chunks

_FUZZY_MIN_CHARS = 5  # shorter unknown terms are too often real words with a near neighbour
_FUZZY_LONG_CHARS = 8  # from this length a term may be two edits away from its correction
_FUZZY_MIN_DF = 2  # a correction must be a term of at least this many chunks (hapaxes are noise)
_MAX_CACHED_CORRECTIONS = 50_000
_MAX_WORD_TERMS = 200_000  # words whose terms are remembered for highlighting
_MEMO_SIZE = 4096  # resolved queries remembered
_MIN_TAIL_CHARS = 8  # a known compound at the end of a longer one ("…kohleverstromung")


def analyzed_rows(texts: Iterable[str], analyzer: GermanAnalyzer) -> list[list[str]]:
    """The terms of every chunk text as the lexical index stores them (one list per row)."""
    return [analyzer.analyze(t) or [EMPTY_ROW_TERM] for t in texts]


def idf_of(df: np.ndarray | int, n_rows: int) -> np.ndarray:
    """bm25s' lucene idf, float32 as bm25s stores it."""
    df = np.asarray(df, dtype=np.float64)
    return np.log(1.0 + (n_rows - df + 0.5) / (df + 0.5)).astype(np.float32)


def contributions(idf: np.float32, tfs: np.ndarray, dls: np.ndarray, avgdl: float) -> np.ndarray:
    """BM25 contribution of one term in the rows that contain it (float32, as bm25s computes it)."""
    tfs = tfs.astype(np.float32)
    tfc = tfs / (K1 * ((1 - B) + B * dls / np.float64(avgdl)) + tfs)
    return (np.float32(idf) * tfc).astype(np.float32)


class LexicalQueries:
    """Query resolution and BM25 arithmetic over a vocabulary; subclasses supply the postings.

    ``vocab`` maps a term to its index in ``df`` (the number of rows containing it);
    ``n_rows`` is the number of chunk rows.
    """

    def __init__(self, vocab: dict[str, int], df: np.ndarray, n_rows: int, analyzer: GermanAnalyzer) -> None:
        self._vocab = vocab
        self._df = np.asarray(df, dtype=np.int64)
        self._n_rows = n_rows
        self._analyzer = analyzer
        self._idf = idf_of(self._df, n_rows) if len(self._df) else np.zeros(0, dtype=np.float32)
        self._max_idf = float(math.log(1.0 + (n_rows + 0.5) / 0.5))  # what an unseen term would weigh
        self._corrections: dict[str, str | None] = {}
        self._word_terms: dict[str, frozenset[str]] = {}
        self._resolved = functools.lru_cache(maxsize=_MEMO_SIZE)(self._resolve)  # a search resolves its query twice

    # --- postings: what a backend provides -------------------------------------------

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for ``query`` (zeros when no term is known)."""
        raise NotImplementedError

    def _columns(self, terms: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per known term: the rows containing it and its BM25 contribution there."""
        raise NotImplementedError

    # --- vocabulary ---------------------------------------------------------------

    @functools.cached_property
    def _correctable(self) -> tuple[list[str], np.ndarray]:
        """Vocabulary terms a typo may be corrected to (long enough, in several chunks), with their df."""
        terms = [t for t, tid in self._vocab.items() if len(t) >= _FUZZY_MIN_CHARS - 1 and self._df[tid] >= _FUZZY_MIN_DF]
        return terms, np.array([self._df[self._vocab[t]] for t in terms], dtype=np.int64)

    def correct(self, term: str) -> str | None:
        """The known term nearest to an unknown one ("forderqout" → "forderquot"), or None.

        Typos in queries ("Förderqoute", "Strukturwandle") leave BM25 without the one rare
        word that would have found the document.  Only unknown terms of at least
        ``_FUZZY_MIN_CHARS`` characters are corrected, by one edit (two from
        ``_FUZZY_LONG_CHARS`` on; a swap of neighbours is one edit), to a term of at least
        ``_FUZZY_MIN_DF`` chunks; among equally near terms the most frequent wins.
        """
        if term in self._vocab or len(term) < _FUZZY_MIN_CHARS or not term.isalpha():
            return None
        cached = self._corrections.get(term, "")  # "" = not looked up yet (None = no correction)
        if cached != "":
            return cached
        if len(self._corrections) > _MAX_CACHED_CORRECTIONS:
            self._corrections.clear()
        nearest = self._corrections[term] = self._nearest(term)
        return nearest

    def _nearest(self, term: str) -> str | None:
        terms, df = self._correctable
        limit = 1 if len(term) < _FUZZY_LONG_CHARS else 2
        matches = process.extract(term, terms, scorer=OSA.distance, score_cutoff=limit, limit=None)
        if not matches:
            return None
        _, _, index = min(matches, key=lambda m: (m[1], -df[m[2]], m[0]))
        return terms[index]

    def resolve(self, query: str) -> list[str]:
        return list(self._resolved(query))

    def _resolve(self, query: str) -> tuple[str, ...]:
        """Analyzed query terms, mapped onto the vocabulary where the index lacks a word.

        Per word: a known term stays; an unknown compound whose parts are all known
        ("Strukturwandelgeld" → strukturwandel, geld) is represented by its parts alone, so
        it does not count as an unknown word, plus the longest known compound it ends with
        ("Braunkohleverstromung" → also kohleverstrom); any other unknown term is replaced by its
        typo correction if there is one (see ``correct``; not in English queries) and kept
        as it is otherwise.
        """
        words = self._analyzer.words(query)
        english = is_english(words)
        out: list[str] = []
        for word in words:
            terms = self._analyzer.analyze(word)
            if not terms:
                continue
            head, parts = terms[0], terms[1:]
            if head not in self._vocab and not (parts and all(p in self._vocab for p in parts)):
                # The stemmer cuts a misspelt word oddly ("kohleausstig" → "kohleausst"), so
                # the unstemmed word gets a second try against the stems.
                fixed = None if english else self.correct(head) or self.correct(fold_umlauts(word))
                out.append(fixed or head)
            elif head in self._vocab:
                out.append(head)
            out.extend(parts)
            if head not in self._vocab and parts:
                out.extend(self._known_tail(word, parts))
        return tuple(out)

    def _known_tail(self, word: str, parts: list[str]) -> list[str]:
        """The longest known compound a word ends with, beyond its last part.

        "Braunkohleverstromung" splits into braunkohle + verstromung, but the documents
        say "Kohleverstromung": that term carries the meaning better than either part.
        """
        folded = fold_umlauts(word.lower())
        for start in range(1, len(folded) - _MIN_TAIL_CHARS + 1):
            stems = self._analyzer.analyze(folded[start:])
            tail = stems[0] if stems else ""
            if tail in self._vocab and tail not in parts:
                return [tail]
        return []

    def query_terms(self, query: str) -> list[str]:
        """The resolved query terms the index knows (what BM25 scores; repeats count again)."""
        return [t for t in self.resolve(query) if t in self._vocab]

    def term_weights(self, query: str) -> dict[str, float]:
        """idf of every distinct resolved query term; unseen terms get the highest possible idf."""
        return {
            t: float(self._idf[self._vocab[t]]) if t in self._vocab else self._max_idf
            for t in dict.fromkeys(self.resolve(query))
        }

    def known_terms(self, terms: dict[str, float] | list[str] | set[str]) -> set[str]:
        return {t for t in terms if t in self._vocab}

    def analyze(self, text: str) -> list[str]:
        return self._analyzer.analyze(text)

    def word_terms(self, word: str) -> frozenset[str]:
        """The terms of one word, remembered (highlighting asks for the same words over and over)."""
        terms = self._word_terms.get(word)
        if terms is None:
            if len(self._word_terms) >= _MAX_WORD_TERMS:
                self._word_terms.clear()
            terms = self._word_terms[word] = frozenset(self._analyzer.analyze(word))
        return terms

    # --- scoring ------------------------------------------------------------------

    def document_scores(
        self, query: str, row_doc: np.ndarray, n_docs: int, allowed: np.ndarray | None = None
    ) -> np.ndarray:
        """Per document: the sum over distinct query terms of the term's best BM25 contribution in any row.

        A project description names several things (who, what, where) that a programme's
        document covers in different sections; a passage score only sees one section.
        ``allowed`` is a boolean row mask; rows outside it contribute nothing.
        """
        total = np.zeros(n_docs, dtype=np.float32)
        for rows, values in self._columns(list(dict.fromkeys(self.query_terms(query)))):
            if allowed is not None:
                rows, values = rows[allowed[rows]], values[allowed[rows]]
            best = np.zeros(n_docs, dtype=np.float32)
            np.maximum.at(best, row_doc[rows], values)
            total += best
        return total

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k rows and scores; ``allowed`` is a boolean row mask applied before ranking."""
        scores = self.scores(query)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        k = min(k, len(scores))
        if k == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        keep = scores[top] > 0
        return top[keep].astype(np.int64), scores[top][keep]
