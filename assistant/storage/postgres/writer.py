"""Write a generation into its own schema and make it live, all in one transaction.

The indexer has already embedded everything (``ingest/indexer.py``); here the
documents, chunks, their vectors, the term statistics and the catalog go in by
COPY, then the indexes are built, then ``revierlotse.live`` is switched.  Nothing of
it is visible before the COMMIT; a process killed at any point leaves the previous
generation live and no trace of the new one (PostgreSQL rolls the transaction back
when the connection drops).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time

import numpy as np
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from assistant.storage.catalog import catalog_of
from assistant.storage.lexical import analyzed_rows
from assistant.storage.postgres.lexical import INT32, term_statistics
from assistant.storage.postgres.schema import (
    CONTROL,
    generation_indexes_ddl,
    generation_names,
    generation_tables_ddl,
)
from assistant.storage.store import GenerationContent, StageHook
from assistant.text.analyzer import GermanAnalyzer

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 200  # bench/pg_scale.py at 100k: recall@10 of real questions 0.972 at ef_search 100 (64: 0.935)


def write_generation(
    conn: psycopg.Connection,
    content: GenerationContent,
    *,
    build_memory: str,
    on_stage: StageHook,
    hnsw_m: int = HNSW_M,
    hnsw_ef_construction: int = HNSW_EF_CONSTRUCTION,
) -> str:
    """Create, fill, index and switch to a new generation; returns its name.

    ``conn`` is the writer's autocommit session (holding the advisory writer lock).
    """
    timings: dict[str, float] = {}
    started = time.perf_counter()
    number = conn.execute(f"SELECT nextval('{CONTROL}.generation_seq')").fetchone()[0]
    name, schema = generation_names(number)
    s = sql.Identifier(schema)
    doc_index = {d.doc_id: i for i, d in enumerate(content.documents)}
    row_doc = np.fromiter((doc_index[c.doc_id] for c in content.chunks), dtype=INT32, count=len(content.chunks))
    stats = term_statistics(analyzed_rows((c.embed_text for c in content.chunks), GermanAnalyzer()))
    timings["analysis"] = time.perf_counter() - started
    with conn.transaction():
        conn.execute(sql.SQL("SET LOCAL maintenance_work_mem = {}").format(sql.Literal(build_memory)))
        conn.execute(generation_tables_ddl(schema, content.dim))
        _copy_documents(conn, s, content)
        _copy_chunks(conn, s, content, row_doc)
        on_stage("writing")
        _copy_terms(conn, s, stats)
        catalog = catalog_of(content.documents)
        conn.execute(
            sql.SQL("INSERT INTO {}.catalog VALUES (%s, %s, %s, %s)").format(s),
            (row_doc.tobytes(), stats.dls.astype(INT32).tobytes(), stats.avgdl, Jsonb(catalog)),
        )
        timings["copy"] = time.perf_counter() - started - timings["analysis"]
        conn.execute(generation_indexes_ddl(schema, hnsw_m, hnsw_ef_construction))
        timings["indexes"] = time.perf_counter() - started - timings["analysis"] - timings["copy"]
        manifest = {
            "format_version": FORMAT_VERSION,
            "generation": name,
            "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "document_count": len(content.documents),
            "chunk_count": len(content.chunks),
            "documents": {d.doc_id: {"source_path": d.source_path, "content_hash": d.content_hash} for d in content.documents},
            "embedder": content.embedder_name,
            "dim": content.dim,
            "vector_index": {"kind": "hnsw", "m": hnsw_m, "ef_construction": hnsw_ef_construction},
            "terms": len(stats.terms),
            **content.manifest_extra,
        }
        conn.execute(
            f"INSERT INTO {CONTROL}.generations (name, schema_name, manifest) VALUES (%s, %s, %s)",
            (name, schema, Jsonb(manifest)),
        )
        on_stage("publish")
        conn.execute(
            f"INSERT INTO {CONTROL}.live (one, generation) VALUES (true, %s)"
            " ON CONFLICT (one) DO UPDATE SET generation = EXCLUDED.generation, switched_at = now()",
            (name,),
        )
    timings["total"] = time.perf_counter() - started
    log.info(
        "published %s: %d documents, %d chunks, %d terms (%s)", name, len(content.documents), len(content.chunks),
        len(stats.terms), ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()),
        extra={"build_seconds": timings},
    )
    return name


def _copy_documents(conn: psycopg.Connection, s: sql.Identifier, content: GenerationContent) -> None:
    with conn.cursor().copy(sql.SQL("COPY {}.documents FROM STDIN (FORMAT BINARY)").format(s)) as copy:
        copy.set_types(["int4", "text", "text", "text", "text", "text", "text", "text", "text", "int4"])
        for i, d in enumerate(content.documents):
            copy.write_row((
                i, d.doc_id, d.source_path, d.title, d.doc_type, d.metadata.model_dump_json(), d.content_hash,
                d.file_type, json.dumps(d.warnings, ensure_ascii=False), d.chunk_count,
            ))


def _copy_chunks(conn: psycopg.Connection, s: sql.Identifier, content: GenerationContent, row_doc: np.ndarray) -> None:
    """Texts and vectors in two tables: a vector row (1.5 kB at 384 dimensions) stays inline and
    narrow, where beside the texts it was TOASTed and every distance read three buffers."""
    with conn.cursor().copy(sql.SQL("COPY {}.chunks FROM STDIN (FORMAT BINARY)").format(s)) as copy:
        copy.set_types(["int4", "int4", "text", "int4", "text", "text", "text", "int4", "text", "int4", "int4"])
        for row, c in enumerate(content.chunks):
            copy.write_row((
                row, int(row_doc[row]), c.chunk_id, c.position, c.text, c.embed_text,
                json.dumps(list(c.heading_path), ensure_ascii=False), c.page, c.printed_page, c.char_start, c.char_end,
            ))
    vectors = np.ascontiguousarray(content.vectors, dtype=np.float32)
    with conn.cursor().copy(sql.SQL("COPY {}.vectors FROM STDIN (FORMAT BINARY)").format(s)) as copy:
        copy.set_types(["int4", "int4", "vector"])
        for row in range(len(vectors)):
            copy.write_row((row, int(row_doc[row]), vectors[row]))


def _copy_terms(conn: psycopg.Connection, s: sql.Identifier, stats) -> None:  # noqa: ANN001 - TermStatistics
    with conn.cursor().copy(sql.SQL("COPY {}.terms FROM STDIN (FORMAT BINARY)").format(s)) as copy:
        copy.set_types(["int4", "text", "int4", "bytea", "bytea"])
        for term_id, term in enumerate(stats.terms):
            copy.write_row((
                term_id, term, int(stats.df[term_id]),
                stats.rows[term_id].astype(INT32).tobytes(), stats.tfs[term_id].astype(INT32).tobytes(),
            ))


def collect_garbage(conn: psycopg.Connection, keep: int) -> list[str]:
    """Drop all but the newest ``keep`` generations (never the live one), and any stray gen_ schema.

    A reader still inside a statement on an old generation holds a lock the DROP waits
    for; ``lock_timeout`` makes the writer give up instead of queueing readers behind
    it, and the next run tries again.
    """
    live = conn.execute(f"SELECT generation FROM {CONTROL}.live").fetchone()
    live_name = live[0] if live else None
    known = conn.execute(f"SELECT name, schema_name FROM {CONTROL}.generations ORDER BY name DESC").fetchall()
    doomed = [(n, sch) for n, sch in known[keep:] if n != live_name]
    listed = {sch for _, sch in known}
    strays = [r[0] for r in conn.execute(
        r"SELECT nspname FROM pg_namespace WHERE nspname ~ '^gen_[0-9]{6,}$'"
    ).fetchall() if r[0] not in listed]
    dropped = []
    for name, schema in doomed + [(None, sch) for sch in strays]:
        try:
            with conn.transaction():
                conn.execute("SET LOCAL lock_timeout = '2s'")
                conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
                if name is not None:
                    conn.execute(f"DELETE FROM {CONTROL}.generations WHERE name = %s", (name,))
            dropped.append(schema)
        except psycopg.errors.LockNotAvailable:
            log.info("generation schema %s still in use; dropped on a later run", schema)
    return dropped
