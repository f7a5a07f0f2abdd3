"""Publishing: embed (cache first), build the vector and lexical indexes, write and switch a generation.

And, after the switch and outside the writer lock, preparing answer statements.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from assistant.config import Settings
from assistant.domain.documents import Chunk
from assistant.embedding.embedders import Embedder
from assistant.errors import EmbedderError
from assistant.ingest.tuning_probes import logged_question_probes
from assistant.storage.bm25 import LexicalIndex
from assistant.storage.embedding_cache import EmbeddingCache, embed_passages_cached
from assistant.storage.faiss_index import build_vector_index, save_vector_index
from assistant.storage.generations import (
    collect_garbage,
    current_generation,
    drop_unpublished,
    next_generation_name,
    publish_generation,
)
from assistant.storage.records import DocumentRecord
from assistant.storage.snapshot_writer import write_snapshot_files
from assistant.text.statements import (
    PROJECT_EVIDENCE_CHARS,
    quotable_statements,
    statement_embed_text,
)

log = logging.getLogger(__name__)

StageHook = Callable[[str], None]


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


def no_stage(name: str) -> None:
    """Normal runs do nothing at the named stages."""


def _abs(path) -> str:  # noqa: ANN001
    return os.path.abspath(path)


def publish_entries(
    settings: Settings, embedder: Embedder, entries: dict[str, Entry], progress: Progress, on_stage: StageHook | None
) -> str:
    """Embed (cache first), build vector + lexical indexes, write and switch a new generation."""
    ordered = [entries[k] for k in sorted(entries)]
    chunks = [c for e in ordered for c in e.chunks]
    progress.chunks_total(len(chunks))
    cache = EmbeddingCache(settings.embedding_cache_path)
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
    real_probes = logged_question_probes(settings, embedder) if len(chunks) >= settings.ivf_threshold else []
    vector_index, info = build_vector_index(vectors, settings.ivf_threshold, real_probes)
    lexical = LexicalIndex.build([c.embed_text for c in chunks])
    name = next_generation_name(settings.index_dir)
    dropped = drop_unpublished(settings.index_dir, current_generation(settings.index_dir))
    if dropped:
        log.warning("dropped generations a crashed run never switched to: %s", ", ".join(dropped))
    building = settings.index_dir / f".building-{name.split('-')[-1]}"
    shutil.rmtree(building, ignore_errors=True)
    write_snapshot_files(
        building,
        documents=[e.record for e in ordered],
        chunks=chunks,
        vector_index_path_writer=lambda p: (save_vector_index(vector_index, p), stage("writing")),
        lexical=lexical,
        manifest_extra={
            "generation": name,
            "embedder": embedder.name,
            "dim": embedder.dim,
            "vector_index": info.__dict__,
            "abs_paths": {e.record.doc_id: _abs(e.record.source_path) for e in ordered},
        },
    )
    publish_generation(settings.index_dir, building, name, before_switch=lambda: stage("publish"))
    collect_garbage(settings.index_dir)
    log.info("published %s: %d documents, %d chunks", name, len(ordered), len(chunks))
    return name


def embed_statements(settings: Settings, embedder: Embedder, entries: list[Entry], progress: Progress) -> None:
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
        cache = EmbeddingCache(settings.embedding_cache_path)
        try:
            embed_passages_cached(
                embedder, cache, texts, batch_size=settings.embed_batch_size, on_progress=progress.statements_done
            )
        finally:
            cache.close()
    except (EmbedderError, sqlite3.Error, OSError) as exc:  # the new generation is live already
        log.warning("answer statements not prepared (answers embed them on demand): %s", exc)
