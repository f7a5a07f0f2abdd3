"""Query validation and document filters (type, region, Land, programme, Stand)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np

from assistant.domain.doctypes import DocType
from assistant.errors import EmptyQuery, QueryTooLong, UnknownFilter
from assistant.storage.store import Store
from assistant.text.clean import scrub_surrogates

_HAS_WORD = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class Filters:
    """Restrictions on which documents may be returned; empty lists mean "any"."""

    types: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    lands: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    stand_after: dt.date | None = None

    @property
    def active(self) -> bool:
        return bool(self.types or self.regions or self.lands or self.programmes or self.stand_after)




def validate_query(query: str, max_chars: int) -> str:
    # A lone surrogate (valid in JSON as "\\ud800") cannot be encoded as UTF-8 and crashed the embedder.
    query = scrub_surrogates(query or "").strip()
    if not query:
        raise EmptyQuery("Die Suchanfrage ist leer. Bitte eine Frage oder einen Suchbegriff eingeben.")
    if len(query) > max_chars:
        raise QueryTooLong(
            f"Die Anfrage ist mit {len(query)} Zeichen zu lang (höchstens {max_chars}). "
            "Bitte kürzer fassen oder für Projektbeschreibungen den Projekt-Check nutzen."
        )
    if not _HAS_WORD.search(query):
        raise EmptyQuery("Die Anfrage enthält keine Wörter, nur Satzzeichen. Bitte einen Suchbegriff eingeben.")
    return query


def _casefold_set(values: tuple[str, ...]) -> set[str]:
    return {v.strip().casefold() for v in values if v.strip()}


def _any_of(masks: dict[str, np.ndarray], wanted: set[str], n_docs: int) -> np.ndarray:
    """Documents having at least one of the wanted values (compared case-insensitively)."""
    out = np.zeros(n_docs, dtype=bool)
    for value, mask in masks.items():
        if value.casefold() in wanted:
            out |= mask
    return out


def allowed_documents(snapshot: Store, filters: Filters) -> np.ndarray:
    """Boolean mask over ``snapshot.doc_ids``; unknown filter values raise UnknownFilter."""
    _check_known(snapshot, filters)
    n = len(snapshot.doc_ids)
    mask = np.ones(n, dtype=bool)
    for name, values in (
        ("type", filters.types),
        ("region", filters.regions),
        ("land", filters.lands),
        ("programm", filters.programmes),
    ):
        wanted = _casefold_set(values)
        if wanted:
            mask &= _any_of(snapshot.facets[name], wanted, n)
    if filters.stand_after:
        mask &= snapshot.stand_ordinals >= filters.stand_after.toordinal()
    return mask


def facet_values(snapshot: Store) -> dict[str, list[str]]:
    """The filter values that occur in the snapshot (for validation and the staff page)."""
    values = {name: sorted(masks) for name, masks in snapshot.facets.items()}
    values["type"] = [t.value for t in DocType]
    return values


def _check_known(snapshot: Store, filters: Filters) -> None:
    facets = facet_values(snapshot)
    labels = {"type": "Dokumenttyp", "region": "Region", "land": "Land", "programm": "Programm"}
    for key, values in (
        ("type", filters.types),
        ("region", filters.regions),
        ("land", filters.lands),
        ("programm", filters.programmes),
    ):
        known = {v.casefold() for v in facets[key]}
        for value in values:
            if value.strip().casefold() not in known:
                raise UnknownFilter(
                    f"{labels[key]} '{value}' gibt es im Wissensbestand nicht. "
                    f"Möglich sind: {', '.join(facets[key]) or '(keine)'}."
                )
