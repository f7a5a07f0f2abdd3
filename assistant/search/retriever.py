"""Hybrid retrieval over one store: candidates → fusion → stages → grouping → listing → confidence.

Every candidate gets *both* scores (the dense one recomputed exactly from its vector,
the lexical one read from the full BM25 score row), so a passage found by only one
side is still judged by both.  Documents are ranked by their best passage, so long
documents are not favoured.  The numbers come from ``SearchParams`` (fitted.json);
what was tried and measured is in docs/decisions/.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from assistant.domain.regions import Location
from assistant.embedding.embedders import Embedder
from assistant.search import confidence as conf
from assistant.search.filters import Filters, allowed_documents, validate_query
from assistant.search.fusion import fuse, rescale_dense, rescale_lexical
from assistant.search.params import SearchParams
from assistant.search.query import QueryPlan, plan_query
from assistant.search.result import DocumentHit, Mode, Passage, SearchResult
from assistant.search.stages import PlacePenalty, ProfileScores, feedback_vector
from assistant.search.listing import Sort, facet_counts, keep_count, sort_hits
from assistant.storage.store import Store
from assistant.text.highlight import WordMarker


@dataclass
class _Scored:
    """The candidate pool with both sides' raw scores and the fused score."""

    rows: np.ndarray
    dense: np.ndarray
    lexical: np.ndarray
    fused: np.ndarray


@dataclass
class _Evidence:
    """What scoring needs besides the vectors: lexical scores, and per-document extras."""

    lex_all: np.ndarray  # BM25 score of every row
    doc_lex: np.ndarray | None  # descriptions: per-document BM25 coverage
    demoted: np.ndarray | None  # per-document place penalty


class Retriever:
    """Answers one query against one store; cheap to create per store."""

    def __init__(
        self, store: Store, embedder: Embedder, params: SearchParams | None = None, *, max_query_chars: int = 2000
    ) -> None:
        store.check_embedder(embedder.name)
        self.snapshot = store
        self.embedder = embedder
        self.params = params or SearchParams()
        self.max_query_chars = max_query_chars
        self._place_penalty = PlacePenalty(store)
        self._profiles = ProfileScores(store)

    def search(
        self,
        query: str,
        *,
        k: int = 10,
        offset: int = 0,
        filters: Filters | None = None,
        mode: Mode = "hybrid",
        near: Location | None = None,
        cut_tail: bool = True,
        sort: Sort = "relevance",
    ) -> SearchResult:
        """Ranked documents for ``query``; ``near`` adds a place the caller knows (a region filter, a chat).

        ``cut_tail`` lists only documents that reach a share of the best score (``listing.py``);
        callers that weigh every document themselves (the project check) switch it off.
        ``sort`` orders the listed documents before paging (relevance, Stand or title).
        """
        query = validate_query(query, self.max_query_chars)
        store, p = self.snapshot, self.params
        timings: dict[str, float] = {}

        t0 = time.perf_counter()
        row_mask = allowed_rows = None
        if filters is not None and filters.active:
            row_mask = allowed_documents(store, filters)[store.row_doc]
            allowed_rows = np.flatnonzero(row_mask).astype(np.int64)
        timings["filter"] = _ms(t0)
        if not store.doc_ids:  # an emptied knowledge base is a normal state: nothing found, nothing sure
            return SearchResult(query=query, hits=[], total_documents=0, confidence=0.0, mode=mode,
                                timings_ms=timings, facets=facet_counts([], 0.0, p.tail_keep))

        t0 = time.perf_counter()
        plan = plan_query(query, self.embedder, store.lexical, p, near)
        timings["embed"] = _ms(t0)

        t0 = time.perf_counter()
        dense_rows = [np.zeros(0, dtype=np.int64)]
        if mode != "lexical":
            dense_rows += [rows for rows, _ in store.search_vectors_many(plan.vectors, p.candidates, allowed_rows)]
        timings["dense"] = _ms(t0)

        t0 = time.perf_counter()
        evidence, lex_rows = self._lexical_evidence(plan, mode, row_mask)
        timings["lexical"] = _ms(t0)

        t0 = time.perf_counter()
        if mode == "hybrid":
            penalty = p.other_land_penalty_description if plan.description else p.other_land_penalty
            evidence.demoted = self._place_penalty(plan.location, penalty)
        pool = np.unique(np.concatenate([*dense_rows, lex_rows]))
        vectors = plan.vectors
        scored = self._score(pool, vectors, plan, evidence, mode)
        # Similarity signals come from the user's own query, before feedback moves it.
        signals = conf.dense_signals(store.row_doc, len(store.doc_ids), scored.rows, scored.dense)
        signals["known_share"] = plan.known_share
        signals["topic_known_share"] = plan.topic_known_share
        if mode == "hybrid" and p.feedback_passages and p.feedback_weight and len(pool):
            top = scored.rows[np.argsort(-scored.fused, kind="stable")[: p.feedback_passages]]
            vectors = vectors.copy()
            vectors[0] = feedback_vector(store, vectors[0], top, p.feedback_weight)
            extra = store.search_vectors(vectors[0], p.candidates, allowed_rows)[0]
            pool = np.unique(np.concatenate([pool, extra.astype(np.int64)]))
            scored = self._score(pool, vectors, plan, evidence, mode)
        hits = self._group(scored)
        ratio = p.tail_ratio if cut_tail else 0.0
        listed = sort_hits(hits[: keep_count([h.score for h in hits], ratio, p.tail_keep)], sort)
        timings["fusion"] = _ms(t0)

        t0 = time.perf_counter()
        page = listed[offset : offset + k]
        self._attach_chunks(hits[: p.confidence_docs] + page)
        signals |= conf.fact_coverage(query, hits[: p.confidence_docs], plan.term_weights, store)
        query_terms = sorted(store.lexical.known_terms(plan.term_weights))
        marker = WordMarker(query_terms, store.lexical.word_terms)
        for hit in page:
            for passage in hit.passages:
                passage.marks = marker.marks(passage.chunk.text)
        timings["chunks"] = _ms(t0)
        return SearchResult(
            query=query,
            hits=page,
            total_documents=len(listed),
            facets=facet_counts(hits, ratio, p.tail_keep),
            confidence=conf.confidence(p.confidence_model, signals),
            mode=mode,
            timings_ms=timings,
            query_terms=query_terms,
            located_lands=sorted(plan.location.lands),
            signals=signals,
            query_vector=plan.vectors[0],
        )

    def _lexical_evidence(self, plan: QueryPlan, mode: Mode, row_mask: np.ndarray | None) -> tuple[_Evidence, np.ndarray]:
        """BM25 over all rows (masked by the filters), the lexical candidates, and per-document BM25 for descriptions."""
        store = self.snapshot
        lex_all = store.lexical.scores(plan.text)
        if row_mask is not None:
            lex_all = np.where(row_mask, lex_all, 0.0)
        lex_rows = np.zeros(0, dtype=np.int64)
        if mode != "dense" and lex_all.any():
            n = min(self.params.candidates, int(np.count_nonzero(lex_all)))
            lex_rows = np.argpartition(-lex_all, n - 1)[:n].astype(np.int64)
        doc_lex = None
        if plan.description and mode != "dense":
            # A description names who, what and where; a programme's document answers these in
            # different sections, so its lexical evidence is per document, not per passage.
            doc_lex = store.lexical.document_scores(plan.text, store.row_doc, len(store.doc_ids), row_mask)
        return _Evidence(lex_all, doc_lex, None), lex_rows

    def _score(self, pool: np.ndarray, vectors: np.ndarray, plan: QueryPlan, ev: _Evidence, mode: Mode) -> _Scored:
        """Both sides' scores of the pool and the fused score; lexical mode drops rows without lexical evidence."""
        if len(pool) == 0:
            empty = np.zeros(0, dtype=np.float32)
            return _Scored(pool, empty, empty, empty)
        p = self.params
        sims = self.snapshot.vectors_of(pool) @ vectors.T
        dense = sims[:, 0] if sims.shape[1] == 1 else (1 - p.sentence_mix) * sims[:, 0] + p.sentence_mix * sims[:, 1:].max(axis=1)
        lexical = ev.lex_all[pool]
        if ev.doc_lex is None:
            l_norm = rescale_lexical(lexical)
        else:
            docs = self.snapshot.row_doc[pool]
            l_norm = rescale_lexical(ev.doc_lex[docs])
            if p.profile_weight:
                l_norm = l_norm + p.profile_weight * rescale_lexical(self._profiles(docs, plan.term_weights))
        if mode == "lexical":
            keep = l_norm > 0
            return _Scored(pool[keep], dense[keep], lexical[keep], l_norm[keep])
        fused = fuse(rescale_dense(dense), l_norm, plan.known_share, p.dense_weight, mode)
        if ev.demoted is not None:
            fused = fused - ev.demoted[self.snapshot.row_doc[pool]]
        return _Scored(pool, dense, lexical, fused)

    def _group(self, scored: _Scored) -> list[DocumentHit]:
        """Documents ranked by their best passage, each with up to ``passages_per_document`` passages."""
        store = self.snapshot
        by_doc: dict[int, DocumentHit] = {}
        for i in np.argsort(-scored.fused, kind="stable"):
            row = int(scored.rows[i])
            doc_index = int(store.row_doc[row])
            passage = Passage(row, None, float(scored.fused[i]), float(scored.dense[i]), float(scored.lexical[i]))  # type: ignore[arg-type]
            hit = by_doc.get(doc_index)
            if hit is None:
                by_doc[doc_index] = DocumentHit(store.documents[store.doc_ids[doc_index]], float(scored.fused[i]), [passage])
            elif len(hit.passages) < self.params.passages_per_document:
                hit.passages.append(passage)
        return list(by_doc.values())  # insertion order is best-first already

    def _attach_chunks(self, hits: list[DocumentHit]) -> None:
        rows = [p.row for h in hits for p in h.passages]
        chunks = {c.row: c.chunk for c in self.snapshot.chunks(rows)}
        for hit in hits:
            for p in hit.passages:
                p.chunk = chunks[p.row]


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 3)
