"""Snapshots on disk: one immutable directory per generation, switched atomically.

    index/
      CURRENT                 name of the live generation (replaced with os.replace)
      .lock                   flock held by the one writer (released by the kernel on crash)
      embedding-cache.sqlite  see embedding_cache.py
      gen-000007/             manifest.json, chunks.sqlite, vectors.faiss, bm25/
      .building-000008/       a generation being written; never read

A writer builds the next generation in a hidden directory, fsyncs it, renames it
into place and only then rewrites CURRENT.  A crash at any point leaves CURRENT
naming a complete generation.  Readers verify a snapshot against its manifest on
open, and fall back to the newest older generation that verifies.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from assistant.domain.documents import Chunk
from assistant.errors import IndexCorrupt, IndexIncompatible, IndexMissing
from assistant.storage.bm25 import LexicalIndex
from assistant.storage.catalog import catalog_of, facet_masks
from assistant.storage.faiss_index import load_vector_index, search_vectors
from assistant.storage.generations import (
    _GEN_NAME,
    CURRENT,
    current_generation,
    generation_dirs,
)
from assistant.storage.records import ChunkRecord, DocumentRecord
from assistant.storage.store import embedder_mismatch

log = logging.getLogger(__name__)

FORMAT_VERSION = 2






# --- generations and the CURRENT pointer -----------------------------------
















# --- reading a snapshot ------------------------------------------------------


RECENT_CHUNKS = 4096  # chunk records kept in memory per open snapshot


class Snapshot:
    """An opened, verified generation: vectors, lexical index, chunk table, documents."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        self._recent: OrderedDict[int, ChunkRecord] = OrderedDict()
        self._recent_lock = threading.Lock()
        self.manifest = _read_manifest(path)
        _verify_files(path, self.manifest)
        try:
            self.vectors = load_vector_index(path / "vectors.faiss")
            self.lexical = LexicalIndex.load(path / "bm25")
            self._db = sqlite3.connect(f"file:{path / 'chunks.sqlite'}?mode=ro", uri=True, check_same_thread=False)
            self.documents = self._load_documents()
            self.row_doc: np.ndarray = np.load(path / "rows.npy")
            catalog = json.loads((path / "catalog.json").read_text(encoding="utf-8"))
        except IndexCorrupt:
            raise
        except Exception as exc:
            raise IndexCorrupt(
                f"Der Index-Stand {path.name} ist beschädigt ({type(exc).__name__}: {exc}). "
                "Bitte mit 'revierlotse index --rebuild' neu aufbauen."
            ) from exc
        stored_chunks = self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        counts = {self.vectors.ntotal, len(self.row_doc), stored_chunks, self.manifest["chunk_count"]}
        if len(counts) != 1:
            raise IndexCorrupt(
                f"Der Index-Stand {path.name} ist unvollständig (Vektoren, Textabschnitte und Manifest "
                "passen nicht zusammen). Bitte neu indexieren."
            )
        self.doc_ids: list[str] = catalog["doc_ids"]
        if set(self.doc_ids) != set(self.documents) or (len(self.row_doc) and self.row_doc.max() >= len(self.doc_ids)):
            raise IndexCorrupt(f"Der Index-Stand {path.name} ist inkonsistent (Dokumentliste). Bitte neu indexieren.")
        self.documents = {doc_id: self.documents[doc_id] for doc_id in self.doc_ids}
        self.facets = facet_masks(catalog["facets"], len(self.doc_ids))
        self.stand_ordinals = np.asarray(catalog["stand"], dtype=np.int64)  # 0 = no date
        self.embedder_name: str = self.manifest["embedder"]
        self.dim: int = int(self.manifest["dim"])

    def _load_documents(self) -> dict[str, DocumentRecord]:
        docs: dict[str, DocumentRecord] = {}
        for row in self._db.execute(
            "SELECT doc_id, source_path, title, metadata, content_hash, file_type, warnings, chunk_count"
            " FROM documents"
        ):
            docs[row[0]] = DocumentRecord(
                doc_id=row[0],
                source_path=row[1],
                title=row[2],
                metadata_value=row[3],
                content_hash=row[4],
                file_type=row[5],
                warnings=json.loads(row[6]),
                chunk_count=row[7],
            )
        return docs

    @property
    def chunk_count(self) -> int:
        return len(self.row_doc)

    def chunks(self, rows: list[int]) -> list[ChunkRecord]:
        """Chunk rows by row number, in the order asked for.

        Recently read rows come from a bounded in-memory LRU: every search reads the
        chunks of its top passages, and reading and decoding them from SQLite was a
        tenth of a search's CPU under load.
        """
        with self._recent_lock:
            found = {r: self._recent[r] for r in rows if r in self._recent}
            for r in found:
                self._recent.move_to_end(r)
        missing = [r for r in dict.fromkeys(rows) if r not in found]
        if missing:
            marks = ",".join("?" * len(missing))
            fetched = {
                r[0]: ChunkRecord(r[0], _chunk_from_row(r[1:]))
                for r in self._db.execute(f"SELECT row, {_CHUNK_COLUMNS} FROM chunks WHERE row IN ({marks})", missing)
            }
            found |= fetched
            with self._recent_lock:
                self._recent.update((r, fetched[r]) for r in missing if r in fetched)
                while len(self._recent) > RECENT_CHUNKS:
                    self._recent.popitem(last=False)
        return [found[r] for r in rows if r in found]

    def document_chunks(self, doc_id: str) -> list[ChunkRecord]:
        return [
            ChunkRecord(r[0], _chunk_from_row(r[1:]))
            for r in self._db.execute(
                f"SELECT row, {_CHUNK_COLUMNS} FROM chunks WHERE doc_id = ? ORDER BY position", (doc_id,)
            )
        ]

    def search_vectors(
        self, query: np.ndarray, k: int, allowed_rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k rows by inner product with ``query``; ``allowed_rows`` (sorted row ids) restricts them."""
        return search_vectors(self.vectors, query, k, allowed_rows)

    def search_vectors_many(
        self, queries: np.ndarray, k: int, allowed_rows: np.ndarray | None = None
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """``search_vectors`` for every row of ``queries`` (in memory: no reason to batch)."""
        return [self.search_vectors(q, k, allowed_rows) for q in queries]

    def vectors_of(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors of ``rows`` (float32, one per row)."""
        return self.vectors.reconstruct_batch(np.asarray(rows, dtype=np.int64))

    def check_embedder(self, embedder_name: str) -> None:
        if embedder_name != self.embedder_name:
            raise embedder_mismatch(self.embedder_name, embedder_name)

    def close(self) -> None:
        self._db.close()


_CHUNK_COLUMNS = "chunk_id, doc_id, position, text, embed_text, heading_path, page, printed_page, char_start, char_end"


def _chunk_from_row(r: tuple) -> Chunk:
    return Chunk(
        chunk_id=r[0],
        doc_id=r[1],
        position=r[2],
        text=r[3],
        embed_text=r[4],
        heading_path=tuple(json.loads(r[5])),
        page=r[6],
        printed_page=r[7],
        char_start=r[8],
        char_end=r[9],
    )


def _read_manifest(path: Path) -> dict:
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"Das Manifest von {path.name} fehlt oder ist unlesbar. Bitte neu indexieren.") from exc
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexIncompatible(
            f"Der Index {path.name} hat ein anderes Format (Version {manifest.get('format_version')}). "
            "Bitte mit 'revierlotse index --rebuild' neu aufbauen."
        )
    return manifest


def _verify_files(path: Path, manifest: dict) -> None:
    """Cheap integrity check: every file the manifest lists exists with its recorded size."""
    for name, size in manifest.get("files", {}).items():
        f = path / name
        if not f.is_file() or f.stat().st_size != size:
            raise IndexCorrupt(
                f"Der Index-Stand {path.name} ist beschädigt: '{name}' fehlt oder hat die falsche Größe. "
                "Bitte neu indexieren."
            )


def open_snapshot(index_dir: Path) -> Snapshot:
    """Open the live generation; if it is damaged, the newest older one that verifies."""
    live = current_generation(index_dir)
    generations = generation_dirs(index_dir)
    if live is None and not generations:
        raise IndexMissing(
            f"Unter '{index_dir}' gibt es noch keinen Index. Bitte zuerst 'revierlotse index corpus' ausführen."
        )
    if live is not None and _GEN_NAME.fullmatch(live):
        candidates = [index_dir / live] + [g for g in generations if g.name < live]
    else:  # CURRENT missing, empty or garbage while generations exist: never serve "no index"
        log.error(
            "%s/%s is %s; falling back to the newest generation that verifies",
            index_dir,
            CURRENT,
            "missing or empty" if live is None else f"invalid ({live[:40]!r})",
        )
        candidates = generations
    first_error: Exception | None = None
    for path in candidates:
        try:
            snapshot = Snapshot(path)
        except (IndexCorrupt, FileNotFoundError) as exc:
            log.error("snapshot %s unusable: %s", path.name, exc)
            first_error = first_error or exc
            continue
        if path.name != live:
            log.warning("live generation %s is damaged; serving fallback %s", live, path.name)
        return snapshot
    if isinstance(first_error, IndexCorrupt):
        raise first_error
    raise IndexCorrupt(f"Kein lesbarer Index-Stand unter '{index_dir}'. Bitte neu indexieren.")


# --- writing a snapshot ------------------------------------------------------


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
    manifest = {
        "format_version": FORMAT_VERSION,
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "document_count": len(documents),
        "chunk_count": len(chunks),
        "documents": {d.doc_id: {"source_path": d.source_path, "content_hash": d.content_hash} for d in documents},
        "files": files,
        **manifest_extra,
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
