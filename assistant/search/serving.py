"""Which generation serves a read: the live one, reopened when a writer published a newer one.

Each call asks the backend which generation is live (the tiny CURRENT file, or one cheap
query in PostgreSQL) and, if it changed, opens the new one *before* replacing the old
one, so in-flight requests finish on a complete generation and new ones see the new one.
A snapshot found damaged while serving is skipped from then on, and the read runs again
on the newest intact generation; a read whose generation other processes' index runs
dropped meanwhile (PostgreSQL) runs again on the live one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

from assistant.errors import GenerationReplaced, SnapshotDamaged
from assistant.search.retriever import Retriever
from assistant.storage.store import Backend

log = logging.getLogger(__name__)
T = TypeVar("T")
READ_ATTEMPTS = 4  # the live generation and the fallbacks kept beside it


class LiveGeneration:
    """The retriever over the live generation, shared by all threads of one process."""

    def __init__(self, backend: Callable[[], Backend], make_retriever: Callable[..., Retriever]) -> None:
        """``backend`` is asked lazily (opening PostgreSQL waits for the first read)."""
        self._backend = backend
        self._make_retriever = make_retriever
        self._retriever: Retriever | None = None
        self._opened_for: str | None = None  # the live pointer the retriever was opened for
        self._damaged: set[str] = set()  # generations whose reads failed while serving
        self._lock = threading.Lock()

    def retriever(self) -> Retriever:
        """The retriever for the live generation, reopening when a new one was published.

        Compared by the live pointer we opened for (not the served generation's name):
        while a damaged live snapshot is replaced by a fallback the two differ, and
        comparing names would re-open the fallback on every request.
        """
        backend = self._backend()
        live = backend.live_generation()
        current = self._retriever
        if current is not None and live == self._opened_for and not current.snapshot.damaged:
            return current
        with self._lock:
            current = self._retriever
            if current is None or self._opened_for != live or current.snapshot.damaged:
                if current is not None and current.snapshot.damaged:
                    self._damaged.add(current.snapshot.name)
                store = backend.open(skip=self._damaged)
                self._retriever = self._make_retriever(store)
                self._opened_for = live
                log.info("serving generation %s from %s", store.name, backend.kind)
            return self._retriever

    def read(self, work: Callable[[], T]) -> T:
        """Run a read; when the served snapshot turns out damaged, again on the next intact one.

        A damaged chunk table is found by the first read that touches the broken page;
        that generation is skipped from then on, and when no intact one is left the
        caller gets IndexCorrupt (HTTP 503, a German message in the CLI), never a crash.
        """
        for _ in range(READ_ATTEMPTS - 1):
            try:
                return work()
            except (SnapshotDamaged, GenerationReplaced) as exc:
                self._recover(exc)
        return work()

    def stream(self, items: Callable[[], Iterator[T]]) -> Iterator[T]:
        """Like ``read`` for a generator; once an item went out a damaged read is the caller's to report."""
        for attempt in range(READ_ATTEMPTS):
            started = False
            try:
                for item in items():
                    started = True
                    yield item
                return
            except (SnapshotDamaged, GenerationReplaced) as exc:
                if started or attempt == READ_ATTEMPTS - 1:
                    raise
                self._recover(exc)

    def fallback_from(self, served: str) -> str | None:
        """The live generation when ``served`` is a fallback standing in for it (for /health and stats)."""
        return self._opened_for if self._opened_for not in (None, served) else None

    def forget(self) -> None:
        """Drop the open generation (the backend is being closed)."""
        with self._lock:
            self._retriever = None
            self._opened_for = None

    def _recover(self, exc: SnapshotDamaged | GenerationReplaced) -> None:
        """Skip a damaged snapshot from now on; after a dropped generation, reopen the live one."""
        if isinstance(exc, GenerationReplaced):
            self.forget()  # ``open`` reads the live generation afresh
            return
        with self._lock:
            self._damaged.add(exc.generation)
        log.error("generation %s is damaged (%s); falling back", exc.generation, exc.message)
