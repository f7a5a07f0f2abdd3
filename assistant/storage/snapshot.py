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

import contextlib
import json
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from assistant.domain.documents import Chunk
from assistant.errors import IndexCorrupt, IndexIncompatible, IndexMissing, SnapshotDamaged
from assistant.storage.bm25 import LexicalIndex
from assistant.storage.catalog import facet_masks
from assistant.storage.faiss_index import load_vector_index, search_vectors
from assistant.storage.integrity import all_finite, first_mismatch
from assistant.storage.generations import (
    _GEN_NAME,
    CURRENT,
    current_generation,
    generation_dirs,
)
from assistant.storage.recent import RecentChunks
from assistant.storage.records import ChunkRecord, DocumentRecord
from assistant.storage.store import embedder_mismatch

log = logging.getLogger(__name__)

FORMAT_VERSION = 2


# --- generations and the CURRENT pointer -----------------------------------


# --- reading a snapshot ------------------------------------------------------




class Snapshot:
    """An opened, verified generation: vectors, lexical index, chunk table, documents."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        self._recent = RecentChunks()
        self.damaged: str | None = None  # set when a read fails after opening
        try:
            self._open(path)
        except BaseException:
            db = getattr(self, "_db", None)
            if db is not None:
                db.close()
            raise

    def _open(self, path: Path) -> None:
        """Verify and load everything; any failure is an IndexCorrupt (the caller tries an older one)."""
        self.manifest = _read_manifest(path)
        _verify_files(path, self.manifest)
        try:
            self.vectors = load_vector_index(path / "vectors.faiss")
            if not all_finite(self.vectors):
                raise IndexCorrupt(
                    f"Der Index-Stand {path.name} enthält ungültige Vektoren (NaN oder unendlich). "
                    "Bitte mit 'revierlotse index --rebuild' neu aufbauen."
                )
            self.lexical = LexicalIndex.load(path / "bm25")
            self._db = sqlite3.connect(f"file:{path / 'chunks.sqlite'}?mode=ro", uri=True, check_same_thread=False)
            self.documents = self._load_documents()
            self.row_doc: np.ndarray = np.load(path / "rows.npy")
            catalog = json.loads((path / "catalog.json").read_text(encoding="utf-8"))
            stored_chunks = self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        except IndexCorrupt:
            raise
        except Exception as exc:  # sqlite3.DatabaseError, faiss RuntimeError, ValueError, KeyError, …
            raise IndexCorrupt(
                f"Der Index-Stand {path.name} ist beschädigt ({type(exc).__name__}: {exc}). "
                "Bitte mit 'revierlotse index --rebuild' neu aufbauen."
            ) from exc
        try:
            counts = {self.vectors.ntotal, len(self.row_doc), stored_chunks, self.manifest["chunk_count"]}
            if len(counts) != 1:
                raise IndexCorrupt(
                    f"Der Index-Stand {path.name} ist unvollständig (Vektoren, Textabschnitte und Manifest "
                    "passen nicht zusammen). Bitte neu indexieren."
                )
            self.doc_ids: list[str] = catalog["doc_ids"]
            if set(self.doc_ids) != set(self.documents) or (
                len(self.row_doc) and self.row_doc.max() >= len(self.doc_ids)
            ):
                raise IndexCorrupt(
                    f"Der Index-Stand {path.name} ist inkonsistent (Dokumentliste). Bitte neu indexieren."
                )
            self.documents = {doc_id: self.documents[doc_id] for doc_id in self.doc_ids}
            self.facets = facet_masks(catalog["facets"], len(self.doc_ids))
            self.stand_ordinals = np.asarray(catalog["stand"], dtype=np.int64)  # 0 = no date
            self.embedder_name: str = self.manifest["embedder"]
            self.dim: int = int(self.manifest["dim"])
        except IndexCorrupt:
            raise
        except Exception as exc:  # a catalog or manifest of the wrong shape
            raise IndexCorrupt(
                f"Der Index-Stand {path.name} ist inkonsistent ({type(exc).__name__}). Bitte neu indexieren."
            ) from exc

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
        """Chunk rows by row number, in the order asked for (recently read ones from memory, recent.py)."""
        return self._recent.read(rows, self._fetch_chunks)

    def _fetch_chunks(self, rows: list[int]) -> dict[int, ChunkRecord]:
        marks = ",".join("?" * len(rows))
        with self._reading():
            return {
                r[0]: ChunkRecord(r[0], _chunk_from_row(r[1:]))
                for r in self._db.execute(f"SELECT row, {_CHUNK_COLUMNS} FROM chunks WHERE row IN ({marks})", rows)
            }

    def document_chunks(self, doc_id: str) -> list[ChunkRecord]:
        with self._reading():
            return [
                ChunkRecord(r[0], _chunk_from_row(r[1:]))
                for r in self._db.execute(
                    f"SELECT row, {_CHUNK_COLUMNS} FROM chunks WHERE doc_id = ? ORDER BY position", (doc_id,)
                )
            ]

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        """Turn a failing read of the chunk table into SnapshotDamaged (the service falls back).

        Why here: the file can be damaged after it was verified on open (a disk error,
        someone overwriting it), and a request must then get a fallback or a 503, never a 500.
        """
        try:
            yield
        except (sqlite3.Error, ValueError, TypeError, IndexError) as exc:  # malformed rows decode badly too
            self.damaged = f"{type(exc).__name__}: {exc}"
            log.error("snapshot %s damaged while reading: %s", self.name, self.damaged)
            raise SnapshotDamaged(
                f"Der Index-Stand {self.name} ist beschädigt ({type(exc).__name__}). "
                "Bitte mit 'revierlotse index --rebuild' neu aufbauen.",
                self.name,
            ) from exc

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
    if not isinstance(manifest, dict):
        raise IndexCorrupt(f"Das Manifest von {path.name} ist beschädigt. Bitte neu indexieren.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexIncompatible(
            f"Der Index {path.name} hat ein anderes Format (Version {manifest.get('format_version')}). "
            "Bitte mit 'revierlotse index --rebuild' neu aufbauen."
        )
    return manifest


def _verify_files(path: Path, manifest: dict) -> None:
    """Every file the manifest lists exists with its recorded size and (when recorded) checksum.

    Generations written before checksums existed carry sizes only; they are still
    served, and the next index run writes a generation with checksums.
    """
    try:
        bad = first_mismatch(path, manifest.get("files", {}), manifest.get("checksums"))
    except (OSError, TypeError, AttributeError) as exc:
        raise IndexCorrupt(f"Der Index-Stand {path.name} ist nicht lesbar ({exc}). Bitte neu indexieren.") from exc
    if bad is not None:
        raise IndexCorrupt(
            f"Der Index-Stand {path.name} ist beschädigt: '{bad}' fehlt, hat die falsche Größe oder "
            "eine falsche Prüfsumme. Bitte neu indexieren."
        )


def open_snapshot(index_dir: Path, skip: frozenset[str] | set[str] = frozenset()) -> Snapshot:
    """Open the live generation; if it is damaged, the newest older one that verifies.

    ``skip`` names generations found damaged while serving (they may still verify
    on open when the damage is in a page the checksum run read before it happened).
    """
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
        if path.name in skip:
            first_error = first_error or IndexCorrupt(f"Der Index-Stand {path.name} ist beschädigt.")
            continue
        try:
            snapshot = Snapshot(path)
        except (IndexCorrupt, FileNotFoundError) as exc:
            log.error("snapshot %s unusable: %s", path.name, exc)
            first_error = first_error or exc
            continue
        if path.name != live:
            log.warning("live generation %s is damaged; serving fallback %s", live, path.name)
        return snapshot
    raise IndexCorrupt(
        f"Kein unbeschädigter Index-Stand unter '{index_dir}' (geprüft: "
        f"{', '.join(p.name for p in candidates) or 'keiner'}; zuerst: {getattr(first_error, 'message', first_error)}). "
        "Bitte mit 'revierlotse index --rebuild' neu aufbauen."
    )
