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

from assistant.documents import split_sentences
from assistant.documents.models import DOC_TYPES, Chunk
from assistant.embedding import Embedder
from assistant.errors import EmptyQuery, QueryTooLong, UnknownFilter
from assistant.store import DocumentRecord, Snapshot
from assistant.vectors import search_vectors

Mode = Literal["hybrid", "dense", "lexical"]
_MULTI_SENTENCE_CHARS = 120
_MAX_QUERY_SENTENCES = 15
# Fitted by bench/tune_retrieval.py on tests/eval/questions.jsonl (see README, "Retrieval").
DEFAULT_CONFIDENCE_MODEL: dict[str, float] = {"bias": -27.0, "dense_top": 33.0}
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
    signals: dict[str, float] = field(default_factory=dict)


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


def _any_of(masks: dict[str, np.ndarray], wanted: set[str], n_docs: int) -> np.ndarray:
    """Documents having at least one of the wanted values (compared case-insensitively)."""
    out = np.zeros(n_docs, dtype=bool)
    for value, mask in masks.items():
        if value.casefold() in wanted:
            out |= mask
    return out


def allowed_documents(snapshot: Snapshot, filters: Filters) -> np.ndarray:
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


def facet_values(snapshot: Snapshot) -> dict[str, list[str]]:
    """The filter values that occur in the snapshot (for validation and the staff page)."""
    values = {name: sorted(masks) for name, masks in snapshot.facets.items()}
    values["type"] = list(DOC_TYPES)
    return values


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
        dense_weight: float = 0.6,
        candidates: int = 100,
        passages_per_document: int = 3,
        max_query_chars: int = 2000,
        confidence_model: dict[str, float] | None = None,
    ) -> None:
        snapshot.check_embedder(embedder.name)
        self.snapshot = snapshot
        self.embedder = embedder
        self.dense_weight = dense_weight
        self.candidates = candidates
        self.passages_per_document = passages_per_document
        self.max_query_chars = max_query_chars
        self.confidence_model = confidence_model or dict(DEFAULT_CONFIDENCE_MODEL)

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
        qvecs = self._query_vectors(query)
        timings["embed"] = _ms(t0)

        t0 = time.perf_counter()
        dense_rows = [np.zeros(0, dtype=np.int64)]
        if mode != "lexical":
            dense_rows += [search_vectors(snap.vectors, q, self.candidates, allowed_rows)[0] for q in qvecs]
        timings["dense"] = _ms(t0)

        t0 = time.perf_counter()
        lex_all = snap.lexical.scores(query)
        if row_mask is not None:
            lex_all = np.where(row_mask, lex_all, 0.0)
        lex_rows = np.zeros(0, dtype=np.int64)
        if mode != "dense" and lex_all.any():
            n = min(self.candidates, int(np.count_nonzero(lex_all)))
            lex_rows = np.argpartition(-lex_all, n - 1)[:n]
        term_weights = snap.lexical.term_weights(query)
        timings["lexical"] = _ms(t0)

        t0 = time.perf_counter()
        pool = np.unique(np.concatenate([*dense_rows, lex_rows.astype(np.int64)]))
        hits, signals = self._fuse(pool, qvecs, lex_all, term_weights, mode)
        timings["fusion"] = _ms(t0)

        t0 = time.perf_counter()
        page = hits[offset : offset + k]
        self._attach_chunks(hits[: max(1, offset + k)] if hits else [])
        signals |= _passage_coverage(hits[0] if hits else None, term_weights, snap)
        timings["chunks"] = _ms(t0)
        return SearchResult(
            query=query,
            hits=page,
            total_documents=len(hits),
            confidence=self.confidence(signals),
            mode=mode,
            timings_ms=timings,
            query_terms=sorted(snap.lexical.known_terms(term_weights)),
            signals=signals,
        )

    def _query_vectors(self, query: str) -> np.ndarray:
        """The whole query, plus each sentence of a multi-sentence project description.

        A description of several sentences mixes topics (who, what, where); one vector
        for all of it blurs them, so each sentence also searches on its own.
        """
        texts = [query]
        if len(query) >= _MULTI_SENTENCE_CHARS:
            sentences = [s for s in split_sentences(query) if len(s) >= 20]
            if len(sentences) >= 2:
                texts += sentences[:_MAX_QUERY_SENTENCES]
        return self.embedder.embed_queries(texts)

    def _fuse(
        self,
        pool: np.ndarray,
        qvecs: np.ndarray,
        lex_all: np.ndarray,
        term_weights: dict[str, float],
        mode: Mode,
    ) -> tuple[list[DocumentHit], dict[str, float]]:
        if len(pool) == 0:
            return [], {"dense_top": 0.0, "known_share": 0.0, "dense_margin": 0.0}
        snap = self.snapshot
        sims = snap.vectors.reconstruct_batch(pool) @ qvecs.T
        dense = sims[:, 0] if sims.shape[1] == 1 else 0.5 * sims[:, 0] + 0.5 * sims[:, 1:].max(axis=1)
        lexical = lex_all[pool]
        d_norm = _minmax(dense)
        l_norm = lexical / lexical.max() if lexical.max() > 0 else np.zeros_like(lexical)
        # Lexical evidence counts in proportion to how much of the query the index knows at
        # all (idf-weighted): an English question matches one or two German words by chance.
        known = snap.lexical.known_terms(term_weights)
        total = sum(term_weights.values())
        known_share = sum(term_weights[t] for t in known) / total if total else 0.0
        if mode == "dense":
            fused = d_norm
        elif mode == "lexical":
            fused = l_norm
        else:
            fused = self.dense_weight * d_norm + (1 - self.dense_weight) * known_share * l_norm
        if mode == "lexical":
            keep = lexical > 0
            pool, dense, lexical, fused = pool[keep], dense[keep], lexical[keep], fused[keep]
        order = np.argsort(-fused, kind="stable")
        by_doc: dict[int, DocumentHit] = {}
        best_dense: dict[int, float] = {}
        for i in order:
            row = int(pool[i])
            doc_index = int(snap.row_doc[row])
            best_dense[doc_index] = max(best_dense.get(doc_index, -1.0), float(dense[i]))
            passage = Passage(row, None, float(fused[i]), float(dense[i]), float(lexical[i]))  # type: ignore[arg-type]
            hit = by_doc.get(doc_index)
            if hit is None:
                record = snap.documents[snap.doc_ids[doc_index]]
                by_doc[doc_index] = DocumentHit(record, float(fused[i]), [passage])
            elif len(hit.passages) < self.passages_per_document:
                hit.passages.append(passage)
        hits = list(by_doc.values())  # insertion order is best-first already
        ranked_dense = sorted(best_dense.values(), reverse=True)
        signals = {
            "dense_top": float(ranked_dense[0]) if ranked_dense else 0.0,
            "dense_margin": float(ranked_dense[0] - ranked_dense[1]) if len(ranked_dense) > 1 else 0.0,
            "known_share": float(known_share),
        }
        return hits, signals

    def confidence(self, signals: dict[str, float]) -> float:
        """Logistic model over retrieval signals; coefficients fitted on the eval set (bench/tune_retrieval.py)."""
        z = self.confidence_model.get("bias", 0.0) + sum(
            weight * signals.get(name, 0.0) for name, weight in self.confidence_model.items() if name != "bias"
        )
        return float(1.0 / (1.0 + np.exp(-z)))

    def _attach_chunks(self, hits: list[DocumentHit]) -> None:
        rows = [p.row for h in hits for p in h.passages]
        chunks = {c.row: c.chunk for c in self.snapshot.chunks(rows)}
        for hit in hits:
            for p in hit.passages:
                p.chunk = chunks[p.row]


def _passage_coverage(hit: DocumentHit | None, term_weights: dict[str, float], snap: Snapshot) -> dict[str, float]:
    """idf-weighted share of the query's terms that the best passage contains.

    Questions the knowledge base cannot answer usually ask for a detail (a budget, a
    phone number, a 2027 deadline) whose words are missing from otherwise fitting passages.
    """
    total = sum(term_weights.values())
    if hit is None or not total:
        return {"passage_share": 0.0}
    present = set(snap.lexical.analyze(hit.passages[0].chunk.embed_text))
    return {"passage_share": sum(w for t, w in term_weights.items() if t in present) / total}


def _minmax(values: np.ndarray) -> np.ndarray:
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 1e-9:
        return np.ones_like(values)
    return (values - lo) / (hi - lo)


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 3)
