"""``revierlotse migrate``: an embedded snapshot and its vector cache into the database.

Nothing is embedded or parsed again: documents, chunks and vectors are read from the
live snapshot, the cache of passage and answer-statement vectors from its SQLite file,
and written as a new generation the same way an index run writes one (under the
writer lock, in one transaction).  Afterwards the new generation is compared with
the snapshot (counts, vectors, BM25 scores) before the command reports success.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.errors import IndexCorrupt, StoreNotEmpty
from assistant.storage.embedding_cache import EmbeddingCache
from assistant.storage.postgres.backend import PostgresBackend
from assistant.storage.snapshot import Snapshot, open_snapshot
from assistant.storage.store import GenerationContent


@dataclass
class MigrationReport:
    source: str  # snapshot generation
    generation: str  # new generation in the database
    documents: int
    chunks: int
    cached_vectors: int


def copy_vector_cache(cache_path: Path, backend: PostgresBackend) -> int:
    """Copy every cached vector of the SQLite file into the database's cache (existing keys stay)."""
    if not cache_path.is_file():
        return 0
    source = EmbeddingCache(cache_path)
    target = backend.vector_cache()
    copied = 0
    try:
        for embedder, items in source.items():
            target.put_many(embedder, items)
            copied += len(items)
    finally:
        source.close()
    return copied


def snapshot_content(snapshot: Snapshot) -> GenerationContent:
    """The snapshot's documents, chunks (in row order) and vectors, as an index run would hand them over."""
    records = [c for doc_id in snapshot.doc_ids for c in snapshot.document_chunks(doc_id)]
    rows = np.array([c.row for c in records], dtype=np.int64)
    if not np.array_equal(rows, np.arange(snapshot.chunk_count)):
        raise IndexCorrupt(f"Die Abschnitte von {snapshot.name} sind nicht lückenlos; bitte den Snapshot neu indexieren.")
    return GenerationContent(
        documents=list(snapshot.documents.values()),
        chunks=[c.chunk for c in records],
        vectors=snapshot.vectors_of(rows),
        embedder_name=snapshot.embedder_name,
        dim=snapshot.dim,
        manifest_extra={"abs_paths": snapshot.manifest.get("abs_paths", {}), "migrated_from": snapshot.name},
    )


def migrate(index_dir: Path, cache_path: Path, backend: PostgresBackend, *, replace: bool = False,
            wait_s: float = 0.0) -> MigrationReport:
    """Copy the live snapshot under ``index_dir`` (and the vector cache) into ``backend``."""
    snapshot = open_snapshot(index_dir)
    try:
        content = snapshot_content(snapshot)
        with backend.writer_lock(wait_s):
            live = backend.live_generation()
            if live is not None and not replace:
                raise StoreNotEmpty(
                    f"In der Datenbank {backend.label} gibt es schon einen Index ({live}). "
                    "Mit --replace wird er durch den Snapshot ersetzt (der bisherige Stand bleibt bis zum "
                    "nächsten Lauf als Vorgänger erhalten)."
                )
            copied = copy_vector_cache(cache_path, backend)
            name = backend.publish(content)
        _verify(snapshot, backend)
        return MigrationReport(snapshot.name, name, len(content.documents), len(content.chunks), copied)
    finally:
        snapshot.close()


def _verify(snapshot: Snapshot, backend: PostgresBackend) -> None:
    """The database generation holds what the snapshot holds (documents, vectors, BM25)."""
    store = backend.open()
    rows = np.unique(np.linspace(0, max(snapshot.chunk_count - 1, 0), num=min(50, snapshot.chunk_count)).astype(np.int64))
    same = (
        store.doc_ids == snapshot.doc_ids
        and store.chunk_count == snapshot.chunk_count
        and np.array_equal(store.row_doc, snapshot.row_doc.astype(np.int64))
        and np.allclose(store.vectors_of(rows), snapshot.vectors_of(rows), atol=1e-6)
    )
    for record in list(snapshot.documents.values())[:20]:
        same = same and np.allclose(store.lexical.scores(record.title), snapshot.lexical.scores(record.title), atol=1e-5)
    if not same:
        raise IndexCorrupt(
            f"Der übernommene Stand {store.name} weicht vom Snapshot {snapshot.name} ab. Bitte 'revierlotse migrate "
            "--replace' wiederholen oder in der Datenbank mit 'revierlotse index --rebuild' neu aufbauen."
        )
