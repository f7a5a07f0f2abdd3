"""Pick the sentences of an extractive answer from the retrieved passages.

Every quotable statement of the top documents (the best two read whole) gets the named
features of ``sentence_model.FEATURES`` — dense and lexical match with the question,
the asked-for fact, the retriever's verdict on its document and passage — and the
fitted sentence model scores them.  Sentences are never cut: the answer takes the best
non-redundant statements that fit the length limit; a further statement must score
within the model's margin of the best one, or match the topic (its score without the
fact feature) within the margin of the best topical match, so a statement that wins
by its number alone does not crowd out the one that says what the number is about.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from assistant.answering.sentence_model import SentenceModel
from assistant.domain import vocabulary
from assistant.embedding.embedders import Embedder
from assistant.search.result import DocumentHit, Passage
from assistant.storage.embedding_cache import StatementVectors
from assistant.storage.snapshot import Snapshot
from assistant.text.analyzer import GermanAnalyzer
from assistant.text.facts import (
    asks_person,
    fact_boost,
    fact_kinds,
    fact_tokens,
    names_person,
    wanted_kinds,
)
from assistant.text.statements import (
    quotable_statements,
    short_title,
    statement_embed_text,
)

MAX_DOCUMENTS = 3
_NON_CONTENT = frozenset(h.casefold() for h in vocabulary.words("sections.yaml", "non_content_headings"))
MAX_CANDIDATES = 200  # statements scored densely per question (vectors precomputed at index time)
MAX_LABEL_CHARS = 120  # longer document names are shortened to their head (the longest shipped title has 119)
REDUNDANT_COS = 0.95  # statement vectors this similar say the same thing


@dataclass
class Candidate:
    text: str  # cleaned sentence, shown in the answer
    hit: DocumentHit
    passage: Passage
    position: tuple[int, int]  # (chunk position, sentence index) for reading order
    doc_rank: int = 0
    score: float = 0.0
    features: dict[str, float] = field(default_factory=dict)
    vector: np.ndarray | None = None
    topical: float = 0.0  # the score without the fact feature: how well it matches the question's topic

    @property
    def embed_text(self) -> str:
        return statement_embed_text(self.hit.document.title, self.passage.chunk.heading_path, self.text)


def whole_documents(hits: list[DocumentHit], store: Snapshot, count: int) -> list[DocumentHit]:
    """The hits with *all* sections of the best ``count`` documents as passages (retrieved ones first).

    Why: the fact is often in a section of the right document that retrieval did not
    return ("Antragsfrist" below "Fördergegenstand"); a document has a handful of
    sections, so reading all of them is cheap.  The given hits stay as they are.
    """
    out: list[DocumentHit] = []
    for rank, hit in enumerate(hits):
        if rank >= count:
            out.append(hit)
            continue
        have = {p.row for p in hit.passages}
        extra = [
            Passage(c.row, c.chunk, 0.0, 0.0, 0.0) for c in store.document_chunks(hit.document.doc_id) if c.row not in have
        ]
        out.append(DocumentHit(hit.document, hit.score, [*hit.passages, *extra]))
    return out


def candidates(hits: list[DocumentHit], max_chars: int, max_documents: int | None = None) -> list[Candidate]:
    """Quotable, de-duplicated statements of the top documents' passages that fit ``max_chars``."""
    max_documents = MAX_DOCUMENTS if max_documents is None else max_documents
    out: list[Candidate] = []
    seen: set[str] = set()
    top = hits[0].score if hits else 0.0
    for rank, hit in enumerate(hits[:max_documents]):
        if rank and top > 0 and hit.score < 0.5 * top:
            break
        for passage in hit.passages:
            path = passage.chunk.heading_path
            if path and path[-1].strip().casefold() in _NON_CONTENT:
                continue  # "## Quelle": about the document, not about its subject
            for i, text in quotable_statements(passage.chunk.text, max_chars, path):
                key = text.casefold()
                if key not in seen:
                    seen.add(key)
                    out.append(Candidate(text, hit, passage, (passage.chunk.position, i), rank))
    return out


class SentenceSelector:
    """Scores candidate statements against a question and picks the answer statements."""

    def __init__(
        self,
        embedder: Embedder,
        statements: StatementVectors,
        analyzer: GermanAnalyzer | None = None,
        model: SentenceModel | None = None,
    ) -> None:
        self.embedder = embedder
        self.statements = statements
        self.analyzer = analyzer or GermanAnalyzer()
        self.model = model or SentenceModel()

    def score(
        self,
        question: str,
        cands: list[Candidate],
        qvec: np.ndarray | None = None,
        limit: int | None = None,
        weights: dict[str, float] | None = None,
    ) -> list[Candidate]:
        """Fill in features and scores; returns the (at most ``limit``) embedded candidates best first.

        ``weights`` (term → idf, from the index) make rare question words count more in
        the lexical share than frequent ones; without them every term weighs 1.  Only
        the candidates that score best without the dense features are embedded
        (bounded latency on a cold cache); ``limit=0`` embeds all (for fitting).
        """
        if not cands:
            return []
        limit = MAX_CANDIDATES if limit is None else limit
        self._text_features(question, cands, weights)
        model = self.model
        keep = sorted(cands, key=lambda c: -model.score(c.features))
        keep = keep[:limit] if limit else keep
        if qvec is None:
            qvec = self.embedder.embed_queries([question])[0]
        vectors = self.statements.get([c.embed_text for c in keep])
        cos = vectors @ qvec
        lo, hi = float(cos.min()), float(cos.max())
        span = max(hi - lo, 0.05)
        fact_weight = model.fact_weight
        for c, v, s in zip(keep, vectors, cos):
            c.vector = v
            c.features["dense"] = float((s - lo) / span)
            c.features["dense_raw"] = float(s)
            c.score = model.score(c.features)
            c.topical = c.score - fact_weight * c.features["facts"]
        return sorted(keep, key=lambda c: -c.score)

    def _text_features(self, question: str, cands: list[Candidate], weights: dict[str, float] | None) -> None:
        """Every feature that needs no embedding (see ``sentence_model.FEATURES``)."""
        q_terms = set(self.analyzer.analyze(question))
        weight = {t: weights.get(t, 1.0) if weights else 1.0 for t in q_terms}
        q_facts, wanted = fact_tokens(question), wanted_kinds(question, ranking=True)
        person = asks_person(question)
        top_doc = max(c.hit.score for c in cands) or 1.0
        top_passage = max(c.passage.score for c in cands) or 1.0
        title_terms: dict[str, set[str]] = {}
        for c in cands:
            # Words of the document's title do not tell its sentences apart: they are all about it.
            doc = c.hit.document
            if doc.doc_id not in title_terms:
                title_terms[doc.doc_id] = set(self.analyzer.analyze(doc.title))
            wanted_terms = (q_terms - title_terms[doc.doc_id]) or q_terms
            denom = sum(weight[t] for t in wanted_terms) or 1.0
            s_terms = set(self.analyzer.analyze(c.text))
            h_terms = set(self.analyzer.analyze(" ".join(c.passage.chunk.heading_path[-1:])))
            has_wanted = bool(fact_kinds(c.text) & wanted) or (person and names_person(c.text))
            c.features = {
                "dense": 0.0,
                "dense_raw": 0.0,
                "lexical": sum(weight[t] for t in wanted_terms & (s_terms | h_terms)) / denom,
                "heading": sum(weight[t] for t in wanted_terms & h_terms) / denom,
                "facts": fact_boost(question, c.text, q_tokens=q_facts, wanted=wanted),
                "wanted_missing": float(bool(wanted or person) and not has_wanted),
                "doc_prior": c.hit.score / top_doc,
                "passage_prior": max(c.passage.score, 0.0) / top_passage,
                "doc_rank": float(c.doc_rank),
                "log_chars": math.log(len(c.text)),
            }

    def select(
        self,
        ranked: list[Candidate],
        max_chars: int,
        max_sentences: int | None = None,
        labels: dict[str, str] | None = None,
    ) -> list[Candidate]:
        """Best non-redundant statements close to the best (module docstring) whose cited text fits
        ``max_chars``; never cuts one.

        ``labels`` (doc id → label) are the document names the answer will put before
        the first statement of each document; they count against the budget.
        """
        max_sentences = self.model.max_sentences if max_sentences is None else max_sentences
        margin = self.model.margin
        labels = labels or {}
        chosen: list[Candidate] = []
        used = 0
        best = ranked[0].score if ranked else 0.0
        best_topical = max((c.topical for c in ranked), default=0.0)
        for c in ranked:
            if len(chosen) >= max_sentences:
                break
            if chosen and c.score < best - margin and c.topical < best_topical - margin:
                continue
            cost = len(c.text) + 6 + (1 if chosen else 0)  # " [nn]" marker and the joining space
            doc_id = c.hit.document.doc_id
            if doc_id in labels and all(o.hit.document.doc_id != doc_id for o in chosen):
                cost += len(labels[doc_id]) + 4  # "„Label“: "
            if used + cost > max_chars or self._redundant(c, chosen):
                continue
            chosen.append(c)
            used += cost
        return chosen

    def _redundant(self, c: Candidate, chosen: list[Candidate]) -> bool:
        """Says what a chosen statement says: nearly the same vector or words, and no number,
        date or § of its own ("Ticketpreis 90 EUR" and "Frühbucherpreis 60 EUR" are two facts)."""
        terms = set(self.analyzer.analyze(c.text))
        facts = fact_tokens(c.text)
        for other in chosen:
            if facts - fact_tokens(other.text):
                continue
            if c.vector is not None and other.vector is not None and float(c.vector @ other.vector) > REDUNDANT_COS:
                return True
            o_terms = set(self.analyzer.analyze(other.text))
            if terms and o_terms and len(terms & o_terms) / len(terms | o_terms) > 0.6:
                return True
        return False


def reading_order(chosen: list[Candidate]) -> list[Candidate]:
    """Documents in order of relevance; inside one, its best statement first, the rest in document order.

    Why the best first: "Wie hoch ist die Förderquote bei STARK?" should open with "bis zu 90
    Prozent", not with the sentence above it about the ministry (answer-hint rate +0.009).
    ``chosen`` comes best-first from ``select``.
    """
    first_rank: dict[str, int] = {}
    lead: dict[str, Candidate] = {}
    for i, c in enumerate(chosen):
        first_rank.setdefault(c.hit.document.doc_id, i)
        lead.setdefault(c.hit.document.doc_id, c)
    return sorted(
        chosen, key=lambda c: (first_rank[c.hit.document.doc_id], c is not lead[c.hit.document.doc_id], c.position)
    )


def document_labels(question: str, hits: list[DocumentHit], analyzer: GermanAnalyzer) -> dict[str, str]:
    """Doc id → the name an answer puts before that document's statements („STARK“: …).

    Why: statements are quoted as written, and "Die KfW bietet Kommunen langfristige
    Investitionskredite" does not say which programme it describes; the title does
    (measured: answer-hint rate 0.675 → 0.717 on the eval set).  Titles longer than
    ``MAX_LABEL_CHARS`` are shortened to their head ("STARK"); no label when the
    question already names the document.
    """
    out: dict[str, str] = {}
    for hit in hits:
        title = hit.document.title.strip()
        label = title if len(title) <= MAX_LABEL_CHARS else short_title(title)
        if len(label) <= MAX_LABEL_CHARS and not _names(label, question, analyzer):
            out[hit.document.doc_id] = label
    return out


def labelled_text(
    ordered: list[Candidate], cited: list[str], labels: dict[str, str], analyzer: GermanAnalyzer
) -> str:
    """Join cited statements, putting „label“ before a document's first statement unless
    that statement already names the document."""
    parts: list[str] = []
    seen: set[str] = set()
    for c, text in zip(ordered, cited):
        doc_id = c.hit.document.doc_id
        label = labels.get(doc_id)
        if doc_id not in seen and label and not _names(label, c.text, analyzer):
            text = f"„{label}“: {text}"
        seen.add(doc_id)
        parts.append(text)
    return " ".join(parts)


def _names(label: str, text: str, analyzer: GermanAnalyzer) -> bool:
    """Whether ``text`` names the labelled document: half of the label's words or more."""
    label_terms = set(analyzer.analyze(label))
    return bool(label_terms) and 2 * len(label_terms & set(analyzer.analyze(text))) >= len(label_terms)
