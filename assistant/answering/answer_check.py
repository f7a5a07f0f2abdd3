"""Does an extractive answer hold what the question asks for?

A "wie hoch / bis wann / wie viele" question needs an amount, a date or a count in the
quoted statements, a year or number the question names must be in them, and a question
for a phone number or e-mail needs one (``facts.covers``).  A question for a person
("Wer leitet die Werkstatt Kunst und Kultur?") also needs the person to be named in a
statement about what was asked: a name is never generic, and quoting the speaker of
another workshop is a wrong answer given with confidence.  For amounts and dates such a
topic rule refused a fifth of the answerable questions on documents we did not write
(docs/decisions/0008), so whether they are about the question is left to the confidence.
"""

from __future__ import annotations

from collections.abc import Callable

from assistant.answering.selection import Candidate
from assistant.search.confidence import LEAD_CHARS
from assistant.text.analyzer import GermanAnalyzer
from assistant.text.facts import (
    FACT_QUESTION_WORDS,
    asks_person,
    covers,
    names_person,
    role_words,
    same_word,
)

_GENERIC = frozenset(GermanAnalyzer().analyze(FACT_QUESTION_WORDS))


def covered(
    question: str, chosen: list[Candidate], analyzer: GermanAnalyzer, known: Callable[[set[str]], set[str]]
) -> bool:
    """Whether ``chosen`` holds the kind of fact ``question`` asks for; ``known`` keeps the index's terms."""
    context = " ".join(f"{c.hit.document.title} {' '.join(c.passage.chunk.heading_path)}" for c in chosen)
    if not covers(question, [c.text for c in chosen], context):
        return False
    return not asks_person(question) or person_on_topic(question, chosen, analyzer, known)


def person_on_topic(
    question: str, chosen: list[Candidate], analyzer: GermanAnalyzer, known: Callable[[set[str]], set[str]]
) -> bool:
    """A named person in a statement about what was asked (its words, heading, document title or lead).

    The question's own words minus role words ("Werkstattsprecherin", "leitet") and question
    words are its topic.  A topic word the knowledge base does not know at all means it does
    not cover the subject ("Werkstatt Kunst und Kultur" in a knowledge base without it).
    """
    roles = set(analyzer.analyze(" ".join(role_words(question))))
    topic = set(analyzer.analyze(question)) - _GENERIC - roles
    if topic - known(topic):
        return False
    for c in chosen:
        if not names_person(c.text):
            continue
        own = set(analyzer.analyze(f"{c.text} {' '.join(c.passage.chunk.heading_path)} {c.hit.document.title}"))
        own |= set(analyzer.analyze(_lead(c)))
        if not topic or all(any(same_word(t, o) for o in own) for t in topic):
            return True
    return False


def _lead(c: Candidate) -> str:
    """The first characters of the statement's document, as far as the hit holds its first passage."""
    first = min(c.hit.passages, key=lambda p: p.chunk.position)
    return first.chunk.text[:LEAD_CHARS] if first.chunk.position == 0 else ""
