"""Pick the sentences of an extractive answer from the retrieved passages.

Score of a candidate sentence (weights checked on the eval set, see evaluation.py):

* dense: cosine of the question (as e5 query) and the sentence (as e5 passage,
  prefixed with its document's short title and heading so "Laufzeit bis zu vier
  Jahre" still knows it is about STARK), rescaled over the candidates;
* lexical: share of the question's German index terms the sentence (or its
  heading) contains;
* facts: the sentence repeats a number/§/date of the question, or the question
  asks "wie hoch"/"bis wann"/"wie viele" and the sentence has an amount, a date or
  a count;
* document prior: the retriever's score of the sentence's document relative to
  the best one, so the answer comes from the top documents;
* passage prior: the retriever's fused score of the sentence's passage relative to
  the best passage (0 for sections the retriever did not return).  The retriever
  judged the whole passage with both dense and BM25 evidence, context a single
  sentence lacks (answer-hint rate 0.717 → 0.733; any weight from 0.05 to 0.15 gives
  the same).

Sentences are never cut: a sentence that does not fit the remaining budget is
skipped, and the answer takes the best non-redundant sentences that fit.  A further
sentence must score within ``SCORE_MARGIN`` of the best one, or match the topic
(its score without the fact boost) within the margin of the best topical match: in
"GRW Finanzierung Bund Länder Art. 91a GG" the Art. 91a sentence wins by its fact
boost alone, and "Bund und Länder finanzieren die Mittel je zur Hälfte" must still
be quoted (answer-hint rate 0.742 → 0.750).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.embedding.embedders import Embedder
from assistant.search.result import DocumentHit, Passage
from assistant.storage.embedding_cache import StatementVectors
from assistant.text.analyzer import GermanAnalyzer
from assistant.text.facts import fact_boost, fact_tokens, wanted_kinds
from assistant.text.statements import (
    quotable_statements,
    short_title,
    statement_embed_text,
)

W_DENSE, W_LEXICAL, W_FACTS, W_DOC, W_PASSAGE = 0.45, 0.25, 0.2, 0.3, 0.1
MAX_DOCUMENTS = 3
MAX_CANDIDATES = 32  # sentences scored densely per question (precomputed at index time; ~20 ms each if not)
MAX_LABEL_CHARS = 120  # longer document names are shortened to their head (the longest shipped title has 119)
MAX_SENTENCES = 4  # 3 → 4 raised the answer-hint rate on the eval set from 0.56 to 0.60
SCORE_MARGIN = 0.2  # further sentences must score within this of the best one (0.3: hint +0.008, less focused)
REDUNDANT_COS = 0.95  # sentence vectors this similar say the same thing


@dataclass
class Candidate:
    text: str  # cleaned sentence, shown in the answer
    hit: DocumentHit
    passage: Passage
    position: tuple[int, int]  # (chunk position, sentence index) for reading order
    score: float = 0.0
    dense: float = 0.0
    lexical: float = 0.0
    facts: float = 0.0
    vector: np.ndarray | None = None

    @property
    def topical(self) -> float:
        """The score without the fact boost: how well the statement matches the question's topic."""
        return self.score - W_FACTS * self.facts

    @property
    def embed_text(self) -> str:
        return statement_embed_text(self.hit.document.title, self.passage.chunk.heading_path, self.text)


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
            for i, text in quotable_statements(passage.chunk.text, max_chars, passage.chunk.heading_path):
                key = text.casefold()
                if key not in seen:
                    seen.add(key)
                    out.append(Candidate(text, hit, passage, (passage.chunk.position, i)))
    return out


class SentenceSelector:
    """Scores candidate sentences against a question and picks the answer sentences."""

    def __init__(self, embedder: Embedder, statements: StatementVectors, analyzer: GermanAnalyzer | None = None) -> None:
        self.embedder = embedder
        self.statements = statements
        self.analyzer = analyzer or GermanAnalyzer()

    def score(
        self,
        question: str,
        cands: list[Candidate],
        qvec: np.ndarray | None = None,
        limit: int | None = None,
        weights: dict[str, float] | None = None,
    ) -> list[Candidate]:
        """Fill in the scores; returns the (at most ``limit``) embedded candidates best first.

        ``weights`` (term → idf, from the index) make rare question words count more in
        the lexical share than frequent ones; without them every term weighs 1.
        """
        if not cands:
            return []
        limit = MAX_CANDIDATES if limit is None else limit
        q_terms = set(self.analyzer.analyze(question))
        weight = {t: weights.get(t, 1.0) if weights else 1.0 for t in q_terms}
        q_facts, wanted = fact_tokens(question), wanted_kinds(question, ranking=True)
        top_doc = max(c.hit.score for c in cands) or 1.0
        top_passage = max(c.passage.score for c in cands) or 1.0
        title_terms: dict[str, set[str]] = {}
        for c in cands:
            s_terms = set(self.analyzer.analyze(c.text + " " + " ".join(c.passage.chunk.heading_path[-1:])))
            # Words of the document's title do not tell its sentences apart: they are all about it.
            doc = c.hit.document
            if doc.doc_id not in title_terms:
                title_terms[doc.doc_id] = set(self.analyzer.analyze(doc.title))
            wanted_terms = (q_terms - title_terms[doc.doc_id]) or q_terms
            denom = sum(weight[t] for t in wanted_terms)
            c.lexical = sum(weight[t] for t in wanted_terms & s_terms) / denom if denom else 0.0
            c.facts = fact_boost(question, c.text, q_tokens=q_facts, wanted=wanted)

        def prior(c: Candidate) -> float:
            return (
                W_LEXICAL * c.lexical
                + W_FACTS * c.facts
                + W_DOC * c.hit.score / top_doc
                + W_PASSAGE * c.passage.score / top_passage
            )

        # Only the most promising candidates are embedded (bounded latency on a cold cache).
        keep = sorted(cands, key=lambda c: -prior(c))[:limit]
        if qvec is None:
            qvec = self.embedder.embed_queries([question])[0]
        vectors = self.statements.get([c.embed_text for c in keep])
        cos = vectors @ qvec
        lo, hi = float(cos.min()), float(cos.max())
        span = max(hi - lo, 0.05)
        for c, v, s in zip(keep, vectors, cos):
            c.vector = v
            c.dense = float((s - lo) / span)
            c.score = W_DENSE * c.dense + prior(c)
        return sorted(keep, key=lambda c: -c.score)

    def select(
        self,
        ranked: list[Candidate],
        max_chars: int,
        max_sentences: int | None = None,
        labels: dict[str, str] | None = None,
    ) -> list[Candidate]:
        """Best non-redundant sentences close to the best (module docstring) whose cited text fits
        ``max_chars``; never cuts one.

        ``labels`` (doc id → label) are the document names the answer will put before
        the first statement of each document; they count against the budget.
        """
        max_sentences = MAX_SENTENCES if max_sentences is None else max_sentences
        labels = labels or {}
        chosen: list[Candidate] = []
        used = 0
        best = ranked[0].score if ranked else 0.0
        best_topical = max((c.topical for c in ranked), default=0.0)
        for c in ranked:
            if len(chosen) >= max_sentences:
                break
            if chosen and c.score < best - SCORE_MARGIN and c.topical < best_topical - SCORE_MARGIN:
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
        terms = set(self.analyzer.analyze(c.text))
        for other in chosen:
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
