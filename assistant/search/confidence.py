"""Whether a search found an answer: the signals and the fitted logistic model over them.

* ``dense_top``: cosine of the best passage for the user's own query (before feedback
  moves it); off-topic questions score lower than in-domain ones.
* ``fact_cov``: when a question asks for a specific fact (an amount, a date, a person,
  a phone number …), how well a sentence of the best document that *holds* such a fact
  matches the question, relative to the best-matching sentence; 1.0 when no fact is asked.

The coefficients are fitted (``revierlotse fit``) and live in ``fitted.json``.
"""

from __future__ import annotations

import math
import weakref

import numpy as np

from assistant.search.result import DocumentHit
from assistant.storage.store import Store
from assistant.text.facts import FACT_QUESTION_WORDS, covers, same_word
from assistant.text.sentences import split_sentences

LEAD_CHARS = 120  # the start of a document, read as part of its name (as in the answer check)

# A search result whose confidence (the search model's probability that the best document
# answers) is below this is marked uncertain; REVIERLOTSE_ABSTAIN_THRESHOLD overrides it.
UNCERTAIN_BELOW = 0.5


def confidence(model: dict[str, float], signals: dict[str, float]) -> float:
    """Logistic model over the signals: ``bias + Σ weight · signal`` through the sigmoid."""
    z = model.get("bias", 0.0) + sum(w * signals.get(name, 0.0) for name, w in model.items() if name != "bias")
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def dense_signals(row_doc: np.ndarray, n_docs: int, pool: np.ndarray, dense: np.ndarray) -> dict[str, float]:
    """Best passage similarity and its margin over the best passage of the next document."""
    if len(pool) == 0:
        return {"dense_top": 0.0, "dense_margin": 0.0}
    best = np.full(n_docs, -np.inf)
    np.maximum.at(best, row_doc[pool], dense)
    ranked = np.sort(best[np.isfinite(best)])[::-1]
    margin = float(ranked[0] - ranked[1]) if len(ranked) > 1 else 0.0
    return {"dense_top": float(ranked[0]), "dense_margin": margin}


def fact_coverage(
    query: str, hits: list[DocumentHit], term_weights: dict[str, float], snap: Store
) -> dict[str, float]:
    """How well a sentence that *holds the asked-for fact* matches the question (0…1).

    Unanswerable questions here are mostly about a known topic but ask for a detail the
    documents lack ("Wie hoch ist das Budget 2026?", "Telefonnummer von …").  Retrieval
    scores cannot see that; sentences can.  For every sentence of the best document we
    take the idf-weighted share of the question's terms it contains (with the document
    title and the section headings above it; "studieren" matches "Studierende" by
    prefix, as in the answer check); ``fact_cov`` is the best such share among
    sentences that also carry the kind of fact asked for (amount, date, the year or
    number named, a person, a phone number / e-mail; see ``facts.covers``),
    divided by the best share of any sentence of that document.  A question that asks
    for no such fact gets 1.0.
    """
    asks = bool(hits) and not covers(query, [])
    # "Förderquote", "wie viel Geld" say which fact is asked, not about what: sentences holding the
    # amount rarely repeat them, so they must not make a fact-free sentence look the better match.
    generic = set(snap.lexical.analyze(FACT_QUESTION_WORDS))
    term_weights = {t: w for t, w in term_weights.items() if t not in generic} or term_weights
    total = sum(term_weights.values())
    if not asks or not total:
        return {"asks_fact": float(asks), "fact_cov": 1.0}
    context = " ".join(h.document.title for h in hits)
    # Every passage of the best document, not only the retrieved ones: the fact may sit in
    # a section the question's words do not name ("Förderquote" → "## Förderart und -höhe").
    top = hits[0].document
    best = best_with_fact = 0.0
    any_fact = False
    sentences = _analysed_sentences(snap, top.doc_id, top.title)
    vocabulary = frozenset().union(*(present for _, present in sentences))
    # Per query term, the document's terms that count as the same word (itself or by prefix).
    alike = {t: {p for p in vocabulary if same_word(t, p)} for t in term_weights}
    for sentence, present in sentences:
        share = sum(w for t, w in term_weights.items() if not alike[t].isdisjoint(present)) / total
        best = max(best, share)
        if covers(query, [sentence], context):
            any_fact = True
            best_with_fact = max(best_with_fact, share)
    if best == 0:
        # No sentence shares a word with the question ("Und wie lange läuft das?" before the
        # conversation adds its topic): words cannot tell, so only ask whether the fact is there.
        return {"asks_fact": 1.0, "fact_cov": float(any_fact)}
    return {"asks_fact": 1.0, "fact_cov": best_with_fact / best}


# Per opened generation (gone with it): doc_id → its sentences with their analysed terms.
_SENTENCES: weakref.WeakKeyDictionary[Store, dict[str, list[tuple[str, frozenset[str]]]]] = weakref.WeakKeyDictionary()
_SENTENCE_DOCS = 512  # documents remembered per generation


def _analysed_sentences(snap: Store, doc_id: str, title: str) -> list[tuple[str, frozenset[str]]]:
    """Every sentence of a document with the terms of it, its title, lead and headings (the same for every query)."""
    by_doc = _SENTENCES.setdefault(snap, {})
    cached = by_doc.get(doc_id)
    if cached is not None:
        return cached
    records = snap.document_chunks(doc_id)
    # A page without structure names its subject in the lines below its title ("Expertentreffen").
    lead = records[0].chunk.text[:LEAD_CHARS] if records else ""
    out = []
    for record in records:
        frame = " ".join((title, lead, *record.chunk.heading_path))
        for sentence in split_sentences(record.chunk.text):
            out.append((sentence, frozenset(snap.lexical.analyze(f"{sentence} {frame}"))))
    if len(by_doc) >= _SENTENCE_DOCS:
        by_doc.clear()
    by_doc[doc_id] = out
    return out
