"""One file → its chunks, within the limits of Settings: unpacked size, characters, chunks, time.

The file is parsed in a child process (isolation.py) that is stopped when the
file's time budget is spent; chunking happens here and checks the same deadline
on every token count, so a document that chunks slowly stops too.  Every limit
ends in a German message that names it and its setting.
"""

from __future__ import annotations

import time
from pathlib import Path

from assistant.config import Settings
from assistant.domain.documents import Chunk, Document
from assistant.embedding.embedders import Embedder
from assistant.errors import CorruptDocument, DocumentError, DocumentTimeout, DocumentTooBig
from assistant.ingest.chunker import chunk_document
from assistant.ingest.isolation import BudgetExceeded, ChildCrashed, ChildError, run_isolated
from assistant.ingest.load import ReadLimits, read_document


def _timeout(path: Path, budget_s: float) -> DocumentTimeout:
    return DocumentTimeout(
        f"„{path.name}“ konnte nicht innerhalb von {budget_s:g} Sekunden gelesen werden und wurde abgebrochen "
        "(REVIERLOTSE_FILE_TIME_BUDGET_S). Die Datei ist ungewöhnlich aufwendig aufgebaut; bitte aufteilen "
        "oder als PDF bzw. Markdown speichern."
    )


def read_file(settings: Settings, path: Path) -> tuple[Document, float]:
    """The loaded document and its deadline (time.monotonic), or a DocumentError."""
    budget = settings.file_time_budget_s
    limits = ReadLimits(settings.max_file_bytes, settings.max_unpacked_bytes, settings.max_document_chars)
    if budget <= 0:
        return read_document(path, limits), float("inf")
    deadline = time.monotonic() + budget
    try:
        document = run_isolated(read_document, (path, limits), budget)
    except BudgetExceeded:
        raise _timeout(path, budget) from None
    except ChildCrashed as exc:
        raise CorruptDocument(
            f"Beim Lesen von „{path.name}“ ist der Leseprozess abgestürzt ({exc}). Die Datei ist vermutlich "
            "beschädigt oder ungewöhnlich aufgebaut; bitte in Word bzw. einem PDF-Programm öffnen und neu speichern."
        ) from None
    except ChildError as exc:
        raise DocumentError(
            f"„{path.name}“ konnte nicht gelesen werden (interner Fehler: {exc.type_name}). "
            "Bitte die Datei prüfen oder in einem anderen Format (PDF, Markdown) ablegen."
        ) from None
    return document, deadline


def chunk_within_limits(
    settings: Settings, embedder: Embedder, document: Document, path: Path, deadline: float
) -> list[Chunk]:
    """Chunks of ``document``; DocumentTimeout past ``deadline``, DocumentTooBig beyond the chunk limit."""
    count = embedder.count_tokens

    def count_within_budget(text: str) -> int:
        if time.monotonic() > deadline:
            raise _timeout(path, settings.file_time_budget_s)
        return count(text)

    chunks = chunk_document(
        document,
        max_tokens=min(settings.chunk_tokens, embedder.max_tokens - 16),
        overlap_tokens=settings.chunk_overlap_tokens,
        count_tokens=count_within_budget,
    )
    if len(chunks) > settings.max_document_chunks:
        raise DocumentTooBig(
            f"„{path.name}“ ergibt {len(chunks)} Textabschnitte; erlaubt sind höchstens "
            f"{settings.max_document_chunks} je Dokument (REVIERLOTSE_MAX_DOCUMENT_CHUNKS). "
            "Bitte die Datei in kleinere Dokumente aufteilen."
        )
    return chunks
