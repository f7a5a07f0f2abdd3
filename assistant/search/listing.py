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

*Facet counts.*  Per type, region, Land and programme: how many documents a search filtered
to that value would list, so the page can say what a filter leaves.
"""

from __future__ import annotations

import unicodedata
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


def _facet_values(hit: DocumentHit) -> dict[str, set[str]]:
    meta = hit.document.metadata
    return {"type": {hit.document.doc_type}, "region": set(meta.region), "land": set(meta.land),
            "programm": set(meta.programm)}


def facet_counts(ranking: list[DocumentHit], ratio: float, keep: int) -> dict[str, dict[str, int]]:
    """Per facet value: how many documents a search filtered to it would list (most first).

    Counting the documents of the current listing was misleading: a filter re-ranks only
    the documents it allows, and the tail cut then measures against *their* best, so
    "Brandenburg (2)" turned into three hits after the click.  Here each value's share of
    the whole ``ranking`` (best first, uncut) goes through the same cut on its own.
    """
    scores: dict[str, dict[str, list[float]]] = {name: {} for name in FACETS}
    for hit in ranking:
        for name, values in _facet_values(hit).items():
            for value in values:
                scores[name].setdefault(value, []).append(hit.score)
    return {
        name: dict(sorted(((v, keep_count(s, ratio, keep)) for v, s in by_value.items()), key=lambda kv: (-kv[1], kv[0])))
        for name, by_value in scores.items()
    }
