"""Scale: synthetic snapshots of 10k / 100k / 1M chunks through the product's own store.

Embeddings are generated (clustered, L2-normalised, 384-d like e5-small), not
embedded text, so the figures isolate the index.  For each size it prints build
time, disk size, RSS after loading, snapshot load time, vector search latency
(median and p99 over queries, single-threaded like one request) and recall@10
of the automatically chosen index against exact search; plus BM25 latency.

    .venv/bin/python bench/scale.py [--sizes 10000,100000,1000000] [--queries 200]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import faiss
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.config import Settings  # noqa: E402
from assistant.domain.documents import Chunk, DocumentMetadata  # noqa: E402
from assistant.storage.bm25 import LexicalIndex  # noqa: E402
from assistant.storage.faiss_index import (  # noqa: E402
    build_vector_index,
    save_vector_index,
    search_vectors,
)
from assistant.storage.generations import publish_generation  # noqa: E402
from assistant.storage.records import DocumentRecord
from assistant.storage.snapshot import Snapshot  # noqa: E402
from assistant.storage.snapshot_writer import write_snapshot_files  # noqa: E402

DIM = 384
CHUNKS_PER_DOC = 10
WORDS = ("Förderung Wasserstoff Lausitz Revier Kommune Breitband Kita Strukturwandel Innovation Zuschuss "
         "Antrag Frist Unternehmen Gründung Forschung Energie Speicher Tourismus Schiene Bildung").split()


def synthetic_vectors(n: int, rng: np.random.Generator) -> np.ndarray:
    centers = rng.normal(size=(max(16, n // 500), DIM)).astype(np.float32)
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):
        stop = min(n, start + 100_000)
        out[start:stop] = centers[rng.integers(0, len(centers), stop - start)] + 0.35 * rng.normal(
            size=(stop - start, DIM)
        ).astype(np.float32)
    faiss.normalize_L2(out)
    return out


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(n: int, queries: int, workdir: Path) -> None:
    rng = np.random.default_rng(n)
    vectors = synthetic_vectors(n, rng)
    texts = [" ".join(rng.choice(WORDS, 12)) + f" Abschnitt {i}" for i in range(n)]
    docs = [
        DocumentRecord(f"doc-{d}", f"synthetic/{d}.md", f"Dokument {d}", DocumentMetadata(type="dokument"),
                       "0" * 64, "markdown", [], CHUNKS_PER_DOC)
        for d in range(n // CHUNKS_PER_DOC)
    ]
    chunks = [Chunk(f"doc-{i // CHUNKS_PER_DOC}#{i % CHUNKS_PER_DOC}", f"doc-{i // CHUNKS_PER_DOC}",
                    i % CHUNKS_PER_DOC, texts[i], texts[i]) for i in range(n)]

    t0 = time.perf_counter()
    index, info = build_vector_index(vectors, Settings(_env_file=None).ivf_threshold)
    t_vectors = time.perf_counter() - t0
    t0 = time.perf_counter()
    lexical = LexicalIndex.build(texts)
    t_lexical = time.perf_counter() - t0
    index_dir = workdir / f"index-{n}"
    building = index_dir / ".building-000001"
    index_dir.mkdir(parents=True)
    t0 = time.perf_counter()
    write_snapshot_files(building, documents=docs, chunks=chunks,
                         vector_index_path_writer=partial(save_vector_index, index), lexical=lexical,
                         manifest_extra={"generation": "gen-000001", "embedder": "synthetic", "dim": DIM,
                                         "vector_index": info.__dict__})
    publish_generation(index_dir, building, "gen-000001")
    t_write = time.perf_counter() - t0
    disk = sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file()) / 1e6
    del index, lexical

    t0 = time.perf_counter()
    snapshot = Snapshot(index_dir / "gen-000001")
    t_load = time.perf_counter() - t0

    picked = vectors[rng.choice(n, queries, replace=False)]
    qs = picked + rng.normal(0, 0.05, picked.shape).astype(np.float32)
    faiss.normalize_L2(qs)
    exact = faiss.IndexFlatIP(DIM)
    exact.add(vectors)
    _, truth = exact.search(qs, 10)
    faiss.omp_set_num_threads(1)
    latencies, recalls = [], []
    for q, t in zip(qs, truth):
        t0 = time.perf_counter()
        rows, _ = search_vectors(snapshot.vectors, q, 10)
        latencies.append((time.perf_counter() - t0) * 1000)
        recalls.append(len(set(rows.tolist()) & set(t.tolist())) / 10)
    lex_lat = []
    for i in range(min(queries, 100)):
        t0 = time.perf_counter()
        snapshot.lexical.search(" ".join(rng.choice(WORDS, 3)), 100)
        lex_lat.append((time.perf_counter() - t0) * 1000)
    faiss.omp_set_num_threads(0)
    lat = sorted(latencies)
    print(
        f"{n:>9,} chunks | index {info.kind:4s} nlist={info.nlist:<5d} nprobe={info.nprobe:<4d} | "
        f"build vectors {t_vectors:6.1f} s, bm25 {t_lexical:6.1f} s, write {t_write:6.1f} s | disk {disk:8.1f} MB | "
        f"load {t_load:5.2f} s | RSS {rss_mb():7.0f} MB | vector search p50 {statistics.median(lat):6.2f} ms "
        f"p99 {lat[int(0.99 * (len(lat) - 1))]:6.2f} ms | recall@10 {np.mean(recalls):.3f} | "
        f"bm25 p50 {statistics.median(lex_lat):6.2f} ms",
        flush=True,
    )
    snapshot.close()
    shutil.rmtree(index_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            run(n, args.queries, Path(tmp))


if __name__ == "__main__":
    main()
