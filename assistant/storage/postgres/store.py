"""One PostgreSQL generation opened for reading (the :class:`~assistant.storage.store.Store` protocol).

On open it reads what every query needs in memory and is small: documents, the
document of every row, row lengths, facets and the vocabulary.  Vectors, chunk texts
and postings stay in the database and are read per query; a generation never
changes, so recently read chunks, vectors and postings are kept in bounded memory.

Vector search (with or without a filter) is planned in ``vector_search.py``.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

import numpy as np
import psycopg
from psycopg import sql

from assistant.domain.documents import Chunk
from assistant.errors import IndexCorrupt
from assistant.storage.catalog import facet_masks
from assistant.storage.postgres.connection import Database
from assistant.storage.postgres.lexical import INT32, PgLexical
from assistant.storage.postgres.vector_search import VectorQuery, auto_ef_search, vector_query
from assistant.storage.recent import RecentChunks
from assistant.storage.records import ChunkRecord, DocumentRecord
from assistant.storage.store import embedder_mismatch
from assistant.text.analyzer import GermanAnalyzer

RECENT_VECTORS = 16384  # chunk vectors kept in memory per open generation (24 MB at 384 dimensions)
_CHUNK_COLUMNS = "row, chunk_id, doc, position, text, embed_text, heading_path, page, printed_page, char_start, char_end"


class PgStore:
    """A complete generation in schema ``schema``; safe to share between threads."""

    def __init__(
        self, db: Database, name: str, schema: str, manifest: dict, conn: psycopg.Connection, ef_search: int | None = None
    ) -> None:
        """``ef_search`` None: chosen by the generation's size (``auto_ef_search``)."""
        self.name = name
        self.damaged: str | None = None  # never set: a failing read raises DatabaseUnavailable instead
        self.schema = schema
        self.manifest = manifest
        self.embedder_name: str = manifest["embedder"]
        self.dim: int = int(manifest["dim"])
        self._db = db
        self._s = sql.Identifier(schema)
        self._recent = RecentChunks()
        self._vectors: OrderedDict[int, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._load(conn)
        self.ef_search = ef_search or auto_ef_search(self.chunk_count)
        self.manifest = manifest | {"vector_index": manifest.get("vector_index", {}) | {"ef_search": self.ef_search}}

    def _load(self, conn: psycopg.Connection) -> None:
        row = conn.execute(sql.SQL("SELECT row_doc, dls, avgdl, catalog FROM {}.catalog").format(self._s), binary=True).fetchone()
        if row is None:
            raise IndexCorrupt(f"Der Index-Stand {self.name} in der Datenbank ist unvollständig. Bitte neu indexieren.")
        self.row_doc: np.ndarray = np.frombuffer(row[0], dtype=INT32).astype(np.int64)
        dls = np.frombuffer(row[1], dtype=INT32)
        catalog = row[3]
        self.doc_ids: list[str] = catalog["doc_ids"]
        names = {d: i for i, d in enumerate(self.doc_ids)}
        documents: dict[str, DocumentRecord] = {}
        for r in conn.execute(
            sql.SQL(
                "SELECT doc_id, source_path, title, metadata, content_hash, file_type, warnings, chunk_count"
                " FROM {}.documents ORDER BY idx"
            ).format(self._s)
        ):
            documents[r[0]] = DocumentRecord(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), r[7])
        if list(documents) != self.doc_ids or len(self.row_doc) != self.manifest["chunk_count"] or len(dls) != len(self.row_doc):
            raise IndexCorrupt(f"Der Index-Stand {self.name} in der Datenbank ist inkonsistent. Bitte neu indexieren.")
        self.documents = documents
        self._doc_index = names
        self._doc_rows = np.bincount(self.row_doc, minlength=len(self.doc_ids))
        self.facets = facet_masks(catalog["facets"], len(self.doc_ids))
        self.stand_ordinals = np.asarray(catalog["stand"], dtype=np.int64)  # 0 = no date
        terms = conn.execute(sql.SQL("SELECT term, df FROM {}.terms ORDER BY id").format(self._s)).fetchall()
        vocab = {t: i for i, (t, _) in enumerate(terms)}
        df = np.fromiter((d for _, d in terms), dtype=np.int64, count=len(terms))
        self.lexical = PgLexical(self._db.run, self.schema, vocab, df, dls, float(row[2]), GermanAnalyzer())

    @property
    def chunk_count(self) -> int:
        return len(self.row_doc)

    # --- chunks --------------------------------------------------------------------

    def chunks(self, rows: list[int]) -> list[ChunkRecord]:
        """Chunk rows by row number, in the order asked for (recently read ones from memory, recent.py)."""
        return self._recent.read(rows, self._fetch_chunks)

    def _fetch_chunks(self, rows: list[int]) -> dict[int, ChunkRecord]:
        query = sql.SQL("SELECT {} FROM {}.chunks WHERE row = ANY(%s)").format(sql.SQL(_CHUNK_COLUMNS), self._s)
        return {r[0]: self._record(r) for r in self._db.run(lambda c: c.execute(query, (rows,)).fetchall())}

    def document_chunks(self, doc_id: str) -> list[ChunkRecord]:
        index = self._doc_index.get(doc_id)
        if index is None:
            return []
        query = sql.SQL("SELECT {} FROM {}.chunks WHERE doc = %s ORDER BY position").format(sql.SQL(_CHUNK_COLUMNS), self._s)
        return [self._record(r) for r in self._db.run(lambda c: c.execute(query, (index,)).fetchall())]

    def _record(self, r: tuple) -> ChunkRecord:
        chunk = Chunk(
            chunk_id=r[1],
            doc_id=self.doc_ids[r[2]],
            position=r[3],
            text=r[4],
            embed_text=r[5],
            heading_path=tuple(json.loads(r[6])),
            page=r[7],
            printed_page=r[8],
            char_start=r[9],
            char_end=r[10],
        )
        return ChunkRecord(r[0], chunk)

    # --- vectors -------------------------------------------------------------------

    def search_vectors(
        self, query: np.ndarray, k: int, allowed_rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k rows by inner product: HNSW, HNSW with a filter, or exact for a selective filter."""
        return self.search_vectors_many(np.asarray(query).reshape(1, -1), k, allowed_rows)[0]

    def search_vectors_many(
        self, queries: np.ndarray, k: int, allowed_rows: np.ndarray | None = None
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """``search_vectors`` for every row of ``queries``, in one statement (one round trip)."""
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        if k <= 0 or self.chunk_count == 0 or (allowed_rows is not None and len(allowed_rows) == 0) or not len(queries):
            return [empty for _ in range(len(queries))]
        plan = self._vector_query(queries, k, allowed_rows)
        found = self._db.run(lambda c: _run(c, plan))
        by_query: list[list[tuple[int, float]]] = [[] for _ in range(len(queries))]
        for i, row, distance in found:
            by_query[i - 1].append((row, distance))
        out = []
        for hits in by_query:
            rows = np.fromiter((r for r, _ in hits), dtype=np.int64, count=len(hits))
            scores = -np.fromiter((d for _, d in hits), dtype=np.float64, count=len(hits))  # <#>: negative inner product
            out.append((rows, scores.astype(np.float32)))
        return out

    def vector_search_plan(self, query: np.ndarray, k: int, allowed_rows: np.ndarray | None = None) -> str:
        """Which path a search takes, and PostgreSQL's plan for it (operations, tests, benchmarks)."""
        plan = self._vector_query(np.asarray(query).reshape(1, -1), k, allowed_rows)
        explain = VectorQuery(sql.SQL("EXPLAIN ") + plan.statement, plan.params, plan.settings, plan.path)
        lines = self._db.run(lambda c: _run(c, explain))
        return f"path: {plan.path}\n" + "\n".join(r[0] for r in lines)

    def _vector_query(self, queries: np.ndarray, k: int, allowed_rows: np.ndarray | None) -> VectorQuery:
        return vector_query(self.schema, queries, k, allowed_rows, row_doc=self.row_doc, doc_rows=self._doc_rows,
                            ef_search=self.ef_search, session_ef_search=self._db.ef_search)

    def vectors_of(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors of ``rows`` (float32, one per row; recent ones from memory)."""
        wanted = [int(r) for r in np.asarray(rows).reshape(-1)]
        with self._lock:
            found = {r: self._vectors[r] for r in wanted if r in self._vectors}
            for r in found:
                self._vectors.move_to_end(r)
        missing = sorted(set(wanted) - set(found))
        if missing:
            query = sql.SQL("SELECT row, embedding FROM {}.vectors WHERE row = ANY(%s::int[])").format(self._s)
            fetched = {
                r: v.to_numpy().astype(np.float32, copy=False)
                for r, v in self._db.run(lambda c: c.execute(query, (missing,), binary=True).fetchall())
            }
            if len(fetched) != len(missing):
                raise IndexCorrupt(f"Dem Index-Stand {self.name} fehlen Vektoren. Bitte neu indexieren.")
            found |= fetched
            with self._lock:
                self._vectors.update(fetched)
                while len(self._vectors) > RECENT_VECTORS:
                    self._vectors.popitem(last=False)
        if not wanted:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([found[r] for r in wanted])

    def check_embedder(self, embedder_name: str) -> None:
        if embedder_name != self.embedder_name:
            raise embedder_mismatch(self.embedder_name, embedder_name)

    def close(self) -> None:
        """Connections belong to the backend's pool; nothing to release here."""


def _run(conn: psycopg.Connection, plan: VectorQuery) -> list[tuple]:
    """Execute a vector query; its settings hold for this statement only (a transaction of its own)."""
    if not plan.settings:
        return conn.execute(plan.statement, plan.params, binary=True).fetchall()
    with conn.transaction():
        for name, value in plan.settings.items():
            conn.execute("SELECT set_config(%s, %s, true)", (name, value))
        return conn.execute(plan.statement, plan.params, binary=True).fetchall()
