"""The document catalog every backend keeps beside its chunks: order, facet values, dates.

Filters are decided per document (``search.filters``) as numpy masks; both backends
build the same catalog from the same document records, so a filter selects the same
documents whichever backend serves it.
"""

from __future__ import annotations

import numpy as np

from assistant.storage.records import DocumentRecord

FACET_FIELDS = ("type", "region", "land", "programm")


def catalog_of(documents: list[DocumentRecord]) -> dict:
    """Document order, facet value → document indexes, and dates, for fast filters on open."""
    facets: dict[str, dict[str, list[int]]] = {name: {} for name in FACET_FIELDS}
    stand: list[int] = []
    for i, d in enumerate(documents):
        meta = d.metadata
        for name, values in (("type", [meta.type]), ("region", meta.region), ("land", meta.land),
                             ("programm", meta.programm)):
            for value in values:
                facets[name].setdefault(value, []).append(i)
        stand.append(meta.stand.toordinal() if meta.stand else 0)
    return {"doc_ids": [d.doc_id for d in documents], "facets": facets, "stand": stand}


def facet_masks(lists: dict[str, dict[str, list[int]]], n_docs: int) -> dict[str, dict[str, np.ndarray]]:
    """Boolean document masks per facet value, so a filter is a few numpy ORs and ANDs."""
    masks: dict[str, dict[str, np.ndarray]] = {}
    for name, values in lists.items():
        masks[name] = {}
        for value, doc_indexes in values.items():
            mask = np.zeros(n_docs, dtype=bool)
            mask[np.asarray(doc_indexes, dtype=np.int64)] = True
            masks[name][value] = mask
    return masks
