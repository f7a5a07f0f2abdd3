"""The data that flows from files to the index: metadata, documents, sections, chunks.

These cross module boundaries (loaders → chunker → store → retrieval → doors), so
they are plain, typed and free of behaviour beyond small derived values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.domain.doctypes import DocType

ProgrammeStatus = Literal["offen", "geschlossen", "ausgelaufen"]


def _as_list(value: object) -> list[str]:
    """Front matter writers use a scalar or a list interchangeably; we always store lists."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [str(value).strip()]


class DocumentMetadata(BaseModel):
    """Front matter fields (design.md, "Corpus format"); sidecar ``NAME.meta.yaml`` uses the same."""

    model_config = ConfigDict(extra="allow")

    title: str | None = None
    type: DocType = DocType.DOKUMENT
    region: list[str] = Field(default_factory=list)
    land: list[str] = Field(default_factory=list)
    programm: list[str] = Field(default_factory=list, description="Funding programmes the document is about.")
    source_url: str | None = None
    stand: dt.date | None = None
    foerdergeber: str | None = None
    foerderart: str | None = None
    zielgruppe: list[str] = Field(default_factory=list)
    frist: str | None = None
    tags: list[str] = Field(default_factory=list)
    # Provenance: when the source (law, guideline) was last changed, and whether one can still apply.
    quelle_stand: dt.date | None = Field(None, description="Version date of the guideline or law the facts come from.")
    status: ProgrammeStatus | None = Field(None, description="offen, geschlossen (no applications now) or ausgelaufen.")
    gueltig_bis: dt.date | None = Field(None, description="When the application window or the guideline ends.")
    # Sources fetched by URL (``revierlotse fetch``): when, and a hash of the extracted text for ``recheck``.
    abgerufen_am: dt.datetime | None = Field(None, description="When the official page or PDF was downloaded.")
    inhalt_hash: str | None = Field(None, description="sha256 of the text extracted from the download.")

    @field_validator("region", "land", "programm", "zielgruppe", "tags", mode="before")
    @classmethod
    def _listify(cls, value: object) -> list[str]:
        return _as_list(value)

    @field_validator("foerdergeber", "foerderart", "frist", "source_url", "title", "inhalt_hash", mode="before")
    @classmethod
    def _stringify(cls, value: object) -> str | None:
        if value is None:
            return None
        if isinstance(value, (list, tuple)):
            return ", ".join(str(v) for v in value)
        return str(value).strip() or None

    @field_validator("status", mode="before")
    @classmethod
    def _normalise_status(cls, value: object) -> object:
        return str(value).strip().lower() or None if value is not None else None

    @field_validator("type", mode="before")
    @classmethod
    def _normalise_type(cls, value: object) -> object:
        return str(value).strip().lower() if value is not None else "dokument"


@dataclass(frozen=True)
class Section:
    """A run of text under one heading path; for PDFs one page (or part of one).

    ``page`` is the 1-based PDF page index (what a viewer jumps to); ``printed_page``
    is the page label printed on the page when it differs and can be detected.
    """

    text: str
    heading_path: tuple[str, ...] = ()
    page: int | None = None
    printed_page: str | None = None


@dataclass
class Document:
    """A loaded file: text in sections plus metadata, before chunking."""

    doc_id: str
    source_path: Path
    title: str
    metadata: DocumentMetadata
    sections: list[Section]
    content_hash: str
    file_type: str
    warnings: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(s.text for s in self.sections)


@dataclass(frozen=True)
class Chunk:
    """One retrievable passage.

    ``text`` is what we show and cite; ``embed_text`` is what the embedder and the
    lexical index see: the same text prefixed by the document title and heading
    path, so a passage like "Die Förderquote beträgt 90 %" still knows it is about STARK.
    """

    chunk_id: str
    doc_id: str
    position: int
    text: str
    embed_text: str
    heading_path: tuple[str, ...] = ()
    page: int | None = None
    printed_page: str | None = None
    char_start: int = 0
    char_end: int = 0
