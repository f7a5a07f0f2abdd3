"""The one object every door talks to: search, ask, index, remove, stats.

It owns the embedder (loaded once), the storage backend and the live generation
(``search/serving.py``), which follows any writer's newer generation (this process,
another API process or the bot) and falls back from a damaged snapshot.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.answering.check_input import check_description
from assistant.answering.conversation import Conversation, ConversationStore
from assistant.answering.engine import AnswerEngine
from assistant.answering.models import Answer, ProjectCheck
from assistant.answering.project_check import ProjectChecker
from assistant.config import Settings
from assistant.domain.regions import Location, known_place
from assistant.embedding.batcher import QueryBatcher
from assistant.embedding.embedders import Embedder, load_embedder
from assistant.embedding.query_cache import QueryCache
from assistant.errors import AnswerNotFound, DocumentNotFound
from assistant.ingest.indexer import (
    IndexReport,
    Progress,
    StageHook,
    remove_documents,
    run_index,
)
from assistant.ingest.recheck import load_state
from assistant.ingest.review import ReviewList, document_reviews, group_questions
from assistant.ingest.sources import (
    FetchResult,
    RecheckReport,
    fetch_and_index,
    list_sources,
    recheck_and_apply,
)
from assistant.ingest.upload_flow import DeleteResult, UploadFlow, UploadResult
from assistant.ingest.uploads import IncomingFile
from assistant.search.confidence import UNCERTAIN_BELOW
from assistant.search.filters import Filters, facet_values
from assistant.search.listing import Sort
from assistant.search.params import SearchParams, load_params
from assistant.search.result import Mode, SearchResult
from assistant.search.retriever import Retriever
from assistant.search.serving import LiveGeneration
from assistant.storage.backends import open_backend
from assistant.storage.records import ChunkRecord, DocumentRecord
from assistant.storage.store import Backend, Store
from assistant.storage.usage_log import UsageLog, UsageStats
from assistant.text.clean import scrub_surrogates

log = logging.getLogger(__name__)


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
    fallback_from: str | None = None  # the generation CURRENT names when a damaged one is replaced


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
        self._backend: Backend | None = None
        self.live = LiveGeneration(
            lambda: self.backend,
            lambda store: Retriever(store, self.embedder, self.search_params, max_query_chars=self.settings.max_query_chars),
        )
        self._lock = threading.Lock()
        self._usage: UsageLog | None = None
        self.conversations = ConversationStore()
        self.answers = AnswerEngine(self)
        self.uploads = UploadFlow(self.settings, self.index, self.remove)

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
        """The retriever for the live generation (``search/serving.py``)."""
        return self.live.retriever()

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
        self.live.forget()
        with self._lock:
            if self._backend is not None:
                self._backend.close()
                self._backend = None

    @property
    def usage(self) -> UsageLog:
        if self._usage is None:
            self._usage = UsageLog(self.settings.usage_log_path)
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
        cut_tail: bool = True,
        sort: Sort = "relevance",
    ) -> SearchResult:
        """Search; ``channel`` ("api", "bot", …) logs the query for the usage statistics, ``near`` adds a place.

        Weak documents far below the best one are not listed (``search/listing.py``) unless ``cut_tail`` is
        False; ``sort`` orders the listed ones.  A confidence below the abstain threshold, the one rule for
        "the knowledge base does not answer this reliably", marks the result ``uncertain``.
        """
        offset = (max(page, 1) - 1) * k
        result = self.live.read(
            lambda: self.retriever().search(
                query, k=k, offset=offset, filters=filters, mode=mode, near=near, cut_tail=cut_tail, sort=sort
            )
        )
        threshold = self.settings.abstain_threshold
        result.uncertain = result.confidence < (UNCERTAIN_BELOW if threshold is None else threshold)
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
        question, conversation = _scrubbed(question, conversation)
        return self.live.read(lambda: self.answers.ask(question, conversation, filters, channel, on_delta))

    def resolve(self, question: str, conversation: str | Conversation | None) -> str:
        """What ``ask`` would search for ``question`` in this conversation (a follow-up carries its subject)."""
        follow = self.answers.follow_up(question, conversation)
        return follow.query if follow else question

    def ask_stream(
        self,
        question: str,
        conversation: str | Conversation | None = None,
        filters: Filters | None = None,
        channel: str | None = None,
    ) -> Iterator[str | Answer]:
        """Like ask(), as a generator: LLM text pieces (a preview), then the final checked Answer."""
        question, conversation = _scrubbed(question, conversation)
        return self.live.stream(lambda: self.answers.ask_stream(question, conversation, filters, channel))

    def check_project(self, description: str, region: str | None = None, channel: str | None = None) -> ProjectCheck:
        """Funding programmes, strategy fields and contacts that fit a described project.

        ``region`` must be one of the knowledge base's Länder or Reviere, and the description long
        enough to check (``answering/check_input.py``); both are refused with a German message otherwise.
        """
        region = known_place(region) if region and region.strip() else None
        check_description(description)
        s = self.settings
        description = scrub_surrogates(description)
        checker = ProjectChecker(self, self.answers.selector, max_query_chars=s.max_query_chars)
        check = self.live.read(
            lambda: checker.check(
                description, region, today=self.answers.today(), stale_after_months=s.stale_after_months,
                soon_days=s.ending_soon_days,
            )
        )
        if channel:
            self.usage.record_query(channel=channel, kind="projekt-check", query=description)
        return check

    def document(self, doc_id: str) -> tuple[DocumentRecord, list[ChunkRecord]]:
        def read() -> tuple[DocumentRecord, list[ChunkRecord]]:
            snap = self.snapshot
            record = snap.documents.get(doc_id)
            if record is None:
                raise DocumentNotFound(f"Ein Dokument mit der ID '{doc_id}' gibt es im Index nicht." + self._uploads_hint())
            return record, snap.document_chunks(doc_id)

        return self.live.read(read)

    def _uploads_hint(self) -> str:
        """Say so when uploads are waiting or failed: the document asked for may be one of them."""
        entries = self.uploads.entries()
        pending = sum(e.state == "pending" for e in entries)
        failed = len(entries) - pending
        if not entries:
            return ""
        return (
            f" Hochgeladen, aber nicht im Index: {pending} wartend, {failed} fehlgeschlagen "
            "(Liste unter GET /api/uploads bzw. auf der Mitarbeiterseite)."
        )

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
            fallback_from=self.live.fallback_from(snap.name),
        )

    def feedback(self, answer_id: str, helpful: bool, comment: str | None = None, channel: str = "api") -> bool:
        """Record a rating of an answer this service gave; False when the usage log cannot store it.

        Unknown answer ids are refused (AnswerNotFound): made-up ratings would skew the
        statistics editors rely on.
        """
        if not self.usage.knows_answer(answer_id):
            raise AnswerNotFound(
                f"Eine Antwort mit der ID „{scrub_surrogates(answer_id)[:80]}“ ist nicht bekannt. Rückmeldungen "
                "gehen nur zu Antworten, die dieser Dienst gegeben hat; diese wurde nicht gezählt."
            )
        return self.usage.record_feedback(answer_id=answer_id, helpful=helpful, comment=comment, channel=channel)

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
        reported_uploads: frozenset[str] = frozenset(),
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
            reported_uploads=reported_uploads,
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

    def upload(
        self, files: list[IncomingFile], metadata: dict[str, Any] | None = None, progress: Progress | None = None
    ) -> UploadResult:
        """Store files in the upload folder and index them, all or nothing (see upload_flow.py)."""
        return self.uploads.upload(files, metadata, progress)

    def delete_document(self, doc_id: str) -> DeleteResult:
        """Remove a document from the index; its file is deleted too when it was uploaded."""
        record, _ = self.document(doc_id)
        return self.uploads.delete(record)

    # --- editors: review list and official sources ------------------------------------

    def review(self, days: int = 90) -> ReviewList:
        """What needs an editor: old or inconsistent documents, changed sources, questions that failed."""
        today, s = self.answers.today(), self.settings
        documents = document_reviews(self.documents(), s, today, load_state(s))
        questions = group_questions(self.usage.questions_for_review(days), self)
        return ReviewList(today, s.review_after_months, days, documents, questions)

    def fetch_source(self, url: str, metadata: dict[str, Any] | None = None) -> FetchResult:
        """Download an official page or PDF into the sources folder and index it (ingest/fetch.py)."""
        return fetch_and_index(self.settings, self.index, url, metadata)

    def recheck_sources(self, apply: bool = False) -> RecheckReport:
        """Re-download every fetched source; only ``apply`` changes the corpus and the index."""
        live = self.backend.live_generation()
        doc_ids = {os.path.abspath(r.source_path): r.doc_id for r in self.documents()} if live else {}
        return recheck_and_apply(self.settings, self.index, self.remove, doc_ids, apply=apply)

    def sources(self) -> list[dict[str, Any]]:
        return list_sources(self.settings)


def _scrubbed(question: str, conversation: str | Conversation | None) -> tuple[str, str | Conversation | None]:
    """Question and conversation id without lone surrogates (they cannot be stored or sent as UTF-8)."""
    if isinstance(conversation, str):
        conversation = scrub_surrogates(conversation)
    return scrub_surrogates(question), conversation
