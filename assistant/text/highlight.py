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


def matching_words(text: str, query_terms: Iterable[str], analyze: Callable[[str], list[str]]) -> list[str]:
    """The distinct words of ``text`` (as written) that share an analysed term with the query."""
    terms = set(query_terms)
    if not terms:
        return []
    verdict: dict[str, bool] = {}
    for match in WORD.finditer(text):
        word = match.group()
        if word not in verdict:
            verdict[word] = not terms.isdisjoint(analyze(word))
    return [word for word, hit in verdict.items() if hit]
