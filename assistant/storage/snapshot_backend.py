"""The embedded backend: generations as snapshot directories under ``index/`` (the default).

Adapts ``snapshot.py`` (reading, writing the files) and ``generations.py`` (CURRENT,
flock, garbage collection) to the :class:`~assistant.storage.store.Backend` protocol.
"""

from __future__ import annotations

import logging
import shutil
from contextlib import AbstractContextManager
from pathlib import Path

from assistant.storage.bm25 import LexicalIndex
from assistant.storage.embedding_cache import EmbeddingCache
from assistant.storage.faiss_index import build_vector_index, save_vector_index
from assistant.storage.generations import (
    collect_garbage,
    current_generation,
    drop_unpublished,
    generation_dirs,
    next_generation_name,
    publish_generation,
    writer_lock,
)
from assistant.storage.snapshot import Snapshot, open_snapshot
from assistant.storage.snapshot_writer import write_snapshot_files
from assistant.storage.store import GenerationContent, StageHook, no_stage

log = logging.getLogger(__name__)


class SnapshotBackend:
    """Snapshots in ``index_dir``; the vector cache is a SQLite file."""

    kind = "snapshot"

    def __init__(self, index_dir: Path, embedding_cache_path: Path, ivf_threshold: int) -> None:
        self.index_dir = index_dir
        self.embedding_cache_path = embedding_cache_path
        self.ivf_threshold = ivf_threshold
        self.label = str(index_dir)

    def live_generation(self) -> str | None:
        return current_generation(self.index_dir)

    def has_generations(self) -> bool:
        return self.live_generation() is not None or bool(generation_dirs(self.index_dir))

    def open(self, skip: frozenset[str] | set[str] = frozenset()) -> Snapshot:
        return open_snapshot(self.index_dir, skip=skip)

    def writer_lock(self, wait_s: float = 0.0) -> AbstractContextManager[None]:
        return writer_lock(self.index_dir, wait_s)

    def vector_cache(self) -> EmbeddingCache:
        return EmbeddingCache(self.embedding_cache_path)

    def publish(self, content: GenerationContent, on_stage: StageHook = no_stage) -> str:
        """Build FAISS and BM25, write them into a hidden directory, rename it into place, switch CURRENT."""
        vector_index, info = build_vector_index(content.vectors, self.ivf_threshold, content.extra_probes)
        lexical = LexicalIndex.build([c.embed_text for c in content.chunks])
        name = next_generation_name(self.index_dir)
        # Keep the last generation actually served as the fallback, not one a crashed run never switched to.
        dropped = drop_unpublished(self.index_dir, current_generation(self.index_dir))
        if dropped:
            log.warning("dropped generations a crashed run never switched to: %s", ", ".join(dropped))
        building = self.index_dir / f".building-{name.split('-')[-1]}"
        shutil.rmtree(building, ignore_errors=True)
        write_snapshot_files(
            building,
            documents=content.documents,
            chunks=content.chunks,
            vector_index_path_writer=lambda p: (save_vector_index(vector_index, p), on_stage("writing")),
            lexical=lexical,
            manifest_extra={
                "generation": name,
                "embedder": content.embedder_name,
                "dim": content.dim,
                "vector_index": info.__dict__,
                **content.manifest_extra,
            },
        )
        publish_generation(self.index_dir, building, name, before_switch=lambda: on_stage("publish"))
        collect_garbage(self.index_dir)
        log.info("published %s: %d documents, %d chunks", name, len(content.documents), len(content.chunks))
        return name

    def close(self) -> None:
        """Nothing is held open between calls."""
