"""Files → Documents → Chunks.

Public API (everything else in this package is an implementation detail):

* :data:`SUPPORTED_SUFFIXES` — file endings :func:`load_document` can read.
* :func:`iter_source_files` — expand files/folders into candidate files.
* :func:`load_document` — one file (plus sidecar metadata) → :class:`Document`.
* :func:`content_hash` — the document's hash (file + sidecar) without parsing it.
* :func:`chunk_document` — :class:`Document` → retrievable :class:`Chunk` list.
* :func:`split_sentences` — German-aware sentence splitter (also for answers).
"""

from __future__ import annotations

from assistant.domain.documents import Chunk, Document, DocumentMetadata, Section
from assistant.ingest.chunker import chunk_document
from assistant.ingest.files import iter_source_files
from assistant.ingest.load import SUPPORTED_SUFFIXES, content_hash, load_document
from assistant.text.sentences import sentence_spans, split_sentences

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Chunk",
    "Document",
    "DocumentMetadata",
    "Section",
    "chunk_document",
    "content_hash",
    "iter_source_files",
    "load_document",
    "sentence_spans",
    "split_sentences",
]
