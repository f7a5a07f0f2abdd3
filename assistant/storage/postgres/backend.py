"""The PostgreSQL backend: generations, the live pointer, the writer lock and the cache in one database.

Several API processes and the bot point ``REVIERLOTSE_STORE_URL`` at the same
database.  Each asks which generation is live at most every ``LIVE_CHECK_S``
seconds (one primary-key read), so an index run or upload through any of them is
served by all of them without a restart; the process that published knows at once.
One writer at a time: a session-level advisory lock, which PostgreSQL releases when
the writer's connection ends, also when its process is killed.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import weakref
from collections.abc import Iterator
from typing import ClassVar

import psycopg

from assistant.errors import IndexLocked, IndexMissing
from assistant.storage.postgres.cache import PgVectorCache
from assistant.storage.postgres.connection import SESSION_EF_SEARCH, Database
from assistant.storage.postgres.schema import CONTROL, WRITER_LOCK, prepare_database
from assistant.storage.postgres.store import PgStore
from assistant.storage.postgres.writer import (
    HNSW_EF_CONSTRUCTION,
    HNSW_M,
    collect_garbage,
    write_generation,
)
from assistant.storage.store import GenerationContent, StageHook, no_stage

log = logging.getLogger(__name__)

LIVE_CHECK_S = 0.2  # how stale another process's switch may be seen (a query per request otherwise)
KEEP_GENERATIONS = 2  # the live one and the one before (readers finishing a request on it)
_LOCK_POLL_S = 0.2
_DEAD_CLIENT_CHECK = "2s"  # the server notices a killed writer mid-statement and frees its lock


class PostgresBackend:
    """Generations in PostgreSQL (see ``schema.py`` for the layout)."""

    kind = "postgres"
    _opened: ClassVar[weakref.WeakSet[PostgresBackend]] = weakref.WeakSet()

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 4,
        ef_search: int | None = None,
        build_memory: str = "1GB",
        hnsw: tuple[int, int] = (HNSW_M, HNSW_EF_CONSTRUCTION),
    ) -> None:
        """``ef_search`` None: chosen per generation by its size (``store.py``); ``hnsw`` is (m, ef_construction)
        of the generations this backend writes (bench/pg_scale.py varies both)."""
        self.db = Database(url, pool_size=pool_size, ef_search=ef_search or SESSION_EF_SEARCH)
        self.db.on_first_connect(prepare_database)
        self.label = self.db.label
        self.ef_search = ef_search
        self.build_memory = build_memory
        self.hnsw = hnsw
        self._live: tuple[str | None, float] | None = None  # (name, monotonic time read)
        self._writer: psycopg.Connection | None = None
        self._writer_thread: int | None = None
        self._lock = threading.Lock()
        PostgresBackend._opened.add(self)

    # --- reading -------------------------------------------------------------------

    def live_generation(self) -> str | None:
        memo = self._live
        if memo is not None and time.monotonic() - memo[1] < LIVE_CHECK_S:
            return memo[0]
        asked = time.monotonic()
        row = self.db.run(lambda c: c.execute(f"SELECT generation FROM {CONTROL}.live").fetchone())
        name = row[0] if row else None
        self._remember_live(name, asked)
        return name

    def _remember_live(self, name: str | None, asked: float) -> None:
        """Keep what was read most recently: an answer to a query sent before a switch this
        process made must not replace the switch (the served generation would step back)."""
        with self._lock:
            if self._live is None or asked >= self._live[1]:
                self._live = (name, asked)

    def has_generations(self) -> bool:
        return self.live_generation() is not None

    def open(self, skip: frozenset[str] | set[str] = frozenset()) -> PgStore:
        """``skip`` is ignored: the database has no damaged-file fallbacks (its own integrity is PostgreSQL's)."""
        asked = time.monotonic()

        def load(conn: psycopg.Connection) -> PgStore:
            row = conn.execute(
                f"SELECT g.name, g.schema_name, g.manifest FROM {CONTROL}.live l"
                f" JOIN {CONTROL}.generations g ON g.name = l.generation"
            ).fetchone()
            if row is None:
                raise IndexMissing(
                    f"In der Datenbank {self.label} gibt es noch keinen Index. Bitte zuerst "
                    "'revierlotse index corpus' ausführen (oder einen vorhandenen Index mit 'revierlotse migrate' übernehmen)."
                )
            store = PgStore(self.db, row[0], row[1], row[2], conn, ef_search=self.ef_search)
            self._remember_live(row[0], asked)
            return store

        return self.db.run(load)

    def vector_cache(self) -> PgVectorCache:
        return PgVectorCache(self.db)

    # --- writing -------------------------------------------------------------------

    @contextlib.contextmanager
    def writer_lock(self, wait_s: float = 0.0) -> Iterator[None]:
        """Hold the writer's advisory lock on a session of its own for the whole run."""
        self.db.pool()  # prepares the database on first use
        conn = self.db.connect()
        try:
            conn.execute(f"SET client_connection_check_interval = '{_DEAD_CLIENT_CHECK}'")
            deadline = time.monotonic() + wait_s
            while not conn.execute("SELECT pg_try_advisory_lock(%s)", (WRITER_LOCK,)).fetchone()[0]:
                if time.monotonic() >= deadline:
                    raise IndexLocked()
                time.sleep(_LOCK_POLL_S)
            with self._lock:
                self._writer, self._writer_thread = conn, threading.get_ident()
            try:
                yield
            finally:
                with self._lock:
                    self._writer = self._writer_thread = None
        except psycopg.Error as exc:
            raise self.db.unavailable(exc) from None
        finally:
            conn.close()  # ends the session: the advisory lock goes with it

    def publish(self, content: GenerationContent, on_stage: StageHook = no_stage) -> str:
        conn = self._writer if self._writer_thread == threading.get_ident() else None
        if conn is None:
            raise RuntimeError("publish() needs writer_lock() held by this thread")
        try:
            name = write_generation(
                conn, content, build_memory=self.build_memory, on_stage=on_stage,
                hnsw_m=self.hnsw[0], hnsw_ef_construction=self.hnsw[1],
            )
            self._remember_live(name, time.monotonic())
            dropped = collect_garbage(conn, KEEP_GENERATIONS)
        except psycopg.Error as exc:
            raise self.db.unavailable(exc) from None
        if dropped:
            log.info("dropped old generation schemas %s", ", ".join(dropped))
        return name

    def close(self) -> None:
        self.db.close()

    @classmethod
    def close_all(cls) -> None:
        """Close the connection pools of every backend of this process (shutdown, tests)."""
        for backend in list(cls._opened):
            backend.close()
