"""Uploads end to end: store → index → report; pending and failed uploads; deleting documents.

The Assistant delegates here so the facade stays a list of entry points.  The
journal (upload_journal.py) makes an upload survive a crash: it is pending from
the moment it is stored until an index run published it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.errors import UploadFailed, UploadNotFound
from assistant.ingest.indexer import FileOutcome, IndexReport, Progress
from assistant.ingest.metadata import sidecar_path
from assistant.ingest.upload_journal import UploadEntry, UploadJournal
from assistant.ingest.uploads import IncomingFile, is_inside, store_files
from assistant.storage.permissions import writing
from assistant.storage.records import DocumentRecord


@dataclass(frozen=True)
class UploadedFile:
    """One uploaded file and what indexing made of it (``outcome`` None: not indexed)."""

    name: str
    original_name: str | None
    outcome: FileOutcome | None

    @property
    def failed(self) -> bool:
        return self.outcome is None or self.outcome.status == "failed"

    @property
    def reason(self) -> str | None:
        if self.outcome is None:
            return "Die Datei wurde nicht indexiert."
        return self.outcome.reason if self.failed else None

    def to_dict(self) -> dict[str, Any]:
        if self.failed:
            return {"file": self.name, "original_name": self.original_name, "status": "failed", "reason": self.reason}
        assert self.outcome is not None
        return {
            "file": self.name,
            "original_name": self.original_name,
            "status": self.outcome.status,
            "doc_id": self.outcome.doc_id,
            "chunks": self.outcome.chunks,
            "warnings": self.outcome.warnings,
        }


@dataclass(frozen=True)
class UploadResult:
    files: list[UploadedFile]
    report: IndexReport


@dataclass(frozen=True)
class DeleteResult:
    doc_id: str
    generation: str | None
    file_deleted: bool
    notice: str | None = None


IndexFn = Callable[..., IndexReport]


class UploadFlow:
    """Upload, delete and the upload journal, for one knowledge base."""

    def __init__(self, settings: Settings, index: IndexFn, remove: Callable[[list[str]], IndexReport]) -> None:
        self.settings = settings
        self._index = index
        self._remove = remove

    @property
    def journal(self) -> UploadJournal:
        return UploadJournal(self.settings.upload_dir)

    def upload(
        self, files: list[IncomingFile], metadata: dict[str, Any] | None = None, progress: Progress | None = None
    ) -> UploadResult:
        """Store files in the upload folder and index them, all or nothing.

        If the index run fails (e.g. another run holds the lock) the stored files are
        removed again; a file the indexer could not read is removed too, since it would
        fail on every re-index, and the response says why.  When no file could be read,
        ``UploadFailed`` says why per file and nothing was kept.  Only a crash leaves a
        file behind, as a pending upload that the next start or index run takes in.
        ``progress`` hears files read and passages embedded.
        """
        journal = self.journal
        with writing(self.settings.upload_dir):
            stored = store_files(self.settings.upload_dir, files, metadata, journal)
        names = [f.path.name for f in stored]
        try:
            report = self._index([f.path for f in stored], progress=progress, reported_uploads=frozenset(names))
        except BaseException:
            for f in stored:
                f.delete()
            journal.forget(names)
            raise
        by_path = {o.path: o for o in report.outcomes}
        outcomes = [UploadedFile(f.path.name, f.original_name, by_path.get(str(f.path))) for f in stored]
        failed = [f for f, outcome in zip(stored, outcomes, strict=True) if outcome.failed]
        for f in failed:
            f.delete()
        journal.forget([f.path.name for f in failed])
        if all(o.failed for o in outcomes):
            raise UploadFailed(
                "Keine der Dateien konnte gelesen werden; es wurde nichts gespeichert. Gründe stehen je Datei "
                "unter details.files.",
                [o.to_dict() for o in outcomes],
            )
        return UploadResult(outcomes, report)

    def delete(self, record: DocumentRecord) -> DeleteResult:
        """Remove a document from the index; its file is deleted too when it was uploaded.

        Files elsewhere in the corpus are left alone (they belong to whoever put them
        there), and the result says that a re-index would take them in again.
        """
        report = self._remove([record.doc_id])
        path = Path(record.source_path)
        if is_inside(path, self.settings.upload_dir):
            with writing(self.settings.upload_dir):
                path.unlink(missing_ok=True)
                sidecar_path(path).unlink(missing_ok=True)
            return DeleteResult(record.doc_id, report.generation, file_deleted=True)
        return DeleteResult(
            record.doc_id,
            report.generation,
            file_deleted=False,
            notice=f"Die Datei {record.source_path} liegt nicht im Upload-Ordner und wurde nicht gelöscht. "
            "Beim nächsten Neuaufbau wird sie wieder aufgenommen, wenn sie nicht aus dem Korpus entfernt wird.",
        )

    def entries(self) -> list[UploadEntry]:
        """Uploads not (yet) in the index: pending ones and failed ones with their reason."""
        return self.journal.entries()

    def discard(self, name: str) -> UploadEntry:
        """Delete a pending or failed upload (entry and file)."""
        with writing(self.settings.upload_dir):
            entry = self.journal.discard(name)
        if entry is None:
            raise UploadNotFound(
                f"Einen ausstehenden oder fehlgeschlagenen Upload „{name[:120]}“ gibt es nicht. "
                "GET /api/uploads listet alle."
            )
        return entry

    def index_pending(self, *, progress: Progress | None = None, wait_s: float = 0.0) -> IndexReport | None:
        """Index the uploads a crash left pending (None when there are none)."""
        if not any(e.state == "pending" for e in self.journal.entries()):
            return None
        return self._index([], progress=progress, wait_s=wait_s)
