"""Connections to the store's database: a reader pool, the writer's own session, German errors.

Every connection is configured once (pgvector types, ``jit = off``, custom plans, HNSW
search settings): the plan cost of a BM25-sized query can pass ``jit_above_cost`` and
JIT then turns 0.7 ms into 88 ms (docs/decisions/postgres-setup.md, pitfall 4);
``hnsw.iterative_scan = relaxed_order`` is what keeps a filtered vector search from
silently returning fewer rows than asked for (pitfall 2); and a filter's plan must be
made for its actual documents (see ``_configure``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
from pgvector.psycopg import register_vector
from psycopg_pool import ConnectionPool, PoolTimeout

from assistant.errors import GenerationReplaced, StoreUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")
SESSION_EF_SEARCH = 100  # hnsw.ef_search of every session; a generation that needs another sets it per query
CONNECT_TIMEOUT_S = 5
POOL_TIMEOUT_S = 15.0
APPLICATION_NAME = "revierlotse"


def redacted(url: str) -> str:
    """The URL without its password (for messages and logs)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "postgresql://…"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, "", ""))


class Database:
    """A lazily opened pool of autocommit reader connections, and fresh writer sessions."""

    def __init__(self, url: str, *, pool_size: int, ef_search: int = SESSION_EF_SEARCH) -> None:
        self._url = url
        self.label = redacted(url)
        self._pool_size = pool_size
        self.ef_search = ef_search
        self._pool: ConnectionPool | None = None
        self._lock = threading.Lock()
        self._prepare: Callable[[psycopg.Connection], None] | None = None

    def on_first_connect(self, prepare: Callable[[psycopg.Connection], None]) -> None:
        """Run ``prepare`` (schema set-up) on a direct connection before the pool opens."""
        self._prepare = prepare

    def unavailable(self, exc: BaseException) -> StoreUnavailable:
        if isinstance(exc, psycopg.errors.ReadOnlySqlTransaction):
            return StoreUnavailable(
                f"Die Datenbank {self.label} ist nur lesbar (ein Standby-Server). Indexieren, Hochladen und "
                "Löschen brauchen den Primärserver: REVIERLOTSE_STORE_URL des schreibenden Prozesses auf ihn richten."
            )
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        password = urlsplit(self._url).password
        if password:
            reason = reason.replace(password, "***")
        return StoreUnavailable(
            f"Die Datenbank {self.label} ist nicht erreichbar oder nicht nutzbar ({reason}). "
            "Bitte prüfen, ob PostgreSQL läuft und REVIERLOTSE_STORE_URL stimmt."
        )

    def connect(self) -> psycopg.Connection:
        """A new configured autocommit session of its own (the writer keeps its advisory lock on one)."""
        try:
            conn = psycopg.connect(
                self._url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S, application_name=APPLICATION_NAME
            )
        except psycopg.Error as exc:
            raise self.unavailable(exc) from None
        try:
            self._configure(conn)
        except psycopg.Error as exc:
            conn.close()
            raise self.unavailable(exc) from None
        return conn

    def _configure(self, conn: psycopg.Connection) -> None:
        register_vector(conn)  # autocommit: each SET holds for the whole session
        conn.execute("SET jit = off")
        # psycopg prepares a statement after 5 runs, and PostgreSQL then may switch to a generic
        # plan that does not know the filter's documents: a 40 % filter went from an HNSW walk
        # (~1 ms) to an exact scan of 40,000 rows (~110 ms), a selective one could go the other way.
        conn.execute("SET plan_cache_mode = force_custom_plan")
        conn.execute(f"SET hnsw.ef_search = {int(self.ef_search)}")
        conn.execute("SET hnsw.iterative_scan = relaxed_order")

    def pool(self) -> ConnectionPool:
        if self._pool is None:
            with self._lock:
                if self._pool is None:
                    self._pool = self._open_pool()
        return self._pool

    def _open_pool(self) -> ConnectionPool:
        if self._prepare is not None:
            try:
                with psycopg.connect(
                    self._url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S, application_name=APPLICATION_NAME
                ) as conn:
                    self._prepare(conn)
            except psycopg.Error as exc:
                raise self.unavailable(exc) from None
        pool = ConnectionPool(
            self._url,
            min_size=1,
            max_size=self._pool_size,
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S, "application_name": APPLICATION_NAME},
            configure=self._configure,
            timeout=POOL_TIMEOUT_S,
            name="revierlotse-readers",
            open=False,
        )
        pool.open(wait=False)
        return pool

    def run(self, work: Callable[[psycopg.Connection], T]) -> T:
        """Run ``work`` (a read, or an idempotent write) on a pooled connection; once more if the first broke.

        After a database restart every pooled connection is dead: the pool then checks its
        idle connections (dropping the dead ones) and the work runs once more, so a
        restart costs a slower request instead of an error.
        """
        for attempt in (1, 2):
            try:
                with self.pool().connection() as conn:
                    return work(conn)
            except psycopg.OperationalError as exc:
                if attempt == 2 or isinstance(exc, psycopg.errors.QueryCanceled):
                    raise self.unavailable(exc) from None
                log.warning("database connection failed, retrying once: %s", str(exc).splitlines()[0] if str(exc) else exc)
                self.pool().check()
            except PoolTimeout as exc:
                raise self.unavailable(exc) from None
            except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName):
                # A generation this request started on was dropped meanwhile (several runs later).
                raise GenerationReplaced(
                    "Der Index-Stand, aus dem diese Anfrage las, ist inzwischen ersetzt worden. "
                    "Bitte die Anfrage wiederholen."
                ) from None
            except psycopg.Error as exc:
                log.error("database error: %s", exc)
                raise self.unavailable(exc) from None
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None
