"""Document and chunk records as a snapshot stores them."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.domain.documents import Chunk, DocumentMetadata


@dataclass
class DocumentRecord:
    """A document as the snapshot knows it (metadata, provenance, where its chunks are).

    ``metadata_value`` is the parsed metadata or its JSON; a snapshot of 100,000
    documents opens in milliseconds because metadata is only parsed when used.
    """

    doc_id: str
    source_path: str
    title: str
    metadata_value: DocumentMetadata | str
    content_hash: str
    file_type: str
    warnings: list[str] = field(default_factory=list)
    chunk_count: int = 0

    @property
    def metadata(self) -> DocumentMetadata:
        if isinstance(self.metadata_value, str):
            self.metadata_value = DocumentMetadata.model_validate_json(self.metadata_value)
        return self.metadata_value

    @property
    def doc_type(self) -> str:
        return self.metadata.type


@dataclass(frozen=True)
class ChunkRecord:
    """A chunk row as stored (Chunk plus its row number in the vector/lexical indexes)."""

    row: int
    chunk: Chunk
