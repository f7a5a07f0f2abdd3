"""Incremental indexing: files → documents → chunks → a new generation of the store.

Unchanged files (same path, same content hash) keep their chunks from the live
generation without being parsed again, and their vectors come from the embedding
cache, so a second run on an unchanged corpus is only hashing.  Where generations
are written (snapshot directories or PostgreSQL) is the backend's business
(``storage/store.py``); this module is the same pipeline for both.  A file that fails
to load is reported and, if an older version was indexed, that version is kept:
nothing a user added disappears because of a bad edit.

Every run also takes in the uploads still pending in the upload journal (a crash
interrupted their indexing) and settles the journal afterwards.  The writer lock
covers reading, embedding and publishing; answer statements are prepared after it
is released (publishing.py).
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
from assistant.embedding.embedders import Embedder
from assistant.errors import DocumentError, DocumentNotFound, IndexMissing, UnsupportedFileType
from assistant.ingest.files import iter_source_files
from assistant.ingest.load import SUPPORTED_SUFFIXES, content_hash
from assistant.ingest.publishing import (
    Entry,
    Progress,
    StageHook,
    embed_statements,
    no_stage,
    publish_entries,
)
from assistant.ingest.reading import chunk_within_limits, read_file
from assistant.ingest.upload_journal import UploadJournal, repeated_attempt_warning
from assistant.storage.backends import open_backend
from assistant.storage.permissions import writing
from assistant.storage.records import DocumentRecord
from assistant.storage.store import Backend, Store

__all__ = ["STATUSES", "FileOutcome", "IndexReport", "Progress", "StageHook", "remove_documents", "run_index"]

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
    reported_uploads: frozenset[str] = frozenset(),
    backend: Backend | None = None,
) -> IndexReport:
    """Bring the index up to date with ``paths`` and publish a new generation if anything changed.

    ``on_stage`` is called with "loading", "embedding", "writing" and "publish" as a run passes
    those points (crash tests stop the process there).  ``reported_uploads`` names uploads whose
    outcome the caller reports itself (the upload request): a failure of theirs is not recorded
    in the upload journal.  ``backend`` defaults to the one the settings name.
    """
    progress = progress or Progress()
    started = time.monotonic()
    with _backend_for(settings, backend) as backend, writing(settings.index_dir, settings.embedding_cache_path):
        with backend.writer_lock(wait_s):
            previous = _open_previous(backend, embedder, rebuild)
            try:
                report, entries = _run_locked(
                    settings, backend, embedder, paths, previous, prune, progress, on_stage or no_stage,
                    reported_uploads,
                )
            finally:
                if previous:
                    previous.close()
        # The new generation is live and the lock released: answer statements only speed up
        # answers, so an upload need not wait (or fail with index_locked) while they are embedded.
        if settings.index_statements:  # also on a no-op run: an index built before they existed gets them
            embed_statements(settings, backend, embedder, entries, progress)
    report.seconds = time.monotonic() - started
    return report


def _run_locked(
    settings: Settings,
    backend: Backend,
    embedder: Embedder,
    paths: list[Path],
    previous: Store | None,
    prune: bool,
    progress: Progress,
    stage: StageHook,
    reported_uploads: frozenset[str],
) -> tuple[IndexReport, list[Entry]]:
    old_docs = dict(previous.documents) if previous else {}
    by_path = {_abs(r.source_path): r for r in old_docs.values()}
    owners = {r.doc_id: _abs(r.source_path) for r in old_docs.values()}
    entries: dict[str, Entry] = {}
    outcomes: list[FileOutcome] = []
    seen: set[str] = set()

    journal = UploadJournal(settings.upload_dir)
    pending = journal.reconcile({p: r.content_hash for p, r in by_path.items()}, content_hash)
    files = iter_source_files([*paths, *(journal.folder / e.file for e in pending if (journal.folder / e.file).is_file())])
    attempts = journal.begin_attempt(files)  # on disk before any of them is read
    try:
        stage("loading")
        progress.files_total(len(files))
        for path in files:
            outcome = _index_file(settings, embedder, path, previous, by_path, owners, entries)
            if attempts.get(path.name, 0) > 1 and journal.owns(path):
                outcome.warnings.append(repeated_attempt_warning(attempts[path.name]))
            outcomes.append(outcome)
            seen.add(_abs(path))
            progress.file_done(path)

        for record in old_docs.values():
            abs_path = _abs(record.source_path)
            if record.doc_id in entries:
                continue
            if abs_path in seen:  # its file failed this time: keep the old version
                entries[record.doc_id] = Entry(record, [c.chunk for c in previous.document_chunks(record.doc_id)])
                continue
            if prune and not os.path.exists(abs_path):
                outcomes.append(FileOutcome(record.source_path, "removed", record.doc_id))
                continue
            entries[record.doc_id] = Entry(record, [c.chunk for c in previous.document_chunks(record.doc_id)])

        changed = previous is None or any(o.status in ("added", "updated", "removed") for o in outcomes)
        # Serving a fallback (CURRENT lost, empty or naming a damaged generation): publish to repair it.
        changed = changed or previous.name != backend.live_generation()
        generation = previous.name if previous else None
        if changed:
            generation = publish_entries(settings, backend, embedder, entries, progress, stage)
    except BaseException:
        journal.undo_attempt(list(attempts))  # an error, not a crash: it does not count against the files
        raise
    _settle_journal(journal, outcomes, attempts, reported_uploads)
    total_chunks = sum(len(e.chunks) for e in entries.values())
    report = IndexReport(outcomes, generation, len(entries), total_chunks, 0.0, changed)
    return report, list(entries.values())


def _settle_journal(
    journal: UploadJournal, outcomes: list[FileOutcome], attempts: dict[str, int], reported: frozenset[str]
) -> None:
    """Indexed uploads leave the journal; failed ones are recorded (unless the request reports them)."""
    done, failed = [], []
    for outcome in outcomes:
        name = Path(outcome.path).name
        if name not in attempts or not journal.owns(outcome.path):
            continue
        if outcome.status != "failed":
            done.append(name)
        elif name not in reported:
            failed.append((name, outcome.reason or "Die Datei konnte nicht indexiert werden."))
    if done:
        journal.forget(done)
    for name, reason in failed:
        journal.fail(name, reason)


def _index_file(
    settings: Settings,
    embedder: Embedder,
    path: Path,
    previous: Store | None,
    by_path: dict[str, DocumentRecord],
    owners: dict[str, str],
    entries: dict[str, Entry],
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
            entries[old.doc_id] = Entry(old, [c.chunk for c in previous.document_chunks(old.doc_id)])
            return FileOutcome(str(path), "unchanged", old.doc_id, old.chunk_count)
        document, deadline = read_file(settings, path)
        doc_id = old.doc_id if old else _unique_id(document.doc_id, abs_path, owners)
        warnings = list(document.warnings)
        if doc_id != document.doc_id:
            warnings.append(f"Die Dokument-ID '{document.doc_id}' ist schon vergeben; verwendet wird '{doc_id}'.")
            document.doc_id = doc_id
        chunks = chunk_within_limits(settings, embedder, document, path, deadline)
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

    owners[doc_id] = abs_path
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
    entries[doc_id] = Entry(record, chunks)
    return FileOutcome(str(path), "updated" if old else "added", doc_id, len(chunks), warnings=warnings)


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
    with (
        _backend_for(settings, backend) as backend,
        writing(settings.index_dir, settings.embedding_cache_path),
        backend.writer_lock(wait_s),
    ):
        previous = _open_previous(backend, embedder, rebuild=False)
        if previous is None:
            raise IndexMissing("Es gibt noch keinen Index, aus dem etwas entfernt werden könnte.")
        try:
            unknown = [d for d in doc_ids if d not in previous.documents]
            if unknown:
                raise DocumentNotFound(
                    f"Unbekannte Dokument-ID(s): {', '.join(unknown)}. 'revierlotse stats' listet alle."
                )
            entries = {
                doc_id: Entry(record, [c.chunk for c in previous.document_chunks(doc_id)])
                for doc_id, record in previous.documents.items()
                if doc_id not in doc_ids
            }
            outcomes = [FileOutcome(previous.documents[d].source_path, "removed", d) for d in doc_ids]
        finally:
            previous.close()
        generation = publish_entries(settings, backend, embedder, entries, Progress(), on_stage or no_stage)
        total = sum(len(e.chunks) for e in entries.values())
        return IndexReport(outcomes, generation, len(entries), total, time.monotonic() - started, True)
