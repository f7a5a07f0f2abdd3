"""The structured answer every door renders: text with [n] citations, sources, confidence.

Also the result of the project check.  Plain dataclasses: they cross from the
answering package to the API, the bot and the CLI, and ``to_dict`` gives each
door the same JSON shape.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def to_dict(obj: Any) -> dict[str, Any]:
    """JSON-ready dict of any of the dataclasses here (dates as ISO strings)."""
    return _jsonable(dataclasses.asdict(obj))


@dataclass(frozen=True)
class Source:
    """One numbered source of an answer; ``number`` is what ``[n]`` in the text refers to."""

    number: int
    doc_id: str
    title: str
    doc_type: str
    source_path: str
    source_url: str | None
    stand: dt.date | None
    heading: str
    page: int | None
    printed_page: str | None
    passage: str
    # Provenance beyond ``stand``: version date of the guideline, programme status, end of validity.
    quelle_stand: dt.date | None = None
    status: str | None = None
    gueltig_bis: dt.date | None = None


@dataclass(frozen=True)
class Contact:
    """An `akteur` document suggested as whom to ask (or, lacking one, a programme's Fördergeber)."""

    doc_id: str
    title: str
    source_url: str | None
    region: tuple[str, ...] = ()
    land: tuple[str, ...] = ()
    note: str | None = None  # e.g. "Fördergeber von STARK" when no akteur document fits


@dataclass
class Answer:
    answer_id: str
    question: str
    resolved_question: str  # after follow-up resolution against the conversation
    text: str
    sources: list[Source]
    confidence: float
    abstained: bool
    notices: list[str] = field(default_factory=list)  # e.g. outdated facts, passed deadlines
    contacts: list[Contact] = field(default_factory=list)
    generator: str = "extractive"  # or "llm"
    fallback_reason: str | None = None  # why an LLM answer was replaced by the extractive one
    # Why the answer is "weiß ich nicht": no_results, off_topic (the knowledge base knows none of the
    # question's words besides place names), low_confidence (nothing matches well enough),
    # fact_not_found (the documents do not state the asked-for amount, date or count),
    # no_statement (nothing quotable).
    abstain_reason: str | None = None
    conversation_id: str | None = None
    follow_up: bool = False  # the question was resolved against the previous turn
    # "Verbindlich ist allein die aktuelle Richtlinie …" when the answer states amounts, deadlines or eligibility.
    binding_note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)

    @property
    def body(self) -> str:
        """The text without the notices and binding note appended to it, for doors that show those apart."""
        tail = closing_tail(self.notices, self.binding_note)
        return self.text[: -len(tail)] if tail and self.text.endswith(tail) else self.text


def closing_tail(notices: list[str], binding_note: str | None) -> str:
    """What follows an answer's own text: the notices, then the binding note as the very last line."""
    lines = [*notices, *([binding_note] if binding_note else [])]
    return "\n\n" + "\n".join(lines) if lines else ""


@dataclass(frozen=True)
class Evidence:
    """Why a document fits a project: a sentence of the description and the passage sentence it matched."""

    description_sentence: str
    document_sentence: str
    heading: str
    score: float


@dataclass(frozen=True)
class Match:
    """A funding programme, strategy or contact that fits a described project."""

    doc_id: str
    title: str
    doc_type: str
    score: float
    source_url: str | None
    source_path: str
    stand: dt.date | None
    region: tuple[str, ...]
    land: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    foerderart: str | None = None
    frist: str | None = None
    # Set when the programme's target groups admit none of the sponsor types the description names.
    eligibility_note: str | None = None
    status: str | None = None
    gueltig_bis: dt.date | None = None
    # Set for programmes one cannot apply to now ("Keine Anträge möglich: … ausgelaufen …").
    availability_note: str | None = None


@dataclass
class ProjectCheck:
    """Result of checking a project description against programmes, strategies and contacts."""

    description: str
    region: str | None
    programmes: list[Match]
    strategies: list[Match]
    contacts: list[Match]
    notices: list[str] = field(default_factory=list)
    summary: str = ""  # German text for chat doors
    # Fitting programmes that take no applications now (closed, expired, deadline passed): never in ``programmes``.
    closed_programmes: list[Match] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)
