"""German lexical retrieval: an analyzer (folding, stop words, stemming, compounds) + bm25s.

Why each step: umlaut folding so "Foerderung" finds "Förderung" (Snowball's German
stemmer maps ae/oe/ue and ä/ö/ü to the same stem); stop words so "Wie bekomme ich
die Förderung" is about "Förderung"; compound splitting (CharSplit n-gram model
from the `compound-split` package) so "Wasserstoffprojekte" and "Projekt zu
Wasserstoff" share terms.  Parts are added *beside* the whole word, so exact
compound matches still score highest.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_GERMAN

# bm25s sets its own logger to DEBUG at import, which floods every door's output.
logging.getLogger("bm25s").setLevel(logging.WARNING)

_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*", re.UNICODE)
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_MIN_COMPOUND = 9  # characters; shorter words are rarely compounds worth splitting
_MIN_PART = 4
_SPLIT_SCORE = 0.3  # CharSplit score above which we trust a split (checked on our vocabulary)
_UMLAUT = re.compile("[äöüß]")


def fold_umlauts(text: str) -> str:
    """ä→ae, ö→oe, ü→ue, ß→ss (expects lowercase)."""
    return text.translate(_FOLD)


_STOP = frozenset(fold_umlauts(w.lower()) for w in (*STOPWORDS_GERMAN, *STOPWORDS_EN)) | {
    "gibt",
    "gibts",
    "bitte",
    "welche",
    "welcher",
    "welches",
    "wer",
    "wie",
    "was",
    "wo",
    "wann",
    "kann",
    "koennen",
    "muss",
    "mal",
    "ne",
    "nen",
}


@functools.lru_cache(maxsize=1)
def _splitter():  # noqa: ANN202 - third-party module object
    from compound_split import char_split  # loads its n-gram table (~1.5 s), so only on first use

    return char_split


@functools.lru_cache(maxsize=200_000)
def compound_parts(word: str) -> tuple[str, ...]:
    """Split a lowercase German compound into its two main parts, or () if it is none."""
    if len(word) < _MIN_COMPOUND or not word.isalpha():
        return ()
    # The n-gram model was trained on umlaut spelling; "foerdermittel" only splits well
    # as "fördermittel".  The parts are folded again by the caller, so this is consistent.
    if not _UMLAUT.search(word):
        word = word.replace("ae", "ä").replace("oe", "ö").replace("ue", "ü")
    best = _splitter().split_compound(word)[0]
    score, head, tail = best[0], str(best[1]).lower(), str(best[2]).lower()
    if score < _SPLIT_SCORE or len(head) < _MIN_PART or len(tail) < _MIN_PART:
        return ()
    return (head, tail)


class GermanAnalyzer:
    """Text → list of index terms; the same function for documents and queries."""

    def __init__(self, split_compounds: bool = True) -> None:
        self._stemmer = Stemmer.Stemmer("german")
        self._split = split_compounds

    def words(self, text: str) -> list[str]:
        """Lowercased, NFC-normalised words and numbers, hyphenated parts kept apart too."""
        text = unicodedata.normalize("NFKC", text).lower()
        out: list[str] = []
        for match in _WORD.finditer(text):
            token = match.group()
            if "-" in token:
                out.extend(p for p in token.split("-") if p)
                out.append(token.replace("-", ""))
            else:
                out.append(token)
        return out

    def analyze(self, text: str) -> list[str]:
        terms: list[str] = []
        for word in self.words(text):
            folded = fold_umlauts(word)
            if folded in _STOP or (len(folded) < 2 and not folded.isdigit()):
                continue
            terms.append(folded)
            if self._split:
                terms.extend(fold_umlauts(p) for p in compound_parts(word))
        return self._stemmer.stemWords(terms)


class LexicalIndex:
    """BM25 over analyzed chunk texts; row i of the index is chunk row i of the snapshot."""

    def __init__(self, retriever: bm25s.BM25, analyzer: GermanAnalyzer) -> None:
        self._bm25 = retriever
        self._analyzer = analyzer
        self._vocab: dict[str, int] = dict(retriever.vocab_dict or {})
        indptr = np.asarray(retriever.scores["indptr"])
        n = int(retriever.scores["num_docs"])
        df = np.diff(indptr)  # the score matrix is column-compressed by term: df = entries per term
        self._idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
        self._max_idf = float(np.log(1.0 + (n + 0.5) / 0.5))  # what an unseen term would weigh

    @classmethod
    def build(cls, texts: list[str], analyzer: GermanAnalyzer | None = None) -> LexicalIndex:
        analyzer = analyzer or GermanAnalyzer()
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        # An empty analyzed text still needs a row so row numbers stay aligned with chunks.
        retriever.index([analyzer.analyze(t) or ["∅"] for t in texts], show_progress=False)
        return cls(retriever, analyzer)

    def save(self, directory: Path) -> None:
        self._bm25.save(str(directory))

    @classmethod
    def load(cls, directory: Path, analyzer: GermanAnalyzer | None = None) -> LexicalIndex:
        return cls(bm25s.BM25.load(str(directory)), analyzer or GermanAnalyzer())

    def query_terms(self, query: str) -> list[str]:
        return [t for t in self._analyzer.analyze(query) if t in self._vocab]

    def term_weights(self, query: str) -> dict[str, float]:
        """idf of every distinct analyzed query term; unseen terms get the highest possible idf."""
        return {
            t: float(self._idf[self._vocab[t]]) if t in self._vocab else self._max_idf
            for t in dict.fromkeys(self._analyzer.analyze(query))
        }

    def known_terms(self, terms: dict[str, float] | list[str]) -> set[str]:
        return {t for t in terms if t in self._vocab}

    def analyze(self, text: str) -> list[str]:
        return self._analyzer.analyze(text)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for ``query`` (zeros when no term is known)."""
        terms = self.query_terms(query)
        n = int(self._bm25.scores["num_docs"])
        if not terms:
            return np.zeros(n, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)

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
