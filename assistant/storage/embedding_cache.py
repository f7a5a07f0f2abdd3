"""A persistent cache of passage embeddings, so unchanged text is never embedded twice.

Keyed by (embedder name, sha256 of the exact text that was embedded). Embedding is by
far the slowest step of indexing (about 10 passages/s with the default model on 2
cores), so re-indexing an unchanged corpus must be a pure cache hit.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from assistant.embedding.embedders import Embedder, finite
from assistant.embedding.query_cache import VectorLRU
from assistant.storage.store import VectorCache

log = logging.getLogger(__name__)


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """SQLite-backed map from (embedder, text hash) to a float32 vector (the snapshot backend's cache)."""

    errors: tuple[type[BaseException], ...] = (sqlite3.Error, OSError)

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (embedder TEXT, key TEXT, vector BLOB, PRIMARY KEY (embedder, key))"
        )
        self._lock = threading.Lock()

    def get_many(self, embedder: str, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                batch = keys[start : start + 500]
                marks = ",".join("?" * len(batch))
                rows = self._db.execute(
                    f"SELECT key, vector FROM vectors WHERE embedder = ? AND key IN ({marks})",
                    [embedder, *batch],
                )
                for key, blob in rows:
                    vector = np.frombuffer(blob, dtype=np.float32)
                    if np.isfinite(vector).all():  # a damaged entry is embedded again
                        found[key] = vector
        return found

    def put_many(self, embedder: str, items: dict[str, np.ndarray]) -> None:
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                [(embedder, k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()],
            )

    def items(self, batch_size: int = 5000) -> Iterator[tuple[str, dict[str, np.ndarray]]]:
        """Every cached vector, in batches of (embedder, {key: vector}) (to copy a cache elsewhere)."""
        cursor = self._db.execute("SELECT embedder, key, vector FROM vectors ORDER BY embedder, key")
        while True:
            with self._lock:
                rows = cursor.fetchmany(batch_size)
            if not rows:
                return
            batch: dict[str, dict[str, np.ndarray]] = {}
            for embedder, key, blob in rows:
                batch.setdefault(embedder, {})[key] = np.frombuffer(blob, dtype=np.float32)
            yield from batch.items()

    def close(self) -> None:
        self._db.close()


def embed_passages_cached(
    embedder: Embedder,
    cache: VectorCache,
    texts: list[str],
    *,
    batch_size: int = 16,
    on_progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Embed ``texts`` as passages, taking what we can from the cache and storing the rest.

    Misses are embedded in batches and written after every batch, so an interrupted
    run keeps what it already paid for.  ``on_progress`` gets the number of texts
    finished (hits count immediately).
    """
    keys = [text_key(t) for t in texts]
    cached = cache.get_many(embedder.name, sorted(set(keys)))
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    missing: dict[str, int] = {}
    for i, key in enumerate(keys):
        vector = cached.get(key)
        if vector is not None and vector.shape == (embedder.dim,):
            out[i] = vector
        else:  # not cached, or a damaged entry of the wrong length
            cached.pop(key, None)
            missing.setdefault(key, i)
    counts = Counter(keys)
    if on_progress:
        on_progress(len(texts) - sum(counts[k] for k in missing))
    todo = list(missing.items())
    for start in range(0, len(todo), batch_size):
        batch = todo[start : start + batch_size]
        vectors = finite(embedder.embed_passages([texts[i] for _, i in batch]))  # never cache NaN
        cache.put_many(embedder.name, {key: vec for (key, _), vec in zip(batch, vectors)})
        for (key, _), vec in zip(batch, vectors):
            cached[key] = vec
        if on_progress:
            on_progress(sum(counts[key] for key, _ in batch))
    for i, key in enumerate(keys):
        if key in missing:
            out[i] = cached[key]
    return out


class StatementVectors:
    """Vectors of answer statements: memory first, then the persistent cache, then the model.

    The indexer embeds every quotable statement into the persistent cache ahead of
    time, so answering normally costs lookups only; a statement the index did not
    prepare (another answer length configured, a cache that was deleted) is embedded
    on demand and stored for the next time.  The persistent cache is an optimisation:
    when it cannot be read or written, answers still work from the model, and the
    cache is tried again after ``RETRY_AFTER_S`` (a database may come back).
    """

    RETRY_AFTER_S = 60.0

    def __init__(self, embedder: Embedder, open_cache: Callable[[], VectorCache], memory_size: int = 20_000) -> None:
        """``open_cache`` opens the backend's persistent cache (``Backend.vector_cache``)."""
        self.embedder = embedder
        self._open_cache = open_cache
        self._memory = VectorLRU(memory_size)
        self._cache: VectorCache | None = None
        self._failed_until = 0.0  # monotonic time before which the persistent cache is not tried
        self._open_lock = threading.Lock()

    def get(self, texts: list[str]) -> np.ndarray:
        return self._memory.get_or_embed(texts, self._from_cache_or_model, self.embedder.dim)

    def _from_cache_or_model(self, texts: list[str]) -> np.ndarray:
        cache = self._persistent()
        if cache is not None:
            try:
                return embed_passages_cached(self.embedder, cache, texts)
            except cache.errors as exc:
                log.warning("embedding cache unusable for answer statements, using the model: %s", exc)
                self._failed_until = time.monotonic() + self.RETRY_AFTER_S
        return self.embedder.embed_passages(texts)

    def _persistent(self) -> VectorCache | None:
        with self._open_lock:
            if time.monotonic() < self._failed_until:
                return None
            if self._cache is None:
                try:
                    self._cache = self._open_cache()
                except Exception as exc:  # noqa: BLE001 - any backend's failure: answers still work from the model
                    log.warning("cannot open the embedding cache: %s", exc)
                    self._failed_until = time.monotonic() + self.RETRY_AFTER_S
            return self._cache

    def close(self) -> None:
        with self._open_lock:
            if self._cache is not None:
                self._cache.close()
                self._cache = None
