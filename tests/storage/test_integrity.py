"""Manifest checksums and finite vectors (issue #19, 1): what is checked on open and at build."""

from __future__ import annotations

import json

import faiss
import numpy as np
import pytest
from fastapi.testclient import TestClient

from assistant.doors.http.app import create_app
from assistant.errors import EmbedderError, IndexCorrupt
from assistant.service import Assistant
from assistant.storage.embedding_cache import EmbeddingCache, text_key
from assistant.storage.generations import current_generation
from assistant.storage.integrity import all_finite, file_checksum
from assistant.storage.snapshot import Snapshot, open_snapshot
from tests.conftest import SMALL_CORPUS, write_tree


def _rewrite_manifest_checksums(gen) -> None:
    """What a generation written by a build without the NaN check would look like: consistent sums."""
    path = gen / "manifest.json"
    manifest = json.loads(path.read_text("utf-8"))
    for name in manifest["files"]:
        manifest["files"][name] = (gen / name).stat().st_size
        manifest["checksums"][name] = file_checksum(gen / name)
    path.write_text(json.dumps(manifest), "utf-8")


def test_manifest_records_a_checksum_of_every_file(small_assistant: Assistant) -> None:
    gen = small_assistant.settings.index_dir / current_generation(small_assistant.settings.index_dir)
    manifest = json.loads((gen / "manifest.json").read_text("utf-8"))
    assert manifest["checksum_algorithm"] == "crc32"
    assert set(manifest["checksums"]) == set(manifest["files"]) >= {"chunks.sqlite", "vectors.faiss", "rows.npy"}
    assert any(name.startswith("bm25/") for name in manifest["checksums"])
    for name, value in manifest["checksums"].items():
        assert value == file_checksum(gen / name)


def test_one_flipped_byte_is_found_although_the_size_is_right(small_assistant: Assistant) -> None:
    index_dir = small_assistant.settings.index_dir
    gen = index_dir / current_generation(index_dir)
    data = bytearray((gen / "vectors.faiss").read_bytes())
    data[len(data) // 2] ^= 0x01
    (gen / "vectors.faiss").write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt, match="vectors.faiss.*Prüfsumme"):
        Snapshot(gen)


def test_generation_without_checksums_still_opens(small_assistant: Assistant) -> None:
    """Generations written before checksums existed carry sizes only; they keep being served."""
    index_dir = small_assistant.settings.index_dir
    gen = index_dir / current_generation(index_dir)
    manifest = json.loads((gen / "manifest.json").read_text("utf-8"))
    del manifest["checksums"], manifest["checksum_algorithm"]
    (gen / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    assert open_snapshot(index_dir).name == gen.name


def _poison_vector(gen, row: int = 1) -> None:
    index = faiss.read_index(str(gen / "vectors.faiss"))
    stored = faiss.rev_swig_ptr(index.get_xb(), index.ntotal * index.d)
    stored[row * index.d] = np.nan
    faiss.write_index(index, str(gen / "vectors.faiss"))
    _rewrite_manifest_checksums(gen)


def test_nan_vectors_are_refused_at_load_and_the_previous_generation_serves(small_assistant: Assistant, embedder) -> None:
    settings = small_assistant.settings
    first = current_generation(settings.index_dir)
    (settings.corpus_dir / "neu.md").write_text("# Neu\n\nEin neues Dokument über Breitband.", "utf-8")
    small_assistant.index([settings.corpus_dir])
    second = current_generation(settings.index_dir)
    _poison_vector(settings.index_dir / second)

    with pytest.raises(IndexCorrupt, match="ungültige Vektoren"):
        Snapshot(settings.index_dir / second)
    fresh = Assistant(settings, embedder)
    assert fresh.snapshot.name == first
    result = fresh.search("Förderquote STARK")
    assert all(np.isfinite(h.score) for h in result.hits)


def test_all_finite_checks_ivf_indexes_too() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(2000, 16)).astype(np.float32)
    faiss.normalize_L2(vectors)
    quantizer = faiss.IndexFlatIP(16)
    index = faiss.IndexIVFFlat(quantizer, 16, 8, faiss.METRIC_INNER_PRODUCT)
    index.train(vectors)
    index.add(vectors)
    index.make_direct_map()
    assert all_finite(index)
    vectors[1500, 3] = np.inf
    broken = faiss.IndexIVFFlat(faiss.IndexFlatIP(16), 16, 8, faiss.METRIC_INNER_PRODUCT)
    broken.train(vectors[:1000])
    broken.add(vectors)
    broken.make_direct_map()
    assert not all_finite(broken)


class NaNEmbedder:
    """The real embedder, except that texts containing ``marker`` come back as NaN (a broken model)."""

    def __init__(self, inner, marker: str) -> None:
        self.inner, self.marker = inner, marker
        self.name, self.dim, self.max_tokens = inner.name, inner.dim, inner.max_tokens

    def _poison(self, texts, vectors):
        vectors = np.array(vectors, dtype=np.float32)
        for i, text in enumerate(texts):
            if self.marker in text:
                vectors[i] = np.nan
        return vectors

    def embed_queries(self, texts):
        return self._poison(texts, self.inner.embed_queries(texts))

    def embed_passages(self, texts):
        return self._poison(texts, self.inner.embed_passages(texts))

    def count_tokens(self, text):
        return self.inner.count_tokens(text)


def test_nan_vectors_are_refused_at_build_and_never_cached(make_settings, embedder) -> None:
    settings = make_settings()
    write_tree(settings.corpus_dir, SMALL_CORPUS)
    assistant = Assistant(settings, embedder)
    assistant.index([settings.corpus_dir])
    live = current_generation(settings.index_dir)
    text = "# Kaputt\n\nQuarkvektor: dieses Modell liefert für diesen Abschnitt nur NaN."
    (settings.corpus_dir / "kaputt.md").write_text(text, "utf-8")

    broken = Assistant(settings, NaNEmbedder(embedder, "Quarkvektor"))
    with pytest.raises(EmbedderError, match="NaN oder unendlich"):
        broken.index([settings.corpus_dir])
    assert current_generation(settings.index_dir) == live
    cache = EmbeddingCache(settings.embedding_cache_path)
    try:
        chunk_text = next(c.chunk.embed_text for c in broken.snapshot.document_chunks("stark"))
        assert cache.get_many(embedder.name, [text_key(chunk_text)])  # the good ones are cached …
        stored = cache._db.execute("SELECT vector FROM vectors").fetchall()
        assert all(np.isfinite(np.frombuffer(v, dtype=np.float32)).all() for (v,) in stored)  # … NaN never
    finally:
        cache.close()


def test_nan_query_vector_is_a_503_not_a_500(small_assistant: Assistant, embedder) -> None:
    """The red team saw 500 'Out of range float values are not JSON compliant' from NaN scores."""
    settings = small_assistant.settings.model_copy(update={"rate_limit_per_minute": 0, "query_cache_size": 0})
    app = create_app(settings, Assistant(settings, NaNEmbedder(embedder, "Giftfrage")))
    with TestClient(app) as client:
        bad = client.get("/api/search", params={"q": "Giftfrage STARK"})
        assert bad.status_code == 503 and bad.json()["code"] == "embedder_error"
        assert "NaN" in bad.json()["message"]
        assert client.post("/api/ask", json={"question": "Giftfrage zu STARK"}).status_code == 503
        assert client.get("/api/search", params={"q": "Förderquote STARK"}).status_code == 200
