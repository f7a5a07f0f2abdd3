"""API models for provenance (shared by hits, sources, matches, documents) and the editors' routes.

The review, fetch and recheck routes return the service's ``to_dict()`` as is
(like search and ask); these models document that JSON for /docs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.domain.documents import DocumentMetadata

Status = Literal["offen", "geschlossen", "ausgelaufen"]


class ProvenanceOut(BaseModel):
    """Where a document's facts come from and how old they are (every door shows Stand and link)."""

    source_url: str | None = Field(description="The official source (programme page, guideline, law).")
    stand: dt.date | None = Field(description="When the document's facts were last checked.")
    quelle_stand: dt.date | None = Field(None, description="Version date of the guideline or law.")
    status: Status | None = Field(None, description="Programmes: whether applications are possible.")
    gueltig_bis: dt.date | None = Field(None, description="Programmes: when the application window or guideline ends.")

    @staticmethod
    def of(meta: DocumentMetadata) -> dict[str, Any]:
        return {"source_url": meta.source_url, "stand": meta.stand, "quelle_stand": meta.quelle_stand,
                "status": meta.status, "gueltig_bis": meta.gueltig_bis}


# --- review list --------------------------------------------------------------------


class ReasonOut(BaseModel):
    kind: Literal["stand_alt", "angaben", "abgelaufen", "laeuft_aus", "quelle_geaendert", "quelle_verschwunden",
                  "quelle_fehler"]
    text: str = Field(description="German: what is wrong and what to do.")


class DocumentReviewOut(BaseModel):
    doc_id: str
    title: str
    doc_type: str
    source_path: str
    source_url: str | None
    stand: dt.date | None
    reasons: list[ReasonOut]


class ReviewQuestionOut(BaseModel):
    question: str
    declined: int = Field(description="How often it was asked and not answered.")
    not_helpful: int = Field(description="How often its answer was marked as not helpful.")
    last_asked: str
    comments: list[str]


class QuestionGroupOut(BaseModel):
    topic: str = Field(description="Title of the best-matching document, or 'Ohne passendes Dokument'.")
    doc_id: str | None
    total: int
    questions: list[ReviewQuestionOut]


class ReviewOut(BaseModel):
    today: dt.date
    stand_months: int = Field(description="Documents with an older stand are listed (REVIERLOTSE_REVIEW_AFTER_MONTHS).")
    days: int
    documents: list[DocumentReviewOut]
    questions: list[QuestionGroupOut]


# --- official sources ----------------------------------------------------------------


class FetchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2000, description="Address of the official page or PDF (http/https).")
    title: str | None = Field(None, max_length=500)
    type: str | None = Field(None, max_length=50, description="Document type, e.g. 'foerderprogramm'.")
    region: list[str] = Field(default_factory=list, max_length=20)
    land: list[str] = Field(default_factory=list, max_length=20)
    programm: list[str] = Field(default_factory=list, max_length=50)
    foerdergeber: str | None = Field(None, max_length=500)
    status: Status | None = None
    quelle_stand: dt.date | None = None
    gueltig_bis: dt.date | None = None

    def metadata(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"url"}, exclude_none=True)


class FetchOut(BaseModel):
    doc_id: str | None
    status: str = Field(description="added, updated or unchanged (index outcome).")
    chunks: int
    warnings: list[str]
    title: str
    path: str
    sidecar: str
    source_url: str
    final_url: str = Field(description="Where the redirects ended.")
    kind: Literal["html", "pdf"]
    bytes: int
    inhalt_hash: str
    abgerufen_am: str
    changed: bool | None = Field(description="Text changed since the previous fetch (null: first fetch).")
    generation: str | None


class SourceCheckOut(BaseModel):
    source_url: str
    sidecar: str
    path: str | None
    status: Literal["unveraendert", "geaendert", "verschwunden", "fehler"]
    message: str
    checked_at: str
    old_hash: str | None = None
    new_hash: str | None = None
    applied: bool = Field(False, description="With apply: stored again and re-indexed, or archived.")


class RecheckOut(BaseModel):
    applied: bool
    counts: dict[str, int]
    sources: list[SourceCheckOut]
    generation: str | None


class SourceInfoOut(BaseModel):
    title: str | None
    source_url: str
    sidecar: str
    abgerufen_am: str | None
    inhalt_hash: str | None
    last_check: str | None
    last_status: str | None
    last_message: str | None
