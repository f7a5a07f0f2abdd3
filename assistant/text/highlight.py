"""Which words of a passage to highlight for a query: whole words whose own analysis shares a query term.

Marking every word that merely *contains* a query string lit up fragments ("stoff" in
"Chemierohstoff", "start" in "Zum Start" for "Startups").  Here each word of the passage
goes through the same analyzer as the index (folding, stemming, compound parts), and
the word is marked, whole, when one of its terms is one of the query's terms: the
query "Förderungen" marks "Förderung", the query "Rohstoff" marks "Chemierohstoff"
(a whole part of the compound), the query "Stoff" marks neither.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

# The analyzer's notion of a word: letters and digits, hyphenated parts kept together.
WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*", re.UNICODE)


class WordMarker:
    """Marks for one query over many passages: each distinct word is analysed once per query."""

    def __init__(self, query_terms: Iterable[str], analyze: Callable[[str], Iterable[str]]) -> None:
        self.terms = set(query_terms)
        self.analyze = analyze
        self._verdict: dict[str, bool] = {}

    def marks(self, text: str) -> list[str]:
        """The distinct words of ``text`` (as written) that share an analysed term with the query."""
        if not self.terms:
            return []
        verdict = self._verdict
        seen: dict[str, bool] = {}
        for word in WORD.findall(text):
            if word not in seen:
                hit = verdict.get(word)
                if hit is None:
                    hit = verdict[word] = not self.terms.isdisjoint(self.analyze(word))
                seen[word] = hit
        return [word for word, hit in seen.items() if hit]
