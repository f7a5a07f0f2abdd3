"""Where a question is: Länder, districts and towns of the two Reviere → Land and Revier.

Why: "Wir sind eine Gemeinde im Landkreis Spree-Neiße" names no Land, yet only
Brandenburg's programmes are open to it, and the Saxon GRW guideline is no help to a
company in Halle.  The knowledge base tags documents with ``land`` and ``region``;
this module tells which of those a text is about, so retrieval can demote documents
of other Länder and answers can name the right contacts.

The districts are those of § 2 InvKG (``../shared/facts.md``); the towns are their
district seats and larger towns.  The Altenburger Land belongs to no InvKG area but
works with the Mitteldeutsches Revier.  Pure text analysis without dependencies, so
it sits below retrieval and answering.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

BRANDENBURG, SACHSEN, SACHSEN_ANHALT, THUERINGEN = "Brandenburg", "Sachsen", "Sachsen-Anhalt", "Thüringen"
LAUSITZ, MITTELDEUTSCHLAND = "Lausitz", "Mitteldeutsches Revier"
LANDS = (BRANDENBURG, SACHSEN, SACHSEN_ANHALT, THUERINGEN)

# (pattern, Land, Revier or None when a Land has parts in both).  Patterns are case-sensitive:
# place names are capitalised, and "Forst" or "Halle" are also common nouns, so those two only
# count in forms that name the town ("Forst (Lausitz)", "in Halle", "Halle (Saale)").
_PLACES: tuple[tuple[str, str, str | None], ...] = (
    # Lausitzer Revier, Brandenburg
    (r"Elbe-Elster|Finsterwalde|Herzberg \(Elster\)|Bad Liebenwerda|Lauchhammer", BRANDENBURG, LAUSITZ),
    (r"Oberspreewald-Lausitz|Senftenberg|Lübbenau|Großräschen|Calau|Schwarzheide", BRANDENBURG, LAUSITZ),
    (r"Dahme-Spreewald|Königs Wusterhausen|Lübben|Luckau", BRANDENBURG, LAUSITZ),
    (r"Spree-Neiße|Spremberg|Guben|Forst \(Lausitz\)|Welzow|Peitz|Jänschwalde", BRANDENBURG, LAUSITZ),
    (r"Cottbus|Chóśebuz", BRANDENBURG, LAUSITZ),
    # Lausitzer Revier, Sachsen
    (r"Bautzen|Hoyerswerda|Kamenz|Boxberg|Lauta", SACHSEN, LAUSITZ),
    (r"Görlitz|Weißwasser|Zittau|Niesky|Löbau|Bad Muskau", SACHSEN, LAUSITZ),
    # Mitteldeutsches Revier
    (r"Leipzig|Borna|Markkleeberg|Grimma|Zwenkau|Böhlen|Schkeuditz|Wurzen", SACHSEN, MITTELDEUTSCHLAND),
    (r"Nordsachsen|Delitzsch|Torgau|Eilenburg", SACHSEN, MITTELDEUTSCHLAND),
    (r"Burgenlandkreis|Zeitz|Weißenfels|Naumburg|Hohenmölsen", SACHSEN_ANHALT, MITTELDEUTSCHLAND),
    (r"Saalekreis|Merseburg|Leuna|Schkopau|Bad Lauchstädt", SACHSEN_ANHALT, MITTELDEUTSCHLAND),
    (
        r"Halle \(Saale\)|Halle an der Saale|Halle-Neustadt|Halle-Dessau|(?:in|um|aus|bei|nach|von|und) Halle",
        SACHSEN_ANHALT,
        MITTELDEUTSCHLAND,
    ),
    (r"Mansfeld-Südharz|Sangerhausen|Eisleben", SACHSEN_ANHALT, MITTELDEUTSCHLAND),
    (r"Anhalt-Bitterfeld|Bitterfeld|Wolfen|Köthen", SACHSEN_ANHALT, MITTELDEUTSCHLAND),
    (r"Altenburger Land|Altenburg|Meuselwitz", THUERINGEN, MITTELDEUTSCHLAND),
    # The Länder themselves; Brandenburg's only lignite area is the Lausitz, Sachsen has parts of both.
    (r"Sachsen-Anhalt|sachsen-anhaltisch\w*", SACHSEN_ANHALT, MITTELDEUTSCHLAND),
    (r"Sachsen(?!-Anhalt)|[Ss]ächsisch\w*", SACHSEN, None),
    (r"Brandenburg|[Bb]randenburgisch\w*", BRANDENBURG, LAUSITZ),
    (r"Thüringen|[Tt]hüringisch\w*", THUERINGEN, MITTELDEUTSCHLAND),
)
# "Leipziger", "Cottbuser", "Brandenburger": the adjective names the place as well; so does a
# double name ("BTU Cottbus-Senftenberg"), but not a compound ("Cottbus-basiert").
_COMPILED = tuple(
    (re.compile(rf"(?<![\w-])(?:{p})(?:er)?(?!\w|-[a-zäöüß])"), land, region) for p, land, region in _PLACES
)


@dataclass(frozen=True)
class Location:
    """The Länder and Reviere a text names, directly or through a district or town."""

    lands: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.lands)

    def excludes(self, lands: Iterable[str]) -> bool:
        """Whether a document tagged with ``lands`` is about other Länder only (nationwide ones never are)."""
        named = set(lands) & set(LANDS)
        return bool(self.lands) and bool(named) and not named & self.lands


@functools.lru_cache(maxsize=4096)
def locate(text: str) -> Location:
    """Länder and Reviere named in ``text`` (cached: every search asks once per query)."""
    lands: set[str] = set()
    regions: set[str] = set()
    for pattern, land, region in _COMPILED:
        if pattern.search(text):
            lands.add(land)
            if region:
                regions.add(region)
    return Location(frozenset(lands), frozenset(regions))
