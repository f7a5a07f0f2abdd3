"""Whom to ask: `akteur` documents that fit the question's topic and region.

Why: when we cannot answer, or when a sponsor checks a project, the most useful
next step is a named office.  We only name documents of the knowledge base
(never invented addresses); if it holds no fitting `akteur`, we name the
Fördergeber that the closest programme documents state.
"""

from __future__ import annotations

import re
from typing import Protocol

from assistant.answering.models import Contact
from assistant.domain.places import locate
from assistant.errors import RevierlotseError
from assistant.search.filters import Filters
from assistant.search.result import DocumentHit, SearchResult
from assistant.storage.records import DocumentRecord
from assistant.text.analyzer import fold_umlauts
from assistant.text.statements import short_title


class Searcher(Protocol):
    """What answering needs from the service: its search (``Assistant.search`` fits)."""

    def search(self, query: str, *, k: int = 10, filters: Filters | None = None) -> SearchResult: ...


def _fold(text: str) -> str:
    return fold_umlauts(text.casefold())


def mentioned_places(text: str, facets: dict[str, list[str]]) -> set[str]:
    """Regions and Länder of the knowledge base named in ``text``, directly or through a district
    or town ("Weißwasser" → Sachsen, Lausitz); casefolded, umlauts folded."""
    folded = _fold(text)
    location = locate(text)
    known = {_fold(v) for v in (*facets.get("region", []), *facets.get("land", []))}
    found: set[str] = {_fold(v) for v in (*location.lands, *location.regions)} & known
    for value in (*facets.get("region", []), *facets.get("land", [])):
        v = _fold(value)
        if v in ("bund", "eu"):
            continue
        if v and re.search(rf"(?<![\w-]){re.escape(v)}(?![\w-])", folded):
            found.add(v)
    # "Mitteldeutschland"/"mitteldeutschen Revier" for "Mitteldeutsches Revier"
    if "mitteldeutsch" in folded:
        found.update(_fold(v) for v in facets.get("region", []) if "mitteldeutsch" in _fold(v))
    return found


def matches_place(record: DocumentRecord, places: set[str]) -> bool:
    meta = record.metadata
    return bool(places & {_fold(v) for v in (*meta.region, *meta.land)})


_NATIONWIDE = {"bund", "eu", "deutschland"}


def region_fits_any(record: DocumentRecord, places: set[str]) -> bool:
    """True for documents without place, nationwide ones, and those naming one of ``places``."""
    values = {_fold(v) for v in (*record.metadata.region, *record.metadata.land)}
    return not values or bool(values & _NATIONWIDE) or bool(values & places)


def find_contacts(
    searcher: Searcher,
    question: str,
    *,
    places: set[str],
    hits: list[DocumentHit] | None = None,
    limit: int = 3,
) -> list[Contact]:
    """Akteur documents for the question, those in the named region/Land first."""
    try:
        result = searcher.search(question, k=10, filters=Filters(types=("akteur",)))
        found = [h.document for h in result.hits]
    except RevierlotseError:
        found = []
    if places:
        found.sort(key=lambda d: not matches_place(d, places))  # stable: relevance order otherwise
    contacts = [
        Contact(d.doc_id, d.title, d.metadata.source_url, tuple(d.metadata.region), tuple(d.metadata.land))
        for d in found[:limit]
    ]
    if contacts:
        return contacts
    # No akteur in the knowledge base fits: the Fördergeber the closest programmes name.
    seen: set[str] = set()
    for hit in hits or []:
        meta = hit.document.metadata
        if hit.document.doc_type == "foerderprogramm" and meta.foerdergeber and meta.foerdergeber not in seen:
            seen.add(meta.foerdergeber)
            contacts.append(
                Contact(
                    hit.document.doc_id,
                    meta.foerdergeber,
                    meta.source_url,
                    tuple(meta.region),
                    tuple(meta.land),
                    note=f"Fördergeber von {short_title(hit.document.title)}",
                )
            )
        if len(contacts) >= limit:
            break
    return contacts


def contacts_sentence(contacts: list[Contact]) -> str:
    """German sentence naming whom to ask."""
    if not contacts:
        return (
            "Fragen Sie am besten bei der Förderberatung Ihres Landes oder Ihrer Region nach; "
            "eine passende Stelle ist im Wissensbestand noch nicht hinterlegt."
        )
    parts = []
    for c in contacts:
        label = f"{c.title} ({c.note})" if c.note else c.title
        parts.append(f"{label}, {c.source_url}" if c.source_url else label)
    return "Ansprechpartner: " + "; ".join(parts) + "."
