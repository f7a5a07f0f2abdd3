"""Hybrid retrieval over a snapshot: dense + German BM25, normalised and weighted, grouped by document.

Why not plain RRF or a 50/50 mix: e5 cosine scores sit in a narrow band (top hits
0.79–0.94) while BM25 spreads widely, so an unweighted mix lets BM25 decide the
order and drags paraphrased and English questions down.  We rescale each side per
query to [0, 1] over the candidate pool and mix with ``dense_weight`` (0.6, chosen on
the evaluation set; 0.5 and 0.7 are within 0.005 nDCG@10 overall).  Every candidate
gets *both* scores (the dense one is recomputed exactly from its vector, the lexical
one read from the full BM25 score row), so a passage found by only one side is still
judged by both.  The lexical side counts in proportion to the idf-weighted share of
the query the index knows (English questions match German words only by chance).

Choices measured on tests/eval/questions.jsonl (139, later 153 questions; README "Retrieval"):

* Multi-sentence project descriptions: dense score = 0.5 · whole query + 0.5 · best
  single sentence.  Their lexical evidence is per *document*, not per passage: for each
  distinct query term its best BM25 contribution in any passage of the document, summed
  (a description names who, what and where; a programme's document answers these in
  different sections), plus 0.2 · the idf-weighted match of the query with the
  document's front-matter ``zielgruppe`` and ``tags`` (who may apply, what it is about;
  the chunk texts do not carry them).  Project nDCG@10 / Recall@5: 0.705 / 0.724 with
  passage BM25 (after the term resolution below), 0.727 / 0.767 with document BM25,
  0.763 / 0.750 with the profile (8 of 19 questions change: 6 better, 2 worse).
  Tried and *not* kept (each within ±0.02 nDCG@10 on the 19 project questions or
  worse; the full list with figures is in README "Retrieval"): other sentence weights,
  top-2 / mean over sentences, per-sentence BM25 (also per document), idf-powered or
  top-k-term BM25, sums of a document's best 2–3 passages, a 50/50 mix of passage and
  document BM25, dense document coverage, dropping question or low-idf sentences,
  hubness corrections (overall nDCG −0.01 to −0.04), the profile for every query or
  with more front-matter fields.
* Query terms are resolved against the index vocabulary first (``LexicalIndex.resolve``):
  an unknown compound whose parts are known counts as its parts, an unknown word of 5+
  characters is mapped to the most frequent index term within one edit (two from 8
  characters; the term must occur in 2+ chunks), unless the query is English.  Overall
  nDCG@10 / Recall@5 0.875 / 0.894 → 0.881 / 0.901 (project 0.671 → 0.705, misspelled
  0.910 → 0.914).  Correcting English words too ("which" → "wich") cost the English
  questions 0.028 Recall@5; correcting inside BM25 only and not in ``known_share``
  helped misspelled questions less.
* Also tried for all queries and not kept: RM3-style lexical feedback, a reciprocal-rank
  term in the fused score, z-score rescaling, lower weights for unknown terms in
  ``known_share`` (all within ±0.006 nDCG@10 and not stable across settings).
* Pseudo-relevance feedback (kept, hybrid mode only): the whole-query vector moves
  towards the mean of the 5 best fused passages (q + 0.3 · mean, renormalised), and
  the moved vector searches again.  +0.008 nDCG@10, +0.007 Recall@5 (15 questions
  better, 6 worse; small but the best of the ideas tried).
* Documents of another Land (hybrid mode only): when the query names where it is — a
  Land, or a district or town of the Reviere (``assistant.places``: "Gemeinde im
  Landkreis Spree-Neiße" is Brandenburg) — passages of documents whose ``land`` names
  only other Länder lose 0.2 of their fused score (0.1 for project descriptions, which
  also name partners and role models elsewhere: "ein Vorbild in der Region").  Their
  programmes are not open to the sponsor; nationwide documents keep their score.
  Measured: nDCG@10 / Recall@5 0.890 / 0.906 → 0.895 / 0.915 (paraphrase Recall@5
  0.790 → 0.819, project nDCG 0.763 → 0.776).  Tried: districts and towns without the
  Land names 0.893 / 0.910; one penalty of 0.1 for every query 0.894 / 0.912; 0.3 for
  project descriptions too costs them 0.03 nDCG ("Vorbild in der Region" then loses
  its Leipzig examples); boosting documents *of* the named Land instead −0.01 to
  −0.03 nDCG (it lifts Land programmes over federal ones that fit better); expanding
  the query text with the Land or Revier −0.01 to −0.04; penalising only programmes
  and contacts no better than all types.
* Documents are ranked by their best passage (long documents are not favoured; for
  project descriptions the passage carries its document's lexical evidence, above).
* Confidence for abstaining (``Retriever.confidence``): a logistic model over
  ``dense_top`` (cosine of the best passage for the user's own query, before
  feedback: off-topic questions such as "Rezept für Apfelkuchen" score 0.74-0.82,
  in-domain ones 0.82-0.95) and ``fact_cov`` (when the question asks for an amount, a
  date, a year or number it names, a person or a phone number / e-mail: does a
  sentence of the best document hold such a fact *and* match the question about as
  well as the best-matching sentence? see ``_fact_coverage``; words like
  "Förderquote" or "wie viel Geld" only say which fact is asked and are ignored).
  Fitted with scikit-learn by bench/tune_retrieval.py on the 120 answerable, 19
  unanswerable and 14 off-topic eval questions: 5-fold CV AUROC 0.893, in-sample
  0.913; ``abstain_threshold`` 0.5 keeps every answerable question and abstains on
  26 of 33 (12 of 14 off-topic).  Until the off-topic questions were added, the
  off-topic gate was set by hand and let "Wie wird das Wetter morgen in Leipzig?"
  through with 0.97.  Similarity signals alone (dense_top, dense_margin, known_share)
  reach only CV AUROC 0.64; a passage_share signal added nothing and was dropped.  ``fact_cov`` uses
  ``facts.covers``, so answer check and confidence agree on what "asks for a fact"
  means.
"""

from __future__ import annotations

import time

import numpy as np

from assistant.domain.places import LANDS, Location, locate
from assistant.embedding.embedders import Embedder
from assistant.search.confidence import (
    _CONFIDENCE_DOCS,
    DEFAULT_CONFIDENCE_MODEL,
    _fact_coverage,
)
from assistant.search.filters import Filters, _any_of, allowed_documents, validate_query
from assistant.search.fusion import _known_share, _max_scaled, _minmax
from assistant.search.result import DocumentHit, Mode, Passage, SearchResult
from assistant.storage.faiss_index import search_vectors
from assistant.storage.snapshot import Snapshot
from assistant.text.sentences import split_sentences

_MULTI_SENTENCE_CHARS = 120
_MAX_QUERY_SENTENCES = 15
# Front-matter fields that say whom a document's programme is for and what it is about; the
# chunk texts do not carry them.  Used for project descriptions only (see ``_profile_scores``).
_PROFILE_FIELDS = ("zielgruppe", "tags")
_PROFILE_WEIGHT = 0.2
# Fused-score penalty for documents of Länder the query does not locate itself in (see above).
_OTHER_LAND_PENALTY = 0.2
_OTHER_LAND_PENALTY_PROJECT = 0.1
























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
        feedback_passages: int = 5,
        feedback_weight: float = 0.3,
    ) -> None:
        snapshot.check_embedder(embedder.name)
        self.snapshot = snapshot
        self.embedder = embedder
        self.dense_weight = dense_weight
        self.candidates = candidates
        self.passages_per_document = passages_per_document
        self.max_query_chars = max_query_chars
        self.confidence_model = confidence_model or dict(DEFAULT_CONFIDENCE_MODEL)
        self.feedback_passages = feedback_passages
        self.feedback_weight = feedback_weight
        self._profiles: dict[int, frozenset[str]] = {}
        self._other_land: dict[frozenset[str], np.ndarray] = {}

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
        query_vector = qvecs[0]  # the user's own query; feedback below replaces qvecs
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
        doc_lex = None
        if len(qvecs) > 1 and mode != "dense":
            doc_lex = snap.lexical.document_scores(query, snap.row_doc, len(snap.doc_ids), row_mask)
        timings["lexical"] = _ms(t0)

        t0 = time.perf_counter()
        pool = np.unique(np.concatenate([*dense_rows, lex_rows.astype(np.int64)]))
        known_share = _known_share(snap, term_weights)
        location = locate(query)
        demoted = self._other_land_penalty(location, project=len(qvecs) > 1) if mode == "hybrid" else None
        scored = self._score(pool, qvecs, lex_all, known_share, mode, doc_lex, term_weights, demoted)
        # Similarity signals come from the user's own query, before feedback moves it.
        signals = self._dense_signals(scored[0], scored[1]) | {"known_share": known_share}
        if mode == "hybrid" and self.feedback_passages and len(pool):
            qvecs, extra = self._feedback(qvecs, scored, allowed_rows)
            pool = np.unique(np.concatenate([pool, extra]))
            scored = self._score(pool, qvecs, lex_all, known_share, mode, doc_lex, term_weights, demoted)
        hits = self._group(*scored)
        timings["fusion"] = _ms(t0)

        t0 = time.perf_counter()
        page = hits[offset : offset + k]
        self._attach_chunks(hits[: max(_CONFIDENCE_DOCS, offset + k)] if hits else [])
        signals |= _fact_coverage(query, hits[:_CONFIDENCE_DOCS], term_weights, snap)
        timings["chunks"] = _ms(t0)
        return SearchResult(
            query=query,
            hits=page,
            total_documents=len(hits),
            confidence=self.confidence(signals),
            mode=mode,
            timings_ms=timings,
            query_terms=sorted(snap.lexical.known_terms(term_weights)),
            located_lands=sorted(location.lands),
            signals=signals,
            query_vector=query_vector,
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

    def _score(
        self,
        pool: np.ndarray,
        qvecs: np.ndarray,
        lex_all: np.ndarray,
        known_share: float,
        mode: Mode,
        doc_lex: np.ndarray | None = None,
        term_weights: dict[str, float] | None = None,
        demoted: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(rows, dense, lexical, fused) for the candidate pool; lexical mode drops rows without lexical evidence.

        With ``doc_lex`` (project descriptions) the lexical evidence of a passage is its
        document's: BM25 coverage of the whole document (``LexicalIndex.document_scores``)
        plus ``_PROFILE_WEIGHT`` times the match with its target groups and tags.
        ``demoted`` (per document) is subtracted from the fused score of its passages.
        """
        if len(pool) == 0:
            empty = np.zeros(0, dtype=np.float32)
            return pool, empty, empty, empty
        sims = self.snapshot.vectors.reconstruct_batch(pool) @ qvecs.T
        dense = sims[:, 0] if sims.shape[1] == 1 else 0.5 * sims[:, 0] + 0.5 * sims[:, 1:].max(axis=1)
        lexical = lex_all[pool]
        d_norm = _minmax(dense)
        if doc_lex is None:
            l_norm = _max_scaled(lexical)
        else:
            docs = self.snapshot.row_doc[pool]
            profile = self._profile_scores(docs, term_weights or {})
            l_norm = _max_scaled(doc_lex[docs]) + _PROFILE_WEIGHT * _max_scaled(profile)
        if mode == "dense":
            fused = d_norm
        elif mode == "lexical":
            keep = l_norm > 0
            return pool[keep], dense[keep], lexical[keep], l_norm[keep]
        else:
            # Lexical evidence counts in proportion to how much of the query the index knows at
            # all (idf-weighted): an English question matches one or two German words by chance.
            fused = self.dense_weight * d_norm + (1 - self.dense_weight) * known_share * l_norm
        if demoted is not None:
            fused = fused - demoted[self.snapshot.row_doc[pool]]
        return pool, dense, lexical, fused

    def _other_land_penalty(self, location: Location, *, project: bool) -> np.ndarray | None:
        """Per document: the penalty for naming only Länder other than the query's (None if it names none).

        The rule is ``Location.excludes``, computed over the snapshot's facet masks so it costs
        no metadata parsing however large the corpus; cached per set of located Länder.
        """
        if not location:
            return None
        other = self._other_land.get(location.lands)
        if other is None:
            lands = self.snapshot.facets["land"]
            n = len(self.snapshot.doc_ids)
            some_land = _any_of(lands, {v.casefold() for v in LANDS}, n)
            located = _any_of(lands, {v.casefold() for v in location.lands}, n)
            other = self._other_land[location.lands] = some_land & ~located
        return other * (_OTHER_LAND_PENALTY_PROJECT if project else _OTHER_LAND_PENALTY)

    def _profile_scores(self, docs: np.ndarray, term_weights: dict[str, float]) -> np.ndarray:
        """Per entry of ``docs``: summed idf of the query terms among the document's target groups and tags.

        A project description says who applies ("gemeinnütziger Verein", "Mittelständler")
        and what for; ``zielgruppe`` and ``tags`` in the front matter say the same of a
        programme, but only the metadata holds them.  Parsed per document on first use.
        """
        per_doc: dict[int, float] = {}
        for doc_index in np.unique(docs).tolist():
            terms = self._profiles.get(doc_index)
            if terms is None:
                meta = self.snapshot.documents[self.snapshot.doc_ids[doc_index]].metadata
                values = [v for name in _PROFILE_FIELDS for v in getattr(meta, name)]
                terms = self._profiles[doc_index] = frozenset(self.snapshot.lexical.analyze(" ".join(values)))
            per_doc[doc_index] = sum(w for t, w in term_weights.items() if t in terms)
        return np.array([per_doc[d] for d in docs.tolist()], dtype=np.float32)

    def _feedback(
        self,
        qvecs: np.ndarray,
        scored: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
        allowed_rows: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Pseudo-relevance feedback: move the whole-query vector towards the best fused passages.

        Rocchio-style q' = q + beta * mean(top passages), renormalised; the top passages
        were chosen by *both* sides, so BM25 hits on rare terms pull the dense query
        towards the vocabulary of the corpus (helps paraphrases and misspellings).
        Returns the new query vectors and the dense candidates of q'.
        """
        rows, _, _, fused = scored
        top = rows[np.argsort(-fused, kind="stable")[: self.feedback_passages]]
        centroid = self.snapshot.vectors.reconstruct_batch(top).mean(axis=0)
        moved = qvecs[0] + self.feedback_weight * centroid
        qvecs = qvecs.copy()
        qvecs[0] = moved / np.linalg.norm(moved)
        extra = search_vectors(self.snapshot.vectors, qvecs[0], self.candidates, allowed_rows)[0]
        return qvecs, extra.astype(np.int64)

    def _group(
        self, pool: np.ndarray, dense: np.ndarray, lexical: np.ndarray, fused: np.ndarray
    ) -> list[DocumentHit]:
        """Documents ranked by their best passage, each with up to ``passages_per_document`` passages."""
        snap = self.snapshot
        by_doc: dict[int, DocumentHit] = {}
        for i in np.argsort(-fused, kind="stable"):
            row = int(pool[i])
            doc_index = int(snap.row_doc[row])
            passage = Passage(row, None, float(fused[i]), float(dense[i]), float(lexical[i]))  # type: ignore[arg-type]
            hit = by_doc.get(doc_index)
            if hit is None:
                record = snap.documents[snap.doc_ids[doc_index]]
                by_doc[doc_index] = DocumentHit(record, float(fused[i]), [passage])
            elif len(hit.passages) < self.passages_per_document:
                hit.passages.append(passage)
        return list(by_doc.values())  # insertion order is best-first already

    def _dense_signals(self, pool: np.ndarray, dense: np.ndarray) -> dict[str, float]:
        """Best passage similarity and its margin over the best passage of the next document."""
        if len(pool) == 0:
            return {"dense_top": 0.0, "dense_margin": 0.0}
        best = np.full(len(self.snapshot.doc_ids), -np.inf)
        np.maximum.at(best, self.snapshot.row_doc[pool], dense)
        ranked = np.sort(best[np.isfinite(best)])[::-1]
        margin = float(ranked[0] - ranked[1]) if len(ranked) > 1 else 0.0
        return {"dense_top": float(ranked[0]), "dense_margin": margin}

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










def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 3)
