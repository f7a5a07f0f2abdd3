"""The one rule for place: which documents are about somewhere other than where a question is.

A Saxon company cannot use Brandenburg's GRW guideline, and a Verein in Weißwasser
gains nothing from Sachsen-Anhalt's programmes.  Documents carry ``land`` in their
front matter; a text names where it is (``places.locate``).  A document is *elsewhere*
for a location when it names at least one of the four Länder of the Reviere and none
of the located ones, or — when the location names a Revier — at least one Revier and
none of the located ones.  Documents of the Bund or the EU alone, and untagged ones,
never are.  Search demotes such documents; nothing else applies the rule again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from assistant.domain import vocabulary
from assistant.errors import UnknownRegion


def _fold(text: str) -> str:
    return text.strip().casefold()


LANDS: tuple[str, ...] = vocabulary.words("places.yaml", "lands")
REVIERE: tuple[str, ...] = vocabulary.words("places.yaml", "reviere")


def known_place(name: str) -> str:
    """The Land or Revier ``name`` means, spelled as the knowledge base spells it; anything else is refused.

    A project check for "Bayern" would silently check without any place (``Location.named``
    ignores unknown names) and answer as if for everywhere.
    """
    for place in (*REVIERE, *LANDS):
        if _fold(place) == _fold(name):
            return place
    raise UnknownRegion(
        f"Die Region '{name.strip()}' kennt der Wissensbestand nicht. Möglich sind die Reviere "
        f"{' und '.join(REVIERE)} und die Länder {', '.join(LANDS[:-1])} und {LANDS[-1]} – oder keine Angabe."
    )


@dataclass(frozen=True)
class Location:
    """The Länder and Reviere a text names, directly or through a district or town."""

    lands: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.lands or self.regions)

    def __or__(self, other: Location) -> Location:
        return Location(self.lands | other.lands, self.regions | other.regions)

    def excludes(self, lands: Iterable[str], regions: Iterable[str] = ()) -> bool:
        """Whether a document tagged with ``lands`` and ``regions`` is about other places only."""
        named_lands = set(lands) & set(LANDS)
        named_regions = set(regions) & set(REVIERE)
        other_land = bool(self.lands) and bool(named_lands) and not named_lands & self.lands
        other_revier = bool(self.regions) and bool(named_regions) and not named_regions & self.regions
        return other_land or other_revier

    @classmethod
    def named(cls, names: Iterable[str]) -> Location:
        """The location of explicit Land or Revier names (a region filter); other names are ignored."""
        folded = {_fold(n): n for n in names if n}
        return cls(
            frozenset(land for land in LANDS if _fold(land) in folded),
            frozenset(revier for revier in REVIERE if _fold(revier) in folded),
        )

    def names_any(self, places: Iterable[str]) -> bool:
        """Whether any of ``places`` (a document's Länder and Reviere) is one this location names."""
        return bool(set(places) & (self.lands | self.regions))


def excluded_documents(
    land_masks: Mapping[str, np.ndarray], region_masks: Mapping[str, np.ndarray], n_docs: int, location: Location
) -> np.ndarray:
    """``Location.excludes`` for every document at once, from per-value document masks.

    Same rule as above, in vector form over a snapshot's facet masks (value → boolean
    mask over documents), so it costs no metadata parsing however large the corpus.
    """

    def any_of(masks: Mapping[str, np.ndarray], names: Iterable[str]) -> np.ndarray:
        wanted = {n.casefold() for n in names}
        out = np.zeros(n_docs, dtype=bool)
        for value, mask in masks.items():
            if value.casefold() in wanted:
                out |= mask
        return out

    excluded = np.zeros(n_docs, dtype=bool)
    if location.lands:
        excluded |= any_of(land_masks, LANDS) & ~any_of(land_masks, location.lands)
    if location.regions:
        excluded |= any_of(region_masks, REVIERE) & ~any_of(region_masks, location.regions)
    return excluded
