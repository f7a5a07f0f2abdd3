"""Does an extractive answer hold what the question asks for?

A "wie hoch / bis wann / wie viele" question needs an amount, a date or a count in the
quoted statements, a year or number the question names must be in them, and a question
for a phone number or e-mail needs one (``facts.covers``).  Whether the fact is about
what was asked is left to the confidence model: a stricter rule (a topic word of the
question in the statement with the fact) refused a fifth of the answerable questions on
documents we did not write (docs/decisions/0003).
"""

from __future__ import annotations

from assistant.answering.selection import Candidate
from assistant.text.facts import covers


def covered(question: str, chosen: list[Candidate]) -> bool:
    """Whether ``chosen`` holds the kind of fact ``question`` asks for."""
    context = " ".join(f"{c.hit.document.title} {' '.join(c.passage.chunk.heading_path)}" for c in chosen)
    return covers(question, [c.text for c in chosen], context)
