"""Where a text is: Länder, districts and towns of the two Reviere → Land and Revier.

"Wir sind eine Gemeinde im Landkreis Spree-Neiße" names no Land, yet only
Brandenburg's programmes are open to it.  The gazetteer (``data/places.yaml``: the
districts of § 2 InvKG, their larger towns, and the Altenburger Land) says which Land
and Revier a name belongs to; ``regions`` holds the rule what follows from that.
"""

from __future__ import annotations

import functools
import re

from assistant.domain import vocabulary
from assistant.domain.regions import Location


@functools.cache
def _gazetteer() -> tuple[tuple[re.Pattern[str], str | None, str | None], ...]:
    """(pattern, Land or None, Revier or None) per gazetteer entry.

    A name also counts with the adjective ending "-er" ("Leipziger") and as part of a
    double name ("BTU Cottbus-Senftenberg"), but not inside a compound ("Cottbus-basiert").
    """
    out = []
    for entry in vocabulary.load("places.yaml")["places"]:
        alternatives = [re.escape(n) for n in entry.get("names") or []] + list(entry.get("patterns") or [])
        pattern = re.compile(rf"(?<![\w-])(?:{'|'.join(alternatives)})(?:er)?(?!\w|-[a-zäöüß])")
        out.append((pattern, entry.get("land"), entry.get("revier")))
    return tuple(out)


@functools.lru_cache(maxsize=4096)
def locate(text: str) -> Location:
    """Länder and Reviere named in ``text`` (cached: every search asks once per query)."""
    lands: set[str] = set()
    regions: set[str] = set()
    for pattern, land, region in _gazetteer():
        if pattern.search(text):
            if land:
                lands.add(land)
            if region:
                regions.add(region)
    return Location(frozenset(lands), frozenset(regions))


def mentions(text: str) -> list[tuple[int, int]]:
    """Character spans of every place name in ``text`` (for replacing one place by another)."""
    spans = sorted({m.span() for pattern, _, _ in _gazetteer() for m in pattern.finditer(text)})
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
