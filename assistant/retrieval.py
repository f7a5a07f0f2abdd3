"""Hybrid retrieval over a snapshot: dense + German BM25, normalised and weighted, grouped by document.

Why not plain RRF or a 50/50 mix: e5 cosine scores sit in a narrow band (top hits
0.79–0.94) while BM25 spreads widely, so an unweighted mix lets BM25 decide the
order and drags paraphrased and English questions down.  We rescale each side per
query to [0, 1] over the candidate pool and mix with ``dense_weight`` (chosen on the
evaluation set; see README).  Every candidate gets *both* scores (the dense one is
recomputed exactly from its vector, the lexical one read from the full BM25 score
row), so a passage found by only one side is still judged by both.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from assistant.documents.models import DOC_TYPES, Chunk
from assistant.embedding import Embedder
from assistant.errors import EmptyQuery, QueryTooLong, UnknownFilter
from assistant.store import DocumentRecord, Snapshot
from assistant.vectors import search_vectors

Mode = Literal["hybrid", "dense", "lexical"]
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


def validate_query(query: str, max_chars: int) -> str:
    query = (query or "").strip()
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


def allowed_documents(snapshot: Snapshot, filters: Filters) -> np.ndarray:
    """Boolean mask over ``snapshot.doc_ids``; unknown filter values raise UnknownFilter."""
    _check_known(snapshot, filters)
    types, regions, lands, progs = (
        _casefold_set(filters.types),
        _casefold_set(filters.regions),
        _casefold_set(filters.lands),
        _casefold_set(filters.programmes),
    )
    mask = np.ones(len(snapshot.doc_ids), dtype=bool)
    for i, doc_id in enumerate(snapshot.doc_ids):
        meta = snapshot.documents[doc_id].metadata
        if types and meta.type.casefold() not in types:
            mask[i] = False
        elif regions and not regions & {r.casefold() for r in meta.region}:
            mask[i] = False
        elif lands and not lands & {x.casefold() for x in meta.land}:
            mask[i] = False
        elif progs and not progs & {p.casefold() for p in meta.programm}:
            mask[i] = False
        elif filters.stand_after and (meta.stand is None or meta.stand < filters.stand_after):
            mask[i] = False
    return mask


def facet_values(snapshot: Snapshot) -> dict[str, list[str]]:
    """The filter values that occur in the snapshot (for validation and the staff page)."""
    regions, lands, progs = set(), set(), set()
    for record in snapshot.documents.values():
        regions.update(record.metadata.region)
        lands.update(record.metadata.land)
        progs.update(record.metadata.programm)
    return {
        "type": list(DOC_TYPES),
        "region": sorted(regions),
        "land": sorted(lands),
        "programm": sorted(progs),
    }


def _check_known(snapshot: Snapshot, filters: Filters) -> None:
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


class Retriever:
    """Answers one query against one snapshot; cheap to create per snapshot."""

    def __init__(
        self,
        snapshot: Snapshot,
        embedder: Embedder,
        *,
        dense_weight: float = 0.7,
        candidates: int = 100,
        passages_per_document: int = 3,
        max_query_chars: int = 2000,
        confidence_midpoint: float = 0.82,
        confidence_scale: float = 0.03,
    ) -> None:
        snapshot.check_embedder(embedder.name)
        self.snapshot = snapshot
        self.embedder = embedder
        self.dense_weight = dense_weight
        self.candidates = candidates
        self.passages_per_document = passages_per_document
        self.max_query_chars = max_query_chars
        self.confidence_midpoint = confidence_midpoint
        self.confidence_scale = confidence_scale

    def search(
        self,
        query: str,
        *,
        k: int = 10,
        offset: int = 0,
        filters: Filters | None = None,
        mode: Mode = "hybrid",
    ) -> SearchResult:
        query = validate_query(query, self.max_query_chars)
        filters = filters or Filters()
        timings: dict[str, float] = {}
        snap = self.snapshot

        t0 = time.perf_counter()
        allowed_rows: np.ndarray | None = None
        row_mask: np.ndarray | None = None
        if filters.active:
            doc_mask = allowed_documents(snap, filters)
            row_mask = doc_mask[snap.row_doc]
            allowed_rows = np.flatnonzero(row_mask).astype(np.int64)
        timings["filter"] = _ms(t0)

        t0 = time.perf_counter()
        qvec = self.embedder.embed_queries([query])[0]
        timings["embed"] = _ms(t0)

        t0 = time.perf_counter()
        dense_rows, _ = (
            search_vectors(snap.vectors, qvec, self.candidates, allowed_rows) if mode != "lexical" else ([], [])
        )
        timings["dense"] = _ms(t0)

        t0 = time.perf_counter()
        lex_all = snap.lexical.scores(query)
        if row_mask is not None:
            lex_all = np.where(row_mask, lex_all, 0.0)
        lex_rows = np.zeros(0, dtype=np.int64)
        if mode != "dense" and lex_all.any():
            n = min(self.candidates, int(np.count_nonzero(lex_all)))
            lex_rows = np.argpartition(-lex_all, n - 1)[:n]
        timings["lexical"] = _ms(t0)

        t0 = time.perf_counter()
        pool = np.unique(np.concatenate([np.asarray(dense_rows, dtype=np.int64), lex_rows.astype(np.int64)]))
        hits, confidence = self._fuse(pool, qvec, lex_all, mode)
        timings["fusion"] = _ms(t0)

        t0 = time.perf_counter()
        page = hits[offset : offset + k]
        self._attach_chunks(page)
        timings["chunks"] = _ms(t0)
        return SearchResult(
            query=query,
            hits=page,
            total_documents=len(hits),
            confidence=confidence,
            mode=mode,
            timings_ms=timings,
            query_terms=snap.lexical.query_terms(query),
        )

    def _fuse(
        self, pool: np.ndarray, qvec: np.ndarray, lex_all: np.ndarray, mode: Mode
    ) -> tuple[list[DocumentHit], float]:
        if len(pool) == 0:
            return [], 0.0
        snap = self.snapshot
        dense = snap.vectors.reconstruct_batch(pool) @ qvec
        lexical = lex_all[pool]
        d_norm = _minmax(dense)
        l_norm = lexical / lexical.max() if lexical.max() > 0 else np.zeros_like(lexical)
        w = {"dense": 1.0, "lexical": 0.0}.get(mode, self.dense_weight)
        fused = w * d_norm + (1 - w) * l_norm
        if mode == "lexical":
            keep = lexical > 0
            pool, dense, lexical, fused = pool[keep], dense[keep], lexical[keep], fused[keep]
        order = np.argsort(-fused, kind="stable")
        by_doc: dict[int, DocumentHit] = {}
        for i in order:
            row = int(pool[i])
            doc_index = int(snap.row_doc[row])
            passage = Passage(row, None, float(fused[i]), float(dense[i]), float(lexical[i]))  # type: ignore[arg-type]
            hit = by_doc.get(doc_index)
            if hit is None:
                record = snap.documents[snap.doc_ids[doc_index]]
                by_doc[doc_index] = DocumentHit(record, float(fused[i]), [passage])
            elif len(hit.passages) < self.passages_per_document:
                hit.passages.append(passage)
        hits = list(by_doc.values())  # insertion order is best-first already
        top_dense = float(dense.max()) if len(dense) else 0.0
        return hits, self._confidence(top_dense)

    def _confidence(self, top_dense: float) -> float:
        """Logistic map of the best dense similarity to [0, 1]; parameters fitted on the eval set."""
        return float(1.0 / (1.0 + np.exp(-(top_dense - self.confidence_midpoint) / self.confidence_scale)))

    def _attach_chunks(self, hits: list[DocumentHit]) -> None:
        rows = [p.row for h in hits for p in h.passages]
        chunks = {c.row: c.chunk for c in self.snapshot.chunks(rows)}
        for hit in hits:
            for p in hit.passages:
                p.chunk = chunks[p.row]


def _minmax(values: np.ndarray) -> np.ndarray:
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 1e-9:
        return np.ones_like(values)
    return (values - lo) / (hi - lo)


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 3)
