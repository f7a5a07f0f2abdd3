"""Recent query vectors in memory: a repeated question is not embedded again."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from assistant.embedding.embedders import Embedder


class VectorLRU:
    """Thread-safe, bounded LRU of vectors keyed by the exact text embedded.

    One mechanism for every in-process vector cache (query vectors, answer
    sentences): repeated texts cost a lookup, and a long-running server cannot
    grow without limit.  Duplicates within one call are embedded once.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.hits = 0
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get_or_embed(self, texts: list[str], embed: Callable[[list[str]], np.ndarray], dim: int) -> np.ndarray:
        out = np.empty((len(texts), dim), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with self._lock:
            for i, text in enumerate(texts):
                vector = self._items.get(text)
                if vector is None:
                    missing.setdefault(text, []).append(i)
                else:
                    self._items.move_to_end(text)
                    out[i] = vector
            self.hits += len(texts) - sum(len(v) for v in missing.values())
        if missing:
            todo = list(missing)
            fresh = embed(todo)  # outside the lock: the slow part
            with self._lock:
                for text, vector in zip(todo, fresh):
                    out[missing[text]] = vector
                    self._items[text] = vector
                    self._items.move_to_end(text)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return out


class QueryCache:
    """An Embedder that remembers recent query vectors, passing passages straight through.

    Staff page paging, the bot's "Mehr Treffer" button, follow-up answers and
    popular questions embed the same query text again; a hit costs microseconds
    instead of ~15–30 ms of model time, and frees the model for new queries.
    """

    def __init__(self, inner: Embedder, size: int = 4096) -> None:
        self.inner = inner
        self.name, self.dim, self.max_tokens = inner.name, inner.dim, inner.max_tokens
        self._vectors = VectorLRU(size)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._vectors.get_or_embed(list(texts), self.inner.embed_queries, self.dim)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)
