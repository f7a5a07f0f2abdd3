"""The one object every door talks to: search, ask, index, remove, stats.

It owns the embedder (loaded once), the storage backend and the live generation,
and swaps to a newer generation as soon as any writer publishes one (this process,
another API process or the bot): each call asks the backend which generation is
live (the tiny CURRENT file, or one cheap query in PostgreSQL) and, if it changed,
opens the new one *before* replacing the old one, so in-flight requests finish on a
complete generation and new ones see the new one.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.answering.conversation import Conversation, ConversationStore
from assistant.answering.engine import AnswerEngine
from assistant.answering.models import Answer, ProjectCheck
from assistant.answering.project_check import ProjectChecker
from assistant.config import Settings
from assistant.domain.regions import Location
from assistant.embedding.batcher import QueryBatcher
from assistant.embedding.embedders import Embedder, load_embedder
from assistant.embedding.query_cache import QueryCache
from assistant.errors import DocumentNotFound, UploadFailed
from assistant.ingest.indexer import (
    FileOutcome,
    IndexReport,
    Progress,
    StageHook,
    remove_documents,
    run_index,
)
from assistant.ingest.metadata import sidecar_path
from assistant.ingest.uploads import IncomingFile, is_inside, store_files
from assistant.search.filters import Filters, facet_values
from assistant.search.params import SearchParams, load_params
from assistant.search.result import Mode, SearchResult
from assistant.search.retriever import Retriever
from assistant.storage.backends import open_backend
from assistant.storage.records import ChunkRecord, DocumentRecord
from assistant.storage.store import Backend, Store
from assistant.storage.usage_log import UsageLog, UsageStats

log = logging.getLogger(__name__)


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


@dataclass
class IndexStats:
    generation: str | None
    documents: int
    chunks: int
    embedder: str
    created_at: str | None
    vector_index: dict
    by_type: dict[str, int]
    facets: dict[str, list[str]]


class Assistant:
    """Facade used by the API, the bot and the CLI."""

    def __init__(
        self,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        *,
        on_stage: StageHook | None = None,
    ) -> None:
        """``on_stage`` is told when an index run reaches "embedding", "writing", "publish" (crash tests)."""
        self.settings = settings or Settings()
        self.on_stage = on_stage
        self._embedder = self._for_queries(embedder) if embedder is not None else None
        self._retriever: Retriever | None = None
        self._opened_for: str | None = None  # the live generation the retriever was opened for
        self._backend: Backend | None = None
        self._lock = threading.Lock()
        self._usage: UsageLog | None = None
        self.conversations = ConversationStore()
        self.answers = AnswerEngine(self)

    # --- plumbing ---------------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = self._for_queries(
                load_embedder(self.settings.embedder, self.settings.embedder_prefixes)
            )
        return self._embedder

    def _for_queries(self, embedder: Embedder) -> Embedder:
        """Cache in front, then the batcher: a query already embedded never waits for a batch."""
        if isinstance(embedder, QueryCache):
            return embedder
        if not isinstance(embedder, QueryBatcher):
            embedder = QueryBatcher(embedder)
        size = self.settings.query_cache_size
        return QueryCache(embedder, size) if size else embedder

    @property
    def backend(self) -> Backend:
        """Where the generations live (snapshots, or PostgreSQL with REVIERLOTSE_STORE_URL)."""
        if self._backend is None:
            with self._lock:
                if self._backend is None:
                    self._backend = open_backend(self.settings)
        return self._backend

    def retriever(self) -> Retriever:
        """The retriever for the live generation, reopening when a new one was published.

        Compared by the live pointer we opened for (not the served generation's name):
        while a damaged live snapshot is replaced by a fallback the two differ, and
        comparing names would re-open the fallback on every request.
        """
        live = self.backend.live_generation()
        current = self._retriever
        if current is not None and live == self._opened_for:
            return current
        with self._lock:
            if self._retriever is None or self._opened_for != live:
                store = self.backend.open()
                self._retriever = Retriever(
                    store, self.embedder, self.search_params, max_query_chars=self.settings.max_query_chars
                )
                self._opened_for = live
                log.info("serving generation %s from %s", store.name, self.backend.kind)
            return self._retriever

    @property
    def search_params(self) -> SearchParams:
        """The fitted search parameters with this deployment's overrides."""
        s = self.settings
        return load_params(s.fitted_params).with_overrides(
            dense_weight=s.dense_weight, candidates=s.candidates, passages_per_document=s.passages_per_document
        )

    def close(self) -> None:
        """Write what is buffered (the usage log) and close the caches; called when a door shuts down."""
        self.answers.close()
        if self._usage is not None:
            self._usage.close()
            self._usage = None
        with self._lock:
            self._retriever = None
            self._opened_for = None
            if self._backend is not None:
                self._backend.close()
                self._backend = None

    @property
    def usage(self) -> UsageLog:
        if self._usage is None:
            self._usage = UsageLog(self.settings.index_dir / "usage.sqlite")
        return self._usage

    @property
    def snapshot(self) -> Store:
        """The live generation (a snapshot or a PostgreSQL generation)."""
        return self.retriever().snapshot

    # --- reading ------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        k: int = 10,
        page: int = 1,
        filters: Filters | None = None,
        mode: Mode = "hybrid",
        channel: str | None = None,
        near: Location | None = None,
    ) -> SearchResult:
        """Search; ``channel`` ("api", "bot", …) logs the query for the usage statistics, ``near`` adds a place."""
        offset = (max(page, 1) - 1) * k
        result = self.retriever().search(query, k=k, offset=offset, filters=filters, mode=mode, near=near)
        if channel:
            self.usage.record_query(channel=channel, kind="search", query=result.query, confidence=result.confidence)
        return result

    def ask(
        self,
        question: str,
        conversation: str | Conversation | None = None,
        filters: Filters | None = None,
        channel: str | None = None,
        on_delta: Callable[[str], None] | None = None,
    ) -> Answer:
        """A cited answer (or a plain "weiß ich nicht" with contacts); see assistant/answering/engine.py.

        ``conversation`` (an id or a Conversation) enables follow-up questions; ``channel``
        logs the question; ``on_delta`` receives LLM text pieces while they stream.
        """
        return self.answers.ask(question, conversation, filters, channel, on_delta)

    def ask_stream(
        self,
        question: str,
        conversation: str | Conversation | None = None,
        filters: Filters | None = None,
        channel: str | None = None,
    ) -> Iterator[str | Answer]:
        """Like ask(), as a generator: LLM text pieces (a preview), then the final checked Answer."""
        return self.answers.ask_stream(question, conversation, filters, channel)

    def check_project(self, description: str, region: str | None = None, channel: str | None = None) -> ProjectCheck:
        """Funding programmes, strategy fields and contacts that fit a described project."""
        s = self.settings
        checker = ProjectChecker(self, self.answers.selector, max_query_chars=s.max_query_chars)
        check = checker.check(
            description, region, today=self.answers.today(), stale_after_months=s.stale_after_months
        )
        if channel:
            self.usage.record_query(channel=channel, kind="projekt-check", query=description)
        return check

    def document(self, doc_id: str) -> tuple[DocumentRecord, list[ChunkRecord]]:
        snap = self.snapshot
        record = snap.documents.get(doc_id)
        if record is None:
            raise DocumentNotFound(f"Ein Dokument mit der ID '{doc_id}' gibt es im Index nicht.")
        return record, snap.document_chunks(doc_id)

    def documents(self) -> list[DocumentRecord]:
        return list(self.snapshot.documents.values())

    def stats(self) -> IndexStats:
        snap = self.snapshot
        by_type: dict[str, int] = {}
        for record in snap.documents.values():
            by_type[record.doc_type] = by_type.get(record.doc_type, 0) + 1
        m = snap.manifest
        return IndexStats(
            generation=snap.name,
            documents=len(snap.documents),
            chunks=snap.chunk_count,
            embedder=snap.embedder_name,
            created_at=m.get("created_at"),
            vector_index=m.get("vector_index", {}),
            by_type=dict(sorted(by_type.items())),
            facets=facet_values(snap),
        )

    def feedback(self, answer_id: str, helpful: bool, comment: str | None = None, channel: str = "api") -> None:
        self.usage.record_feedback(answer_id=answer_id, helpful=helpful, comment=comment, channel=channel)

    def usage_stats(self, days: int = 30) -> UsageStats:
        return self.usage.stats(days=days)

    # --- writing ------------------------------------------------------------------

    def index(
        self,
        paths: list[Path],
        *,
        prune: bool = False,
        rebuild: bool = False,
        progress: Progress | None = None,
        wait_s: float = 0.0,
    ) -> IndexReport:
        return run_index(
            self.settings,
            self.embedder,
            paths,
            prune=prune,
            rebuild=rebuild,
            progress=progress,
            wait_s=wait_s,
            on_stage=self.on_stage,
            backend=self.backend,
        )

    def reindex(self, *, progress: Progress | None = None, wait_s: float = 0.0) -> IndexReport:
        """Re-read the corpus folder plus every indexed file outside it; drop files that are gone."""
        paths = [self.settings.corpus_dir]
        if self.backend.live_generation():
            corpus = os.path.abspath(self.settings.corpus_dir)
            for record in self.documents():
                path = os.path.abspath(record.source_path)
                if not path.startswith(corpus + os.sep) and os.path.exists(path):
                    paths.append(Path(record.source_path))
        return self.index(paths, prune=True, progress=progress, wait_s=wait_s)

    def remove(self, doc_ids: list[str], wait_s: float = 0.0) -> IndexReport:
        return remove_documents(
            self.settings, self.embedder, doc_ids, wait_s=wait_s, on_stage=self.on_stage, backend=self.backend
        )

    def upload(self, files: list[IncomingFile], metadata: dict[str, Any] | None = None) -> UploadResult:
        """Store files in the upload folder and index them, all or nothing.

        If the index run fails (e.g. another run holds the lock) the stored files are
        removed again; a file the indexer could not read is removed too, since it would
        fail on every re-index.  When no file could be read, ``UploadFailed`` says why
        per file and nothing was kept.
        """
        stored = store_files(self.settings.upload_dir, files, metadata)
        try:
            report = self.index([f.path for f in stored])
        except BaseException:
            for f in stored:
                f.delete()
            raise
        by_path = {o.path: o for o in report.outcomes}
        outcomes = [UploadedFile(f.path.name, f.original_name, by_path.get(str(f.path))) for f in stored]
        for f, outcome in zip(stored, outcomes, strict=True):
            if outcome.failed:
                f.delete()
        if all(o.failed for o in outcomes):
            raise UploadFailed(
                "Keine der Dateien konnte gelesen werden; es wurde nichts gespeichert. Gründe stehen je Datei "
                "unter details.files.",
                [o.to_dict() for o in outcomes],
            )
        return UploadResult(outcomes, report)

    def delete_document(self, doc_id: str) -> DeleteResult:
        """Remove a document from the index; its file is deleted too when it was uploaded.

        Files elsewhere in the corpus are left alone (they belong to whoever put them
        there), and the result says that a re-index would take them in again.
        """
        record, _ = self.document(doc_id)
        report = self.remove([doc_id])
        path = Path(record.source_path)
        if is_inside(path, self.settings.upload_dir):
            path.unlink(missing_ok=True)
            sidecar_path(path).unlink(missing_ok=True)
            return DeleteResult(doc_id, report.generation, file_deleted=True)
        return DeleteResult(
            doc_id,
            report.generation,
            file_deleted=False,
            notice=f"Die Datei {record.source_path} liegt nicht im Upload-Ordner und wurde nicht gelöscht. "
            "Beim nächsten Neuaufbau wird sie wieder aufgenommen, wenn sie nicht aus dem Korpus entfernt wird.",
        )
