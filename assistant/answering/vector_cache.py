"""In-process LRU of sentence vectors, keyed by the exact text embedded.

Why: extractive answers embed every candidate sentence of the top passages.  The
same passages come back for similar questions (and for every follow-up), so a
bounded cache turns the second question about a programme into pure lookups.
Bounded because a long-running API process must not grow without limit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from assistant.embedding import Embedder


class SentenceVectorCache:
    """Thread-safe LRU mapping (embedder name, text) → unit vector."""

    def __init__(self, max_entries: int = 20_000) -> None:
        self.max_entries = max_entries
        self._items: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def passages(self, embedder: Embedder, texts: list[str]) -> np.ndarray:
        """Vectors of ``texts`` embedded as passages; only unseen texts reach the model."""
        out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with self._lock:
            for i, text in enumerate(texts):
                key = (embedder.name, text)
                vec = self._items.get(key)
                if vec is None:
                    missing.setdefault(text, []).append(i)
                else:
                    self._items.move_to_end(key)
                    out[i] = vec
            self.hits += len(texts) - sum(len(v) for v in missing.values())
            self.misses += len(missing)
        if missing:
            todo = list(missing)
            vectors = embedder.embed_passages(todo)  # outside the lock: the slow part
            with self._lock:
                for text, vec in zip(todo, vectors):
                    for i in missing[text]:
                        out[i] = vec
                    self._items[(embedder.name, text)] = vec
                    self._items.move_to_end((embedder.name, text))
                while len(self._items) > self.max_entries:
                    self._items.popitem(last=False)
        return out
