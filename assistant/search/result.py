"""What a search returns: passages grouped by document, with confidence and signals.

``SearchResult.to_dict`` is the one JSON shape of a search for every door (API,
``search --json``, the staff page); the README documents it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from assistant.domain.documents import Chunk
from assistant.storage.records import DocumentRecord

Mode = Literal["hybrid", "dense", "lexical"]


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


@dataclass
class Passage:
    row: int
    chunk: Chunk
    score: float
    dense: float
    lexical: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "chunk_id": self.chunk.chunk_id,
            "heading_path": list(self.chunk.heading_path),
            "page": self.chunk.page,
            "score": round(self.score, 4),
            "text": self.chunk.text,
        }


@dataclass
class DocumentHit:
    document: DocumentRecord
    score: float
    passages: list[Passage]

    def to_dict(self) -> dict[str, Any]:
        d, best = self.document, self.passages[0]
        return {
            "doc_id": d.doc_id,
            "source_path": d.source_path,
            "title": d.title,
            "type": d.doc_type,
            "source_url": d.metadata.source_url,
            "stand": d.metadata.stand.isoformat() if d.metadata.stand else None,
            "quelle_stand": _iso(d.metadata.quelle_stand),
            "status": d.metadata.status,
            "gueltig_bis": _iso(d.metadata.gueltig_bis),
            "heading_path": list(best.chunk.heading_path),
            "page": best.chunk.page,
            "printed_page": best.chunk.printed_page,
            "score": round(self.score, 4),
            "text": best.chunk.text,
            "passages": [p.to_dict() for p in self.passages],
        }


@dataclass
class SearchResult:
    query: str
    hits: list[DocumentHit]
    total_documents: int
    confidence: float
    mode: Mode
    timings_ms: dict[str, float] = field(default_factory=dict)
    query_terms: list[str] = field(default_factory=list)
    # Länder the query names, directly or through a district or town (hybrid search ranks others lower).
    located_lands: list[str] = field(default_factory=list)
    signals: dict[str, float] = field(default_factory=dict)
    # The query's embedding (before feedback), so answering can score sentences without embedding it again.
    query_vector: np.ndarray | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON shape of a search (scripts rely on it; see the README)."""
        return {
            "query": self.query,
            "confidence": round(self.confidence, 4),
            "total_documents": self.total_documents,
            "located_lands": self.located_lands,
            "query_terms": self.query_terms,
            "hits": [h.to_dict() for h in self.hits],
        }
