"""Request and response models of the HTTP API (they are what /docs shows).

Responses mirror the service's data (dataclasses) field by field; the search
response is ``SearchResult.to_dict()`` (the same JSON as ``search --json``) plus paging fields.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from assistant.doors.http.schemas_editing import ProvenanceOut
from assistant.search.filters import Filters
from assistant.storage.records import ChunkRecord, DocumentRecord

# --- shared -----------------------------------------------------------------


class ErrorOut(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. 'unknown_filter'.")
    message: str = Field(description="German explanation that says what to do.")
    details: dict[str, Any] | None = None


# A constrained str: pydantic then also refuses lone surrogates ("string_unicode"), which could not be echoed.
FilterValue = Annotated[str, StringConstraints(max_length=200)]


class FiltersIn(BaseModel):
    """Restrict to documents with these metadata values (lists mean "any of")."""

    model_config = ConfigDict(extra="forbid")

    type: list[FilterValue] = Field(default_factory=list, max_length=20)
    region: list[FilterValue] = Field(default_factory=list, max_length=20)
    land: list[FilterValue] = Field(default_factory=list, max_length=20)
    programm: list[FilterValue] = Field(default_factory=list, max_length=50)
    stand_after: dt.date | None = None

    def to_filters(self) -> Filters:
        return make_filters(self.type, self.region, self.land, self.programm, self.stand_after)


def make_filters(
    types: list[str] | None,
    regions: list[str] | None,
    lands: list[str] | None,
    programmes: list[str] | None,
    stand_after: dt.date | None,
) -> Filters:
    def clean(values: list[str] | None) -> tuple[str, ...]:
        return tuple(v for v in (values or []) if v and v.strip())

    return Filters(clean(types), clean(regions), clean(lands), clean(programmes), stand_after)


# --- health and facets --------------------------------------------------------


class HealthOut(BaseModel):
    status: Literal["ok", "degraded", "unavailable"] = Field(
        description="degraded: an older generation is served because the live one is damaged."
    )
    generation: str | None = None
    created_at: str | None = None
    documents: int = 0
    chunks: int = 0
    embedder: str
    llm_configured: bool
    code: str | None = Field(
        None, description="Why the service is degraded or unavailable (only when status != ok)."
    )
    message: str | None = None


class FacetsOut(BaseModel):
    type: list[str]
    region: list[str]
    land: list[str]
    programm: list[str]
    check_regions: list[str] = Field(
        default_factory=list, description="Werte, die der Projekt-Check als region annimmt (Reviere und Länder)."
    )


# --- search -------------------------------------------------------------------


class PassageOut(BaseModel):
    chunk_id: str
    heading_path: list[str]
    page: int | None
    score: float
    text: str
    marks: list[str] = Field(default_factory=list, description="Wörter des Texts (wie geschrieben), die ganz zur Anfrage passen: zum Hervorheben.")


class HitOut(ProvenanceOut):
    doc_id: str
    source_path: str
    title: str
    type: str
    heading_path: list[str]
    page: int | None
    printed_page: str | None
    score: float
    text: str
    passages: list[PassageOut]


class SearchOut(BaseModel):
    query: str
    confidence: float
    uncertain: bool = Field(description="Sicherheit unter der Enthaltungsschwelle: die Treffer als unsicher zeigen.")
    total_documents: int = Field(description="Gelistete Dokumente (unter der Hälfte der besten Punktzahl wird abgeschnitten, mindestens fünf bleiben).")
    facets: dict[str, dict[str, int]] = Field(
        description="Je Filter (type, region, land, programm): wie viele Dokumente die Suche mit diesem Filterwert "
        "listen würde."
    )
    located_lands: list[str] = Field(
        description="Länder the query names, directly or through a district or town (e.g. 'Spree-Neiße' → "
        "Brandenburg); in hybrid mode documents of other Länder rank lower."
    )
    hits: list[HitOut]
    page: int
    k: int
    query_terms: list[str] = Field(description="Analysed (stemmed) query terms, e.g. for highlighting.")


# --- answers ------------------------------------------------------------------


class AskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(max_length=20_000, description="The question in German (or English).")
    conversation_id: str | None = Field(
        None, max_length=200, description="Same id for follow-up questions of one conversation."
    )
    filters: FiltersIn | None = None


class ProjectCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = Field(max_length=20_000, description="Free-text project description.")
    region: str | None = Field(
        None, max_length=200,
        description="Optional: ein Revier (Lausitz, Mitteldeutsches Revier) oder Land (Brandenburg, Sachsen, "
        "Sachsen-Anhalt, Thüringen); andere Werte werden mit 422 abgelehnt.",
    )


# The answer models below document the JSON of ``Answer.to_dict()`` / ``ProjectCheck.to_dict()``
# (assistant/answering/models.py) for /docs; the routes return that dict as is, so the
# API and the other doors can never drift apart.


class SourceOut(ProvenanceOut):
    number: int
    doc_id: str
    title: str
    doc_type: str
    source_path: str
    heading: str
    page: int | None
    printed_page: str | None
    passage: str


class ContactOut(BaseModel):
    doc_id: str
    title: str
    source_url: str | None
    region: list[str] = Field(default_factory=list)
    land: list[str] = Field(default_factory=list)
    note: str | None = None


# no_results; off_topic: outside the knowledge base; low_confidence: nothing matches well enough;
# fact_not_found: the documents do not state the asked-for fact; no_statement: nothing quotable.
AbstainReason = Literal["no_results", "off_topic", "low_confidence", "fact_not_found", "no_statement"]


class AnswerOut(BaseModel):
    answer_id: str = Field(description="Send it back with POST /api/feedback.")
    question: str
    resolved_question: str = Field(description="The question after resolving a follow-up against the conversation.")
    text: str = Field(description="Answer text; [n] refers to sources[].number.")
    sources: list[SourceOut]
    confidence: float
    abstained: bool = Field(description="True when the knowledge base does not answer the question reliably.")
    notices: list[str] = Field(default_factory=list, description="E.g. outdated facts, passed deadlines.")
    contacts: list[ContactOut] = Field(default_factory=list)
    generator: str = "extractive"
    fallback_reason: str | None = None
    abstain_reason: AbstainReason | None = Field(None, description="Why the answer abstains (see AbstainReason).")
    conversation_id: str | None = None
    follow_up: bool = False
    binding_note: str | None = Field(None, description="Last line of text if amounts, deadlines, eligibility are stated.")


class EvidenceOut(BaseModel):
    description_sentence: str
    document_sentence: str
    heading: str
    score: float


class MatchOut(ProvenanceOut):
    doc_id: str
    title: str
    doc_type: str
    score: float
    source_path: str
    region: list[str]
    land: list[str]
    evidence: list[EvidenceOut]
    foerderart: str | None = None
    frist: str | None = None
    eligibility_note: str | None = Field(
        None, description="Set when the programme's target groups admit none of the sponsor types the description names."
    )
    availability_note: str | None = Field(None, description="Why no applications are possible (closed_programmes).")


class ProjectCheckOut(BaseModel):
    description: str
    region: str | None
    programmes: list[MatchOut]
    strategies: list[MatchOut]
    contacts: list[MatchOut]
    notices: list[str] = Field(default_factory=list)
    summary: str = Field("", description="German summary text (what the chat doors show).")
    closed_programmes: list[MatchOut] = Field(default_factory=list, description="Fitting, but no applications now.")


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer_id: str = Field(min_length=1, max_length=200)
    helpful: bool
    comment: str | None = Field(None, max_length=2000)


class FeedbackOut(BaseModel):
    status: Literal["ok", "not_recorded"] = Field(
        "ok", description="not_recorded: the usage log cannot be written right now (the rating was valid)."
    )
    message: str | None = None


# --- documents ----------------------------------------------------------------


class DocumentOut(ProvenanceOut):
    doc_id: str
    title: str
    type: str
    file_type: str
    source_path: str
    region: list[str]
    land: list[str]
    programm: list[str]
    chunk_count: int
    warnings: list[str]
    uploaded: bool = Field(description="The file lives in the upload folder (DELETE also deletes the file).")

    @classmethod
    def of(cls, record: DocumentRecord, uploaded: bool) -> DocumentOut:
        m = record.metadata
        return cls(
            doc_id=record.doc_id,
            title=record.title,
            type=record.doc_type,
            file_type=record.file_type,
            source_path=record.source_path,
            **ProvenanceOut.of(m),
            region=m.region,
            land=m.land,
            programm=m.programm,
            chunk_count=record.chunk_count,
            warnings=record.warnings,
            uploaded=uploaded,
        )


class DocumentListOut(BaseModel):
    total: int
    page: int
    per_page: int
    documents: list[DocumentOut]


class ChunkOut(BaseModel):
    chunk_id: str
    position: int
    heading_path: list[str]
    page: int | None
    printed_page: str | None
    text: str

    @classmethod
    def of(cls, record: ChunkRecord) -> ChunkOut:
        c = record.chunk
        return cls(
            chunk_id=c.chunk_id,
            position=c.position,
            heading_path=list(c.heading_path),
            page=c.page,
            printed_page=c.printed_page,
            text=c.text,
        )


class DocumentDetailOut(BaseModel):
    document: DocumentOut
    metadata: dict[str, Any] = Field(description="All metadata fields, including extra front matter fields.")
    chunks: list[ChunkOut]
