"""Does an extractive answer hold what the question asks for?"""

from __future__ import annotations

from collections.abc import Callable

from assistant.answering.selection import (
    Candidate,
)
from assistant.text.analyzer import GermanAnalyzer
from assistant.text.facts import (
    FACT_QUESTION_WORDS,
    asks_person,
    covers,
    fact_kinds,
    names_person,
    role_words,
    same_word,
    wanted_kinds,
)

_GENERIC = frozenset(GermanAnalyzer().analyze(FACT_QUESTION_WORDS))


def covered(
    question: str,
    chosen: list[Candidate],
    analyzer: GermanAnalyzer | None = None,
    known: Callable[[set[str]], set[str]] | None = None,
) -> bool:
    """Whether ``chosen`` answers what ``question`` asks; ``known`` keeps the terms the index knows."""
    context = " ".join(f"{c.hit.document.title} {' '.join(c.passage.chunk.heading_path)}" for c in chosen)
    if not covers(question, [c.text for c in chosen], context):
        return False
    return fact_on_topic(question, chosen, analyzer or GermanAnalyzer(), known)


def fact_on_topic(
    question: str,
    chosen: list[Candidate],
    analyzer: GermanAnalyzer,
    known: Callable[[set[str]], set[str]] | None = None,
) -> bool:
    """A "wie hoch/bis wann/wer leitet" answer needs a statement with that fact (an amount,
    a date, a named person) *about what was asked*.

    Why: "Wie hoch ist der Zinssatz beim StartGeld?" is otherwise "answered" by any
    amount in the StartGeld document (the 125.000-Euro limit).  The statement carrying
    the fact (or its heading) must share a question word that is not merely the
    document's name (that one every sentence of the document is about) and not a
    question word like "wie hoch".  Words the index does not know (typos, English)
    are no evidence either way, and "studieren"/"Studierende" match by prefix.
    """
    wanted = wanted_kinds(question)
    person = asks_person(question)
    if not wanted and not person:
        return True
    # Role words ("Werkstattsprecherin") say a person is asked for, like "wie hoch" says an amount.
    roles = set(analyzer.analyze(" ".join(role_words(question)))) if person else set()
    q_terms = set(analyzer.analyze(question)) - _GENERIC - roles
    if known is not None:
        q_terms = known(q_terms)
    for c in chosen:
        if not (fact_kinds(c.text) & wanted or (person and names_person(c.text))):
            continue
        topic = q_terms - set(analyzer.analyze(c.hit.document.title))
        own = set(analyzer.analyze(f"{c.text} {' '.join(c.passage.chunk.heading_path)}"))
        if not topic or any(same_word(t, o) for t in topic for o in own):
            return True
    return False
