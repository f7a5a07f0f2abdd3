"""German text analysis for search: folding, stop words, stemming, compound parts.

Why each step: umlaut folding so "Foerderung" finds "Förderung" (Snowball's German
stemmer maps ae/oe/ue and ä/ö/ü to the same stem); stop words so "Wie bekomme ich
die Förderung" is about "Förderung"; compound splitting (CharSplit n-gram model
from the `compound-split` package) so "Wasserstoffprojekte" and "Projekt zu
Wasserstoff" share terms.  Parts are added *beside* the whole word, so exact
compound matches still score highest.  The same analysis serves documents and
queries, the BM25 index and every word comparison in answering.
"""

from __future__ import annotations

import functools
import re
import sys
import threading
import types
import unicodedata

import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_GERMAN

from assistant.domain import vocabulary

MEMO_SIZE = 4096  # analysed texts remembered per analyzer
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*", re.UNICODE)
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_MIN_COMPOUND = 9  # characters; shorter words are rarely compounds worth splitting
_MIN_PART = 4
_SPLIT_SCORE = 0.3  # CharSplit score above which we trust a split (checked on our vocabulary)
_UMLAUT = re.compile("[äöüß]")


def fold_umlauts(text: str) -> str:
    """ä→ae, ö→oe, ü→ue, ß→ss (expects lowercase)."""
    return text.translate(_FOLD)


def fold(text: str) -> str:
    """Case- and umlaut-insensitive form of a label ("Thüringen" = "thueringen")."""
    return fold_umlauts(text.casefold())


# Function words of one language only: a query with more English than German ones is English,
# and its unknown words are not typos of German index terms ("which" is no "wich").
_ENGLISH_ONLY = frozenset(STOPWORDS_EN) - {w.lower() for w in STOPWORDS_GERMAN}
_GERMAN_ONLY = {w.lower() for w in STOPWORDS_GERMAN} - frozenset(STOPWORDS_EN)
_STOP = frozenset(fold_umlauts(w.lower()) for w in (*STOPWORDS_GERMAN, *STOPWORDS_EN)) | frozenset(
    vocabulary.words("analyzer.yaml", "extra_stop_words")
)


def is_english(words: list[str]) -> bool:
    """More English-only than German-only function words among ``words`` (lowercase)."""
    return sum(w in _ENGLISH_ONLY for w in words) > sum(w in _GERMAN_ONLY for w in words)


@functools.lru_cache(maxsize=1)
def _splitter():  # noqa: ANN202 - third-party module object
    """compound-split's CharSplit, imported on first use: its German n-gram table takes ~1.4 s.

    ``char_split`` also imports the Dutch table at module level although we only split
    German; an empty stand-in module for it saves 0.75 s of every server start.
    """
    dutch = "compound_split.nl_ngram_probs"
    if dutch not in sys.modules:
        sys.modules[dutch] = types.ModuleType(dutch, "not loaded: Revierlotse splits German only")
    from compound_split import char_split

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

    def __init__(self, split_compounds: bool = True, memo_size: int = MEMO_SIZE) -> None:
        self._split = split_compounds
        self._local = threading.local()  # PyStemmer instances are not thread-safe: one per thread
        # Queries, and the passages and sentences scored for them, repeat; stemming and compound
        # splitting were the largest Python cost of a search under load (py-spy), so remember them.
        self._memo = functools.lru_cache(maxsize=memo_size)(self._analyze)

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
        return list(self._memo(text))

    def _analyze(self, text: str) -> tuple[str, ...]:
        terms: list[str] = []
        for word in self.words(text):
            folded = fold_umlauts(word)
            if folded in _STOP or (len(folded) < 2 and not folded.isdigit()):
                continue
            terms.append(folded)
            if self._split:
                terms.extend(fold_umlauts(p) for p in compound_parts(word))
        return tuple(self._stemmer().stemWords(terms))

    def _stemmer(self) -> Stemmer.Stemmer:
        stemmer = getattr(self._local, "stemmer", None)
        if stemmer is None:
            stemmer = self._local.stemmer = Stemmer.Stemmer("german")
        return stemmer
