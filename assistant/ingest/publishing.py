"""Publishing: embed (cache first) and hand a new generation to the backend, which writes and switches it.

And, after the switch and outside the writer lock, preparing answer statements.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from assistant.config import Settings
from assistant.domain.documents import Chunk
from assistant.embedding.embedders import Embedder
from assistant.errors import EmbedderError, RevierlotseError
from assistant.ingest.tuning_probes import logged_question_probes
from assistant.storage.embedding_cache import embed_passages_cached
from assistant.storage.records import DocumentRecord
from assistant.storage.store import Backend, GenerationContent, StageHook, no_stage
from assistant.text.statements import (
    PROJECT_EVIDENCE_CHARS,
    quotable_statements,
    statement_embed_text,
)

__all__ = ["Entry", "Progress", "StageHook", "embed_statements", "no_stage", "publish_entries"]

log = logging.getLogger(__name__)


@dataclass
class Entry:
    """A document of the generation being built, with its chunks."""

    record: DocumentRecord
    chunks: list[Chunk]


class Progress:
    """Hooks for a progress display; the default does nothing."""

    def files_total(self, n: int) -> None: ...
    def file_done(self, path) -> None: ...  # noqa: ANN001 - a Path
    def chunks_total(self, n: int) -> None: ...
    def chunks_done(self, n: int) -> None: ...
    def statements_total(self, n: int) -> None: ...
    def statements_done(self, n: int) -> None: ...


def publish_entries(
    settings: Settings,
    backend: Backend,
    embedder: Embedder,
    entries: dict[str, Entry],
    progress: Progress,
    stage: StageHook = no_stage,
) -> str:
    """Embed (cache first), then let the backend write and switch a new generation."""
    ordered = [entries[k] for k in sorted(entries)]
    chunks = [c for e in ordered for c in e.chunks]
    progress.chunks_total(len(chunks))
    cache = backend.vector_cache()
    calls = 0

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
        manifest_extra={"abs_paths": {e.record.doc_id: os.path.abspath(e.record.source_path) for e in ordered}},
        extra_probes=logged_question_probes(settings, embedder) if len(chunks) >= settings.ivf_threshold else [],
    )
    return backend.publish(content, stage)


def embed_statements(
    settings: Settings, backend: Backend, embedder: Embedder, entries: list[Entry], progress: Progress
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
    except (RevierlotseError, OSError) as exc:  # the new generation is live already
        log.warning("answer statements not prepared (answers embed them on demand): %s", exc)
        return
    try:
        embed_passages_cached(
            embedder, cache, texts, batch_size=settings.embed_batch_size, on_progress=progress.statements_done
        )
    except (EmbedderError, *cache.errors) as exc:  # the new generation is live already
        log.warning("answer statements not prepared (answers embed them on demand): %s", exc)
    finally:
        cache.close()
