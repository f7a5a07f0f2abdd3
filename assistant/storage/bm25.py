"""The lexical index: BM25 (bm25s) over the German analyzer's terms, one row per chunk.

Queries are then resolved against the index vocabulary (``LexicalIndex.resolve``):
a typo ("Förderqoute", "Lausiz") would otherwise drop the one rare word that finds
the document, so an unknown word is replaced by the nearest frequent index term
(rapidfuzz over the vocabulary; English queries are left alone).
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import bm25s
import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from assistant.text.analyzer import GermanAnalyzer, fold_umlauts, is_english

# bm25s sets its own logger to DEBUG at import, which floods every door's output.
logging.getLogger("bm25s").setLevel(logging.WARNING)

_FUZZY_MIN_CHARS = 5  # shorter unknown terms are too often real words with a near neighbour
_FUZZY_LONG_CHARS = 8  # from this length a term may be two edits away from its correction
_FUZZY_MIN_DF = 2  # a correction must be a term of at least this many chunks (hapaxes are noise)
_MAX_CACHED_CORRECTIONS = 50_000
_MEMO_SIZE = 4096  # analysed texts and resolved queries remembered









_MIN_TAIL_CHARS = 8  # a known compound at the end of a longer one ("…kohleverstromung")
_EMPTY_MARKER = "empty.json"  # the saved lexical index of a generation without rows






class LexicalIndex:
    """BM25 over analyzed chunk texts; row i of the index is chunk row i of the snapshot."""

    def __init__(self, retriever: bm25s.BM25 | None, analyzer: GermanAnalyzer) -> None:
        """``retriever`` None is the index of no rows: an emptied knowledge base is a normal state (bm25s cannot
        index an empty corpus, so that case is kept apart here and saved as a marker file)."""
        self._bm25 = retriever
        self._analyzer = analyzer
        self._vocab: dict[str, int] = dict(retriever.vocab_dict or {}) if retriever else {}
        indptr = np.asarray(retriever.scores["indptr"]) if retriever else np.zeros(1, dtype=np.int64)
        n = self._rows = int(retriever.scores["num_docs"]) if retriever else 0
        df = np.diff(indptr)  # the score matrix is column-compressed by term: df = entries per term
        self._idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
        self._max_idf = float(np.log(1.0 + (n + 0.5) / 0.5))  # what an unseen term would weigh
        self._df = df
        self._corrections: dict[str, str | None] = {}
        self._resolved = functools.lru_cache(maxsize=_MEMO_SIZE)(self._resolve)  # a search resolves its query twice

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

    @classmethod
    def build(cls, texts: list[str], analyzer: GermanAnalyzer | None = None) -> LexicalIndex:
        analyzer = analyzer or GermanAnalyzer()
        if not texts:
            return cls(None, analyzer)
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        # An empty analyzed text still needs a row so row numbers stay aligned with chunks.
        retriever.index([analyzer.analyze(t) or ["∅"] for t in texts], show_progress=False)
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
        """The resolved query terms the index knows (what BM25 scores)."""
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

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for ``query`` (zeros when no term is known)."""
        terms = self.query_terms(query)
        if not terms or self._bm25 is None:
            return np.zeros(self._rows, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)

    def document_scores(
        self, query: str, row_doc: np.ndarray, n_docs: int, allowed: np.ndarray | None = None
    ) -> np.ndarray:
        """Per document: the sum over distinct query terms of the term's best BM25 contribution in any row.

        A project description names several things (who, what, where) that a programme's
        document covers in different sections; a passage score only sees one section.
        ``allowed`` is a boolean row mask; rows outside it contribute nothing.
        """
        total = np.zeros(n_docs, dtype=np.float32)
        if self._bm25 is None:
            return total
        scores = self._bm25.scores
        data, indices, indptr = scores["data"], scores["indices"], scores["indptr"]
        for term in dict.fromkeys(self.query_terms(query)):
            tid = self._vocab[term]
            rows = np.asarray(indices[indptr[tid] : indptr[tid + 1]])
            values = np.asarray(data[indptr[tid] : indptr[tid + 1]], dtype=np.float32)
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
