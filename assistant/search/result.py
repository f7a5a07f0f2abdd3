"""What a search returns: passages grouped by document, with confidence and signals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from assistant.domain.documents import Chunk
from assistant.storage.records import DocumentRecord

Mode = Literal["hybrid", "dense", "lexical"]


@dataclass
class Passage:
    row: int
    chunk: Chunk
    score: float
    dense: float
    lexical: float


@dataclass
class DocumentHit:
    document: DocumentRecord
    score: float
    passages: list[Passage]


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
