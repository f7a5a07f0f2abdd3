"""The vector cache in the database: one for every process, so no replica embeds a text twice.

Same contract as the snapshot's SQLite cache (``storage/embedding_cache.py``):
(embedder, sha256 of the text) → float32 vector, for chunk passages and for answer
statements alike.  Values are raw little-endian float32 bytes; the dimension differs
between embedders, so this is ``bytea``, not a pgvector column.
"""

from __future__ import annotations

import numpy as np
import psycopg

from assistant.errors import StoreUnavailable
from assistant.storage.postgres.connection import Database
from assistant.storage.postgres.schema import CONTROL

_BATCH = 1000
_COPY_FROM = 5000  # from this many new vectors on, load through COPY into a temporary table


class PgVectorCache:
    """A handle on ``revierlotse.embedding_cache``; uses the backend's pool, so closing is free."""

    errors: tuple[type[BaseException], ...] = (StoreUnavailable, psycopg.Error)

    def __init__(self, db: Database) -> None:
        self._db = db

    def get_many(self, embedder: str, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        query = f"SELECT key, vector FROM {CONTROL}.embedding_cache WHERE embedder = %s AND key = ANY(%s)"
        for start in range(0, len(keys), _BATCH):
            batch = keys[start : start + _BATCH]
            for key, blob in self._db.run(lambda c, b=batch: c.execute(query, (embedder, b), binary=True).fetchall()):
                found[key] = np.frombuffer(blob, dtype="<f4").astype(np.float32)
        return found

    def put_many(self, embedder: str, items: dict[str, np.ndarray]) -> None:
        rows = [(embedder, k, np.asarray(v, dtype="<f4").tobytes()) for k, v in items.items()]
        if not rows:
            return
        self._db.run(lambda c: _insert(c, rows))

    def close(self) -> None:
        """Connections belong to the backend's pool."""


def _insert(conn: psycopg.Connection, rows: list[tuple[str, str, bytes]]) -> None:
    """Insert, keeping what is there (two processes may embed the same text at once)."""
    with conn.transaction():
        if len(rows) < _COPY_FROM:
            with conn.cursor() as cur:
                cur.executemany(
                    f"INSERT INTO {CONTROL}.embedding_cache VALUES (%s, %s, %s) ON CONFLICT DO NOTHING", rows
                )
            return
        conn.execute("CREATE TEMPORARY TABLE incoming (embedder text, key text, vector bytea) ON COMMIT DROP")
        with conn.cursor().copy("COPY incoming FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["text", "text", "bytea"])
            for row in rows:
                copy.write_row(row)
        conn.execute(
            f"INSERT INTO {CONTROL}.embedding_cache SELECT DISTINCT ON (embedder, key) * FROM incoming"
            " ON CONFLICT DO NOTHING"
        )
