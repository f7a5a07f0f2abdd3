"""Writing one generation's files: chunk table, catalog, vectors, BM25 and the manifest last.

The manifest is written after every other file and records each file's size and
CRC32 (see integrity.py), so a reader can tell a complete, undamaged generation
from anything else.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import numpy as np

from assistant.domain.documents import Chunk
from assistant.storage.bm25 import LexicalIndex
from assistant.storage.catalog import catalog_of
from assistant.storage.integrity import CHECKSUM_ALGORITHM, checksums
from assistant.storage.records import DocumentRecord
from assistant.storage.snapshot import FORMAT_VERSION

def write_snapshot_files(
    directory: Path,
    *,
    documents: list[DocumentRecord],
    chunks: list[Chunk],
    vector_index_path_writer,  # noqa: ANN001 - callable(Path) that writes vectors.faiss
    lexical: LexicalIndex,
    manifest_extra: dict,
) -> None:
    """Write chunk table, vectors, BM25 and finally the manifest (with file sizes) into ``directory``."""
    directory.mkdir(parents=True)
    db = sqlite3.connect(directory / "chunks.sqlite")
    with db:
        db.execute(
            "CREATE TABLE documents (doc_id TEXT PRIMARY KEY, source_path TEXT, title TEXT, type TEXT,"
            " metadata TEXT, content_hash TEXT, file_type TEXT, warnings TEXT, chunk_count INTEGER)"
        )
        db.execute(
            "CREATE TABLE chunks (row INTEGER PRIMARY KEY, chunk_id TEXT UNIQUE, doc_id TEXT, position INTEGER,"
            " text TEXT, embed_text TEXT, heading_path TEXT, page INTEGER, printed_page TEXT,"
            " char_start INTEGER, char_end INTEGER)"
        )
        db.execute("CREATE INDEX chunks_doc ON chunks (doc_id, position)")
        db.executemany(
            "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (
                    d.doc_id,
                    d.source_path,
                    d.title,
                    d.doc_type,
                    d.metadata.model_dump_json(),
                    d.content_hash,
                    d.file_type,
                    json.dumps(d.warnings, ensure_ascii=False),
                    d.chunk_count,
                )
                for d in documents
            ],
        )
        db.executemany(
            "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    row,
                    c.chunk_id,
                    c.doc_id,
                    c.position,
                    c.text,
                    c.embed_text,
                    json.dumps(list(c.heading_path), ensure_ascii=False),
                    c.page,
                    c.printed_page,
                    c.char_start,
                    c.char_end,
                )
                for row, c in enumerate(chunks)
            ],
        )
    db.close()
    doc_index = {d.doc_id: i for i, d in enumerate(documents)}
    np.save(directory / "rows.npy", np.fromiter((doc_index[c.doc_id] for c in chunks), np.int32, len(chunks)))
    (directory / "catalog.json").write_text(json.dumps(catalog_of(documents), ensure_ascii=False), encoding="utf-8")
    vector_index_path_writer(directory / "vectors.faiss")
    lexical.save(directory / "bm25")
    files = {
        str(f.relative_to(directory)): f.stat().st_size for f in sorted(directory.rglob("*")) if f.is_file()
    }
    sums = checksums(directory, list(files))
    manifest = {
        "format_version": FORMAT_VERSION,
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "document_count": len(documents),
        "chunk_count": len(chunks),
        "documents": {d.doc_id: {"source_path": d.source_path, "content_hash": d.content_hash} for d in documents},
        "files": files,
        "checksum_algorithm": CHECKSUM_ALGORITHM,
        "checksums": sums,
        **manifest_extra,
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
