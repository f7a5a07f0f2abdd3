"""The closing line "the Fördergeber's current guideline is binding", and when an answer needs it.

Why: a sponsor who reads "bis zu 90 Prozent" or "antragsberechtigt sind Kommunen"
may act on it; our text is a summary checked on a date, the guideline decides.
So an answer that quotes an amount or rate, a deadline or a date, or who may
apply and what is funded, closes with one short line saying so.  Decided per
quoted statement (the text before each ``[n]``), by the fact kinds of
``text/facts.py`` and the eligibility wording of ``domain/data/provenance.yaml``;
statements from event and project documents report history, not conditions.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from assistant.answering.citations import CITATION, expand_multi
from assistant.answering.models import Source
from assistant.domain import vocabulary
from assistant.storage.records import DocumentRecord
from assistant.text.facts import fact_kinds, fact_tokens

MAX_NAMED_SPONSORS = 2
_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SEGMENT = re.compile(r"(.*?)((?:\s?\[\d{1,3}\])+)", re.DOTALL)


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], frozenset[str]]:
    data = vocabulary.load("provenance.yaml")
    eligibility = re.compile(rf"\b(?:{'|'.join(data['eligibility_patterns'])})", re.IGNORECASE)
    deadline = re.compile(
        rf"\b(?:{'|'.join(vocabulary.words('questions.yaml', 'deadline_patterns'))})\b", re.IGNORECASE
    )
    return eligibility, deadline, frozenset(data["binding_skip_types"])


def states_conditions(statement: str) -> bool:
    """Whether a statement gives an amount or rate, a deadline or date, or who/what is eligible."""
    eligibility, deadline, _ = _patterns()
    kinds = fact_kinds(statement)
    if "amount" in kinds:
        return True
    # A bare year ("seit 2012") or a duration is no deadline; a full date or deadline wording is.
    if "date" in kinds and (deadline.search(statement) or any(_FULL_DATE.match(t) for t in fact_tokens(statement))):
        return True
    return bool(eligibility.search(statement))


def quoted_statements(text: str) -> list[tuple[str, list[int]]]:
    """(statement, cited numbers) for each run of text that ends in citation markers."""
    out: list[tuple[str, list[int]]] = []
    for m in _SEGMENT.finditer(expand_multi(text)):
        numbers = [int(n.group(1)) for n in CITATION.finditer(m.group(2))]
        statement = m.group(1).strip(" .\n")
        if statement:
            out.append((statement, numbers))
    return out


def binding_note(text: str, sources: list[Source], documents: Mapping[str, DocumentRecord]) -> str | None:
    """The closing line when a quoted statement states conditions, naming the Fördergeber when known."""
    _, _, skip = _patterns()
    by_number = {s.number: s for s in sources}
    sponsors: list[str] = []
    needed = False
    for statement, numbers in quoted_statements(text):
        cited = [by_number[n] for n in numbers if n in by_number]
        if not any(s.doc_type not in skip for s in cited) or not states_conditions(statement):
            continue
        needed = True
        for s in cited:
            record = documents.get(s.doc_id)
            name = record.metadata.foerdergeber if record is not None else None
            if name and name not in sponsors:
                sponsors.append(name)
    if not needed:
        return None
    named = f", hier {' bzw. '.join(sponsors)}" if 0 < len(sponsors) <= MAX_NAMED_SPONSORS else ""
    return f"Verbindlich ist allein die aktuelle Richtlinie des Fördergebers{named}; bitte vor dem Antrag dort prüfen."
