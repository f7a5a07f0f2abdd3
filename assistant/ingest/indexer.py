"""Incremental indexing: files → documents → chunks → a new generation of the store.

Unchanged files (same path, same content hash) keep their chunks from the live
generation without being parsed again, and their vectors come from the embedding
cache, so a second run on an unchanged corpus is only hashing.  Where generations
are written (snapshot directories or PostgreSQL) is the backend's business
(``storage/store.py``); this module is the same pipeline for both.  A file that fails
to load is reported and, if an older version was indexed, that version is kept:
nothing a user added disappears because of a bad edit.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from assistant.config import Settings
from assistant.domain.documents import Chunk
from assistant.embedding.embedders import Embedder
from assistant.errors import (
    DocumentError,
    DocumentNotFound,
    EmbedderError,
    IndexMissing,
    RevierlotseError,
    UnsupportedFileType,
)
from assistant.ingest.chunker import chunk_document
from assistant.ingest.files import iter_source_files
from assistant.ingest.load import SUPPORTED_SUFFIXES, content_hash, load_document
from assistant.storage.backends import open_backend
from assistant.storage.embedding_cache import embed_passages_cached
from assistant.storage.records import DocumentRecord
from assistant.storage.store import Backend, GenerationContent, StageHook, Store, no_stage
from assistant.text.statements import (
    PROJECT_EVIDENCE_CHARS,
    quotable_statements,
    statement_embed_text,
)

log = logging.getLogger(__name__)

Status = Literal["added", "updated", "unchanged", "removed", "failed"]
STATUSES: tuple[Status, ...] = ("added", "updated", "unchanged", "removed", "failed")


@dataclass
class FileOutcome:
    path: str
    status: Status
    doc_id: str | None = None
    chunks: int = 0
    reason: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class IndexReport:
    outcomes: list[FileOutcome]
    generation: str | None
    documents: int
    chunks: int
    seconds: float
    changed: bool

    @property
    def counts(self) -> dict[str, int]:
        c = Counter(o.status for o in self.outcomes)
        return {s: c.get(s, 0) for s in STATUSES}

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]


class Progress:
    """Hooks for a progress display; the default does nothing."""

    def files_total(self, n: int) -> None: ...
    def file_done(self, path: Path) -> None: ...
    def chunks_total(self, n: int) -> None: ...
    def chunks_done(self, n: int) -> None: ...
    def statements_total(self, n: int) -> None: ...
    def statements_done(self, n: int) -> None: ...


@dataclass
class _Entry:
    record: DocumentRecord
    chunks: list[Chunk]


def _abs(path: str | Path) -> str:
    return os.path.abspath(path)


@contextlib.contextmanager
def _backend_for(settings: Settings, backend: Backend | None) -> Iterator[Backend]:
    """The caller's backend, or one opened (and closed) for this run."""
    if backend is not None:
        yield backend
        return
    own = open_backend(settings)
    try:
        yield own
    finally:
        own.close()


def _open_previous(backend: Backend, embedder: Embedder, rebuild: bool) -> Store | None:
    if rebuild:
        return None
    if not backend.has_generations():
        return None  # a first run; with generations but a lost CURRENT, the snapshot backend falls back
    store = backend.open()
    store.check_embedder(embedder.name)
    return store


def _previous_entries(previous: Store | None) -> dict[str, DocumentRecord]:
    return dict(previous.documents) if previous else {}


def _unique_id(wanted: str, abs_path: str, taken: dict[str, str]) -> str:
    """Keep ``wanted`` unless another file already owns it; then add a short path hash."""
    owner = taken.get(wanted)
    if owner is None or owner == abs_path:
        return wanted
    return f"{wanted}-{hashlib.sha1(abs_path.encode()).hexdigest()[:6]}"


def run_index(
    settings: Settings,
    embedder: Embedder,
    paths: list[Path],
    *,
    prune: bool = False,
    rebuild: bool = False,
    progress: Progress | None = None,
    wait_s: float = 0.0,
    on_stage: StageHook | None = None,
    backend: Backend | None = None,
) -> IndexReport:
    """Bring the index up to date with ``paths`` and publish a new generation if anything changed.

    ``on_stage`` is called with "embedding", "writing" and "publish" as a run passes those
    points (crash tests stop the process there).  ``backend`` defaults to the one the
    settings name.
    """
    progress = progress or Progress()
    started = time.monotonic()
    with _backend_for(settings, backend) as backend, backend.writer_lock(wait_s):
        previous = _open_previous(backend, embedder, rebuild)
        old_docs = _previous_entries(previous)
        by_path = {_abs(r.source_path): r for r in old_docs.values()}
        owners = {r.doc_id: _abs(r.source_path) for r in old_docs.values()}
        entries: dict[str, _Entry] = {}
        outcomes: list[FileOutcome] = []
        seen: set[str] = set()

        files = iter_source_files(paths)
        progress.files_total(len(files))
        for path in files:
            outcome = _index_file(settings, embedder, path, previous, by_path, owners, entries)
            outcomes.append(outcome)
            seen.add(_abs(path))
            progress.file_done(path)

        for record in old_docs.values():
            abs_path = _abs(record.source_path)
            if record.doc_id in entries:
                continue
            if abs_path in seen:  # its file failed this time: keep the old version
                entries[record.doc_id] = _Entry(record, [c.chunk for c in previous.document_chunks(record.doc_id)])
                continue
            if prune and not os.path.exists(abs_path):
                outcomes.append(FileOutcome(record.source_path, "removed", record.doc_id))
                continue
            entries[record.doc_id] = _Entry(record, [c.chunk for c in previous.document_chunks(record.doc_id)])

        changed = previous is None or any(o.status in ("added", "updated", "removed") for o in outcomes)
        # Serving a fallback (CURRENT lost, empty or naming a damaged generation): publish to repair it.
        changed = changed or previous.name != backend.live_generation()
        generation = previous.name if previous else None
        if changed:
            generation = _publish(settings, backend, embedder, entries, progress, on_stage)
        if settings.index_statements:  # also on a no-op run: an index built before they existed gets them
            _embed_statements(settings, backend, embedder, list(entries.values()), progress)
        total_chunks = sum(len(e.chunks) for e in entries.values())
        if previous:
            previous.close()
        return IndexReport(outcomes, generation, len(entries), total_chunks, time.monotonic() - started, changed)


def _index_file(
    settings: Settings,
    embedder: Embedder,
    path: Path,
    previous: Store | None,
    by_path: dict[str, DocumentRecord],
    owners: dict[str, str],
    entries: dict[str, _Entry],
) -> FileOutcome:
    abs_path = _abs(path)
    old = by_path.get(abs_path)
    try:
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise UnsupportedFileType(
                f"Dateityp '{path.suffix or '(ohne Endung)'}' wird nicht unterstützt. "
                f"Möglich sind: {', '.join(sorted(SUPPORTED_SUFFIXES))}."
            )
        if old is not None and previous is not None and content_hash(path) == old.content_hash:
            entries[old.doc_id] = _Entry(old, [c.chunk for c in previous.document_chunks(old.doc_id)])
            return FileOutcome(str(path), "unchanged", old.doc_id, old.chunk_count)
        document = load_document(path, max_bytes=settings.max_file_bytes)
    except DocumentError as exc:
        reason = exc.message + (" Der bisher indexierte Stand bleibt erhalten." if old else "")
        log.warning("failed to index %s: %s", path, exc.message)
        return FileOutcome(str(path), "failed", old.doc_id if old else None, reason=reason)
    except Exception as exc:  # a parser bug on one hostile file must not stop the whole run
        log.exception("unexpected error while reading %s", path)
        reason = (
            f"„{path.name}“ konnte nicht gelesen werden (interner Fehler: {type(exc).__name__}). "
            "Bitte die Datei prüfen oder in einem anderen Format (PDF, Markdown) ablegen."
            + (" Der bisher indexierte Stand bleibt erhalten." if old else "")
        )
        return FileOutcome(str(path), "failed", old.doc_id if old else None, reason=reason)

    doc_id = old.doc_id if old else _unique_id(document.doc_id, abs_path, owners)
    warnings = list(document.warnings)
    if doc_id != document.doc_id:
        warnings.append(f"Die Dokument-ID '{document.doc_id}' ist schon vergeben; verwendet wird '{doc_id}'.")
        document.doc_id = doc_id
    owners[doc_id] = abs_path
    chunks = chunk_document(
        document,
        max_tokens=min(settings.chunk_tokens, embedder.max_tokens - 16),
        overlap_tokens=settings.chunk_overlap_tokens,
        count_tokens=embedder.count_tokens,
    )
    record = DocumentRecord(
        doc_id=doc_id,
        source_path=str(path),
        title=document.title,
        metadata_value=document.metadata,
        content_hash=document.content_hash,
        file_type=document.file_type,
        warnings=warnings,
        chunk_count=len(chunks),
    )
    entries[doc_id] = _Entry(record, chunks)
    return FileOutcome(str(path), "updated" if old else "added", doc_id, len(chunks), warnings=warnings)


def _publish(
    settings: Settings,
    backend: Backend,
    embedder: Embedder,
    entries: dict[str, _Entry],
    progress: Progress,
    on_stage: StageHook | None,
) -> str:
    """Embed (cache first), then let the backend write and switch a new generation."""
    ordered = [entries[k] for k in sorted(entries)]
    chunks = [c for e in ordered for c in e.chunks]
    progress.chunks_total(len(chunks))
    cache = backend.vector_cache()
    calls = 0
    stage = on_stage or no_stage

    def on_progress(n: int) -> None:
        nonlocal calls
        progress.chunks_done(n)
        calls += 1
        if calls == 2:  # the first call reports cache hits; the second follows the first embedded batch
            stage("embedding")

    try:
        vectors = embed_passages_cached(
            embedder,
            cache,
            [c.embed_text for c in chunks],
            batch_size=settings.embed_batch_size,
            on_progress=on_progress,
        )
    finally:
        cache.close()
    content = GenerationContent(
        documents=[e.record for e in ordered],
        chunks=chunks,
        vectors=vectors,
        embedder_name=embedder.name,
        dim=embedder.dim,
        manifest_extra={"abs_paths": {e.record.doc_id: _abs(e.record.source_path) for e in ordered}},
    )
    return backend.publish(content, stage)


def _embed_statements(
    settings: Settings, backend: Backend, embedder: Embedder, entries: list[_Entry], progress: Progress
) -> None:
    """Put the vector of every quotable answer statement into the embedding cache.

    Why at index time: an answer scores up to ~30 statements of the best documents
    densely; embedding them on demand made a first-time ask cost 0.2–0.7 s of model
    time, a lookup costs microseconds.  Runs after the switch, so new documents are
    searchable at once; a failure here costs only answer speed, never the index.
    On an unchanged corpus this is a cache lookup of every statement (~0.3 s for
    the shipped corpus).
    """
    budgets = sorted({settings.answer_max_chars, PROJECT_EVIDENCE_CHARS})
    texts = sorted(
        {
            statement_embed_text(e.record.title, chunk.heading_path, statement)
            for e in entries
            for chunk in e.chunks
            for budget in budgets
            for _, statement in quotable_statements(chunk.text, budget, chunk.heading_path)
        }
    )
    progress.statements_total(len(texts))
    try:
        cache = backend.vector_cache()
    except RevierlotseError as exc:  # the new generation is live already
        log.warning("answer statements not prepared (answers embed them on demand): %s", exc.message)
        return
    try:
        embed_passages_cached(
            embedder, cache, texts, batch_size=settings.embed_batch_size, on_progress=progress.statements_done
        )
    except (EmbedderError, *cache.errors) as exc:  # the new generation is live already
        log.warning("answer statements not prepared (answers embed them on demand): %s", exc)
    finally:
        cache.close()


def remove_documents(
    settings: Settings,
    embedder: Embedder,
    doc_ids: list[str],
    wait_s: float = 0.0,
    on_stage: StageHook | None = None,
    backend: Backend | None = None,
) -> IndexReport:
    """Publish a generation without ``doc_ids`` (their files are not touched)."""
    started = time.monotonic()
    with _backend_for(settings, backend) as backend, backend.writer_lock(wait_s):
        previous = _open_previous(backend, embedder, rebuild=False)
        if previous is None:
            raise IndexMissing("Es gibt noch keinen Index, aus dem etwas entfernt werden könnte.")
        unknown = [d for d in doc_ids if d not in previous.documents]
        if unknown:
            previous.close()
            raise DocumentNotFound(f"Unbekannte Dokument-ID(s): {', '.join(unknown)}. 'revierlotse stats' listet alle.")
        entries = {
            doc_id: _Entry(record, [c.chunk for c in previous.document_chunks(doc_id)])
            for doc_id, record in previous.documents.items()
            if doc_id not in doc_ids
        }
        outcomes = [FileOutcome(previous.documents[d].source_path, "removed", d) for d in doc_ids]
        previous.close()
        generation = _publish(settings, backend, embedder, entries, Progress(), on_stage)
        total = sum(len(e.chunks) for e in entries.values())
        return IndexReport(outcomes, generation, len(entries), total, time.monotonic() - started, True)

