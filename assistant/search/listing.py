"""What a search lists: the documents above the weak tail, in the order asked for, with facet counts.

*Weak tail.*  Fused scores are rescaled per query (``fusion.py``), so every query has a
"best" document near the top of the scale and a long tail of documents that share a
word or two with it; listing all of them (44–56 for any query, "xyzzy qwrt" included)
buried the few that matter.  A document is listed when its score reaches ``ratio`` ×
the best document's score; at least ``keep`` documents stay, so a search that found
anything shows something (its confidence says how far to trust it).  The numbers
were chosen on the evaluation questions so that no relevant document of the uncut
top 10 is lost (``bench/tail_cut.py``, docs/decisions/0007).

*Order.*  Relevance (the ranking), ``stand`` (newest first, undated last) or title.

*Facet counts.*  How many listed documents carry each type, region, Land and programme,
so filter menus can say what a filter would leave.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from typing import Literal

from assistant.search.result import DocumentHit

Sort = Literal["relevance", "stand", "title"]
SORTS: tuple[Sort, ...] = ("relevance", "stand", "title")
FACETS = ("type", "region", "land", "programm")


def keep_count(scores: Sequence[float], ratio: float, keep: int) -> int:
    """How many of the best-first ``scores`` to list; ``ratio`` 0 lists all of them."""
    if ratio <= 0 or len(scores) <= keep:
        return len(scores)
    best = scores[0]
    if best <= 0:  # every document demoted below zero (another Land): nothing stands out
        return keep
    floor = ratio * best
    n = keep
    while n < len(scores) and scores[n] >= floor:
        n += 1
    return n


def _title_key(title: str) -> str:
    """Case- and accent-insensitive, so "Ökologie" sorts with "O", not after "Z"."""
    plain = unicodedata.normalize("NFKD", title.casefold())
    return "".join(c for c in plain if not unicodedata.combining(c))


def sort_hits(hits: list[DocumentHit], sort: Sort) -> list[DocumentHit]:
    """The listed documents in the requested order (stable: equal keys keep their relevance order)."""
    if sort == "title":
        return sorted(hits, key=lambda h: _title_key(h.document.title))
    if sort == "stand":
        return sorted(hits, key=lambda h: -(h.document.metadata.stand.toordinal() if h.document.metadata.stand else 0))
    return list(hits)


def facet_counts(hits: list[DocumentHit]) -> dict[str, dict[str, int]]:
    """Per facet, how many of ``hits`` carry each value (most frequent first)."""
    counts: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
    for hit in hits:
        meta = hit.document.metadata
        counts["type"][hit.document.doc_type] += 1
        for name, values in (("region", meta.region), ("land", meta.land), ("programm", meta.programm)):
            counts[name].update(set(values))
    return {name: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))) for name, c in counts.items()}
