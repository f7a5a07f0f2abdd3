"""Whom to ask: `akteur` documents that fit the question's topic and region.

Why: when we cannot answer, or when a sponsor checks a project, the most useful
next step is a named office.  We only name documents of the knowledge base
(never invented addresses); if it holds no fitting `akteur`, we name the
Fördergeber that the closest programme documents state.
"""

from __future__ import annotations

from typing import Protocol

from assistant.answering.models import Contact
from assistant.domain.doctypes import DocType
from assistant.domain.regions import Location
from assistant.errors import RevierlotseError
from assistant.search.filters import Filters
from assistant.search.result import DocumentHit, SearchResult
from assistant.text.statements import short_title


class Searcher(Protocol):
    """What answering needs from the service: its search (``Assistant.search`` fits)."""

    def search(
        self, query: str, *, k: int = 10, filters: Filters | None = None, near: Location | None = None,
        cut_tail: bool = True,
    ) -> SearchResult: ...


def find_contacts(
    searcher: Searcher,
    question: str,
    *,
    location: Location,
    hits: list[DocumentHit] | None = None,
    limit: int = 3,
) -> list[Contact]:
    """Akteur documents for the question, those in the named region/Land first."""
    try:
        result = searcher.search(question, k=10, filters=Filters(types=(DocType.AKTEUR,)), cut_tail=False)
        found = [h.document for h in result.hits]
    except RevierlotseError:
        found = []
    if location.lands or location.regions:
        # stable sort: relevance order otherwise
        found.sort(key=lambda d: not location.names_any((*d.metadata.land, *d.metadata.region)))
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
        if hit.document.doc_type == DocType.FOERDERPROGRAMM and meta.foerdergeber and meta.foerdergeber not in seen:
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
