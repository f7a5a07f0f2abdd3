"""What search, answering and indexing need from storage, whichever backend holds it.

Two backends implement these protocols: the embedded snapshot (files under ``index/``,
the default; ``storage/snapshot.py``) and PostgreSQL with pgvector
(``REVIERLOTSE_STORE_URL=postgresql://…``; ``storage/postgres/``).

* A :class:`Store` is one opened, complete, immutable generation: documents, chunk rows,
  their vectors and the lexical index.  Row numbers are that generation's own.
* A :class:`Backend` is where generations live: it names the live one, opens it, holds
  the one writer lock, keeps the cache of passage vectors and publishes a new
  generation atomically.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from assistant.domain.documents import Chunk
from assistant.errors import IndexIncompatible
from assistant.storage.query_probes import ProbeSet
from assistant.storage.records import ChunkRecord, DocumentRecord

StageHook = Callable[[str], None]


def no_stage(name: str) -> None:
    """Normal runs do nothing at the named stages."""


class LexicalSide(Protocol):
    """BM25 over the German analyzer's terms (``storage/lexical.py`` holds the shared half)."""

    def resolve(self, query: str) -> list[str]: ...
    def query_terms(self, query: str) -> list[str]: ...
    def term_weights(self, query: str) -> dict[str, float]: ...
    def known_terms(self, terms: dict[str, float] | list[str]) -> set[str]: ...
    def analyze(self, text: str) -> list[str]: ...
    def word_terms(self, word: str) -> frozenset[str]: ...
    def scores(self, query: str) -> np.ndarray: ...

    def document_scores(
        self, query: str, row_doc: np.ndarray, n_docs: int, allowed: np.ndarray | None = None
    ) -> np.ndarray: ...


class Store(Protocol):
    """One complete generation, opened for reading (thread-safe)."""

    name: str  # the generation, e.g. "gen-000007"
    manifest: dict  # created_at, counts, embedder, dim, vector_index, …
    embedder_name: str
    documents: dict[str, DocumentRecord]  # in document-index order
    doc_ids: list[str]  # document index → doc_id
    row_doc: np.ndarray  # chunk row → document index (rows of a document are contiguous)
    facets: dict[str, dict[str, np.ndarray]]  # facet → value → boolean document mask
    stand_ordinals: np.ndarray  # per document: date.toordinal() of "stand", 0 = none
    lexical: LexicalSide
    damaged: str | None  # set when a read failed after opening (SnapshotDamaged): serve another generation

    @property
    def chunk_count(self) -> int: ...

    def chunks(self, rows: list[int]) -> list[ChunkRecord]:
        """Chunk records of ``rows`` in the order asked for (unknown rows are left out)."""
        ...

    def document_chunks(self, doc_id: str) -> list[ChunkRecord]: ...

    def search_vectors(
        self, query: np.ndarray, k: int, allowed_rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k rows by inner product with ``query``; ``allowed_rows`` (sorted row ids) restricts them."""
        ...

    def search_vectors_many(
        self, queries: np.ndarray, k: int, allowed_rows: np.ndarray | None = None
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """``search_vectors`` for every row of ``queries`` (a description searches once per sentence)."""
        ...

    def vectors_of(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors of ``rows`` (float32, one per row)."""
        ...

    def check_embedder(self, embedder_name: str) -> None: ...
    def close(self) -> None: ...


def embedder_mismatch(built_with: str, configured: str) -> IndexIncompatible:
    """The error for a generation built with another embedding model than the configured one."""
    return IndexIncompatible(
        f"Der Index wurde mit dem Embedding-Modell '{built_with}' gebaut, eingestellt ist "
        f"aber '{configured}'. Bitte mit 'revierlotse index --rebuild' neu indexieren "
        "oder REVIERLOTSE_EMBEDDER zurückstellen."
    )


class VectorCache(Protocol):
    """Passage and answer-statement vectors by (embedder, sha256 of the text)."""

    errors: tuple[type[BaseException], ...]  # what a failing cache raises (callers may carry on without it)

    def get_many(self, embedder: str, keys: list[str]) -> dict[str, np.ndarray]: ...
    def put_many(self, embedder: str, items: dict[str, np.ndarray]) -> None: ...
    def close(self) -> None: ...


@dataclass
class GenerationContent:
    """Everything a new generation holds, as the indexer assembled it.

    ``chunks`` are in row order, grouped by document in the order of ``documents``;
    ``vectors[i]`` belongs to ``chunks[i]``.
    """

    documents: list[DocumentRecord]
    chunks: list[Chunk]
    vectors: np.ndarray
    embedder_name: str
    dim: int
    manifest_extra: dict = field(default_factory=dict)
    # Real question vectors an approximate vector index must also serve (logged user questions).
    extra_probes: list[ProbeSet] = field(default_factory=list)


class Backend(Protocol):
    """Where generations live; one per process and location, shared by threads."""

    kind: str  # "snapshot" or "postgres"
    label: str  # where, for messages and logs (never a password)

    def live_generation(self) -> str | None:
        """The name of the live generation (cheap: called on every request)."""
        ...

    def has_generations(self) -> bool:
        """Whether any generation exists (a first index run starts from nothing)."""
        ...

    def open(self, skip: frozenset[str] | set[str] = frozenset()) -> Store:
        """Open the live generation (IndexMissing when there is none).

        ``skip`` names generations found damaged while serving; a backend that keeps
        fallbacks (the snapshots) serves the newest intact one instead.
        """
        ...

    def writer_lock(self, wait_s: float = 0.0) -> AbstractContextManager[None]:
        """The one writer's lock; a second writer waits up to ``wait_s`` and then gets IndexLocked."""
        ...

    def vector_cache(self) -> VectorCache:
        """A handle on the persistent vector cache (close it when done)."""
        ...

    def publish(self, content: GenerationContent, on_stage: StageHook = no_stage) -> str:
        """Write a new generation and make it live atomically; returns its name.

        Calls ``on_stage("writing")`` while writing and ``on_stage("publish")`` right before
        the switch (crash tests stop the process there).  Must hold ``writer_lock``.
        """
        ...

    def close(self) -> None: ...
