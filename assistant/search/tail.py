"""Which documents are too weak to list: the tail far below the best hit.

Fused scores are rescaled per query (``fusion.py``), so every query has a "best"
document near the top of the scale and a long tail of documents that share a word
or two with it; listing all of them (44–56 for any query, "xyzzy qwrt" included)
buries the few that matter.  A document is listed when its score reaches
``ratio`` × the best document's score; at least ``keep`` documents stay, so a
search that found anything always shows something (its confidence says how far to
trust it).  The ratio was chosen on the evaluation questions so that no relevant
document of the uncut top 10 is lost (``bench/tail_cut.py``, decision 0007).
"""

from __future__ import annotations

from collections.abc import Sequence


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
