"""The database layout: one control schema, and one schema per generation.

    revierlotse.meta              schema_version
    revierlotse.generations       name, schema_name, created_at, manifest (only complete generations)
    revierlotse.live              the one row naming the live generation (switched in a transaction)
    revierlotse.embedding_cache   (embedder, sha256 of the text) → float32 vector, shared by all processes
    gen_000007.documents          one row per document (idx = document index of the catalog)
    gen_000007.chunks             one row per chunk: text, position, page, … (btree on (doc, position))
    gen_000007.vectors            one row per chunk: its document and its vector(d), stored inline
                                  (HNSW with vector_ip_ops, btree on doc)
    gen_000007.terms              one row per analyzer term: df and its postings (rows, tfs as int32 arrays)
    gen_000007.catalog            one row: document of every row, row lengths, avgdl, facets and dates

A generation's schema is created, filled, indexed and made live in one transaction,
so a killed index run leaves nothing behind and readers only ever see complete ones.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from assistant.errors import IndexIncompatible, StoreUnavailable

SCHEMA_VERSION = 1
CONTROL = "revierlotse"
SETUP_LOCK = 0x52_4C_53_45_54_55_50  # "RLSETUP": serialises the first-time set-up of two processes
WRITER_LOCK = 0x52_4C_57_52_49_54_45  # "RLWRITE": the one index writer (session-level advisory lock)
MIN_PGVECTOR = (0, 8, 0)  # hnsw.iterative_scan

CONTROL_DDL = f"""
CREATE SCHEMA IF NOT EXISTS {CONTROL};
CREATE TABLE IF NOT EXISTS {CONTROL}.meta (schema_version int NOT NULL);
CREATE SEQUENCE IF NOT EXISTS {CONTROL}.generation_seq;
CREATE TABLE IF NOT EXISTS {CONTROL}.generations (
    name text PRIMARY KEY,
    schema_name text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    manifest jsonb NOT NULL
);
CREATE TABLE IF NOT EXISTS {CONTROL}.live (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    generation text NOT NULL REFERENCES {CONTROL}.generations (name),
    switched_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS {CONTROL}.embedding_cache (
    embedder text NOT NULL,
    key text NOT NULL,
    vector bytea NOT NULL,
    PRIMARY KEY (embedder, key)
);
"""


def generation_names(number: int) -> tuple[str, str]:
    """(generation name as the snapshot spells it, its schema name)."""
    return f"gen-{number:06d}", f"gen_{number:06d}"


def generation_tables_ddl(schema: str, dim: int) -> sql.Composed:
    s = sql.Identifier(schema)
    return sql.SQL(
        """
        CREATE SCHEMA {s};
        CREATE TABLE {s}.documents (
            idx int PRIMARY KEY, doc_id text NOT NULL UNIQUE, source_path text NOT NULL, title text NOT NULL,
            type text NOT NULL, metadata text NOT NULL, content_hash text NOT NULL, file_type text NOT NULL,
            warnings text NOT NULL, chunk_count int NOT NULL
        );
        CREATE TABLE {s}.chunks (
            row int PRIMARY KEY, doc int NOT NULL, chunk_id text NOT NULL, position int NOT NULL,
            text text NOT NULL, embed_text text NOT NULL, heading_path text NOT NULL, page int, printed_page text,
            char_start int NOT NULL, char_end int NOT NULL
        );
        CREATE TABLE {s}.vectors (row int PRIMARY KEY, doc int NOT NULL, embedding vector({dim}) NOT NULL);
        ALTER TABLE {s}.vectors ALTER COLUMN embedding SET STORAGE PLAIN;
        CREATE TABLE {s}.terms (id int PRIMARY KEY, term text NOT NULL, df int NOT NULL, rows bytea NOT NULL,
                                tfs bytea NOT NULL);
        CREATE TABLE {s}.catalog (row_doc bytea NOT NULL, dls bytea NOT NULL, avgdl float8 NOT NULL,
                                  catalog jsonb NOT NULL);
        """
    ).format(s=s, dim=sql.Literal(int(dim)))


def generation_indexes_ddl(schema: str, m: int, ef_construction: int) -> sql.Composed:
    """Indexes after the bulk load (faster than maintaining them row by row), then fresh statistics:
    the planner must know how selective a document filter is to choose the exact btree path."""
    s = sql.Identifier(schema)
    return sql.SQL(
        """
        CREATE UNIQUE INDEX chunks_chunk_id ON {s}.chunks (chunk_id);
        CREATE INDEX chunks_doc ON {s}.chunks (doc, position);
        CREATE INDEX vectors_doc ON {s}.vectors (doc);
        CREATE INDEX vectors_hnsw ON {s}.vectors USING hnsw (embedding vector_ip_ops)
            WITH (m = {m}, ef_construction = {ef});
        CREATE UNIQUE INDEX terms_term ON {s}.terms (term);
        ANALYZE {s}.documents; ANALYZE {s}.chunks; ANALYZE {s}.vectors; ANALYZE {s}.terms; ANALYZE {s}.catalog;
        """
    ).format(s=s, m=sql.Literal(int(m)), ef=sql.Literal(int(ef_construction)))


def prepare_database(conn: psycopg.Connection) -> None:
    """Create the pgvector extension and the control schema if missing; refuse another layout.

    Runs on every first connection of a process. A prepared database is only read (so
    readers may also use a read-only streaming replica); otherwise the advisory lock keeps
    two processes starting at once from racing on CREATE … IF NOT EXISTS.
    """
    version = _prepared_version(conn)
    if version is not None:
        _check_version(version)
        _ensure_pgvector(conn)
        return
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SETUP_LOCK,))
        _ensure_pgvector(conn)
        conn.execute(CONTROL_DDL)
        row = conn.execute(f"SELECT schema_version FROM {CONTROL}.meta").fetchone()
        if row is None:
            conn.execute(f"INSERT INTO {CONTROL}.meta VALUES (%s)", (SCHEMA_VERSION,))
        else:
            _check_version(row[0])


def _prepared_version(conn: psycopg.Connection) -> int | None:
    if conn.execute(f"SELECT to_regclass('{CONTROL}.meta')").fetchone()[0] is None:
        return None
    row = conn.execute(f"SELECT schema_version FROM {CONTROL}.meta").fetchone()
    return row[0] if row else None


def _check_version(version: int) -> None:
    if version != SCHEMA_VERSION:
        raise IndexIncompatible(
            f"Die Datenbank hat das Index-Format {version}, diese Version kennt {SCHEMA_VERSION}. "
            "Bitte die passende Revierlotse-Version verwenden oder den Index mit "
            "'revierlotse index --rebuild' in einer leeren Datenbank neu aufbauen."
        )


def _ensure_pgvector(conn: psycopg.Connection) -> None:
    row = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
    if row is None:
        try:
            with conn.transaction():
                conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        except psycopg.Error as exc:
            raise StoreUnavailable(
                "In der Datenbank fehlt die Erweiterung pgvector, und sie lässt sich nicht anlegen "
                f"({str(exc).strip().splitlines()[0]}). Bitte pgvector (ab 0.8) installieren und als "
                "Datenbank-Administrator 'CREATE EXTENSION vector;' ausführen."
            ) from None
        row = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
    version = tuple(int(p) for p in row[0].split(".")[:3] if p.isdigit())  # "0.8.0" → (0, 8, 0)
    if version < MIN_PGVECTOR:
        raise StoreUnavailable(
            f"pgvector {row[0]} ist zu alt; nötig ist mindestens 0.8.0 (iterative HNSW-Suche mit Filtern). "
            "Bitte pgvector aktualisieren und 'ALTER EXTENSION vector UPDATE;' ausführen."
        )
