"""Scale with realistic vectors: 10k / 100k / 1M chunks, real questions, flat vs IVF vs HNSW.

Passages: the real chunk vectors of the shipped corpus, ../shared/realdocs and the
devset (bench/real_vectors.py, cached in bench/results/), grown to each size by
bench/vector_growth.py (real vectors plus noise from their own covariance, per
document); the real ones are part of every set.  Queries: the real eval questions
(tests/eval/*.jsonl and the devset's), embedded with the query prefix, never used
for tuning.  Per size it prints, single-threaded per query like one request:

* exact search (``IndexFlatIP``): latency; it is also the ground truth;
* the product's automatic choice through its own store (write, load, search):
  index kind, nlist, nprobe and the recall it measured on its tuning probes;
  recall@10 of the real questions, latency p50/p99, build, disk, load, BM25;
* IVF at every nprobe of the product's ladder: recall of the real questions vs the
  product's pushed probes vs the old near-copy probes (σ = 0.02), and latency;
* HNSW (``IndexHNSWFlat``, M 32): efSearch chosen by the same pushed probes, recall
  of the real questions, latency, build time.

Before the sizes: nearest-neighbour and random-pair cosines of real vs generated
vectors at equal size (text table, and a PNG in bench/results when matplotlib is
installed: ``pip install matplotlib``).

    .venv/bin/python bench/scale.py [--sizes 10000,100000,1000000] [--embedding-cache PATH] [--no-hnsw]
"""

from __future__ import annotations

import argparse
import gc
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
    TARGET_RECALL,
    build_vector_index,
    nprobe_ladder,
    save_vector_index,
    search_vectors,
)
from assistant.storage.generations import publish_generation  # noqa: E402
from assistant.storage.query_probes import exact_top_k, pushed_passages, recall_at_k  # noqa: E402
from assistant.storage.records import DocumentRecord  # noqa: E402
from assistant.storage.snapshot import Snapshot  # noqa: E402
from assistant.storage.snapshot_writer import write_snapshot_files  # noqa: E402
from bench import real_vectors  # noqa: E402
from bench.vector_growth import VectorGrowth  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
WORDS = ("Förderung Wasserstoff Lausitz Revier Kommune Breitband Kita Strukturwandel Innovation Zuschuss "
         "Antrag Frist Unternehmen Gründung Forschung Energie Speicher Tourismus Schiene Bildung").split()
EF_LADDER = (16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def quantiles(values: np.ndarray, ps: tuple[int, ...] = (5, 25, 50, 75, 95)) -> str:
    return " ".join(f"{np.percentile(values, p):.3f}" for p in ps)


def nn_cosines(vectors: np.ndarray, sample: int | None = None, seed: int = 0) -> np.ndarray:
    """Cosine of each (sampled) vector to its nearest other vector."""
    rows = np.arange(len(vectors)) if sample is None or sample >= len(vectors) else \
        np.random.default_rng(seed).choice(len(vectors), sample, replace=False)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    scores, _ = index.search(vectors[rows], 2)
    return scores[:, 1]


def pair_cosines(vectors: np.ndarray, pairs: int = 20_000, seed: int = 0) -> np.ndarray:
    i, j = np.random.default_rng(seed).integers(0, len(vectors), (2, pairs))
    return np.sum(vectors[i] * vectors[j], axis=1)


def show_distributions(real: np.ndarray, growth: VectorGrowth) -> None:
    generated, _ = growth.sample(len(real), seed=7)
    to_real = faiss.IndexFlatIP(real.shape[1])
    to_real.add(real)
    novelty = to_real.search(generated, 1)[0][:, 0]
    rows = {
        "nearest-neighbour cosine, real": nn_cosines(real),
        "nearest-neighbour cosine, generated": nn_cosines(generated),
        "random-pair cosine, real": pair_cosines(real),
        "random-pair cosine, generated": pair_cosines(generated),
        "generated to nearest real": novelty,
    }
    print(f"Real vs generated at equal size ({len(real):,} vectors); quantiles 5/25/50/75/95 %")
    for name, values in rows.items():
        print(f"  {name:38s} {quantiles(values)}")
    print(f"  norm of the mean vector (anisotropy): real {np.linalg.norm(real.mean(0)):.3f}, "
          f"generated {np.linalg.norm(generated.mean(0)):.3f}")
    bins = np.linspace(0.85, 1.0, 31)
    real_h, _ = np.histogram(rows["nearest-neighbour cosine, real"], bins)
    gen_h, _ = np.histogram(rows["nearest-neighbour cosine, generated"], bins)
    print("  NN-cosine histogram (share of vectors per bin)\n    bin          real   generated")
    for lo, r, g in zip(bins[:-1], real_h / len(real), gen_h / len(generated)):
        if r or g:
            print(f"    {lo:.3f}-{lo + 0.005:.3f}  {r:6.3f}  {g:6.3f}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("  (matplotlib not installed: no PNG)")
        return
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, kind, bins_ in ((axes[0], "nearest-neighbour", bins), (axes[1], "random-pair", np.linspace(0.6, 1, 41))):
        for who in ("real", "generated"):
            ax.hist(rows[f"{kind} cosine, {who}"], bins_, alpha=0.55, density=True, label=who)
        ax.set_title(f"{kind} cosine, {len(real):,} vectors each")
        ax.set_xlabel("cosine")
        ax.legend()
    fig.tight_layout()
    RESULTS.mkdir(parents=True, exist_ok=True)
    fig.savefig(RESULTS / "cosine-distributions.png", dpi=110)
    print(f"  PNG: {RESULTS / 'cosine-distributions.png'}")


def timed_search(index: faiss.Index, queries: np.ndarray, k: int = 10) -> tuple[np.ndarray, list[float]]:
    rows, latencies = [], []
    for q in queries:
        t0 = time.perf_counter()
        _, found = index.search(q.reshape(1, -1), k)
        latencies.append((time.perf_counter() - t0) * 1000)
        rows.append(found[0])
    return np.array(rows), latencies


def lat(values: list[float]) -> str:
    ordered = sorted(values)
    return f"p50 {statistics.median(ordered):6.3f} ms p99 {ordered[int(0.99 * (len(ordered) - 1))]:6.3f} ms"


def near_copies(vectors: np.ndarray, count: int = 200) -> np.ndarray:
    """The probes the product used before: indexed vectors plus N(0, 0.02²) noise."""
    rng = np.random.default_rng(1)
    picked = vectors[rng.choice(len(vectors), count, replace=False)]
    noisy = (picked + rng.normal(0, 0.02, picked.shape)).astype(np.float32)
    faiss.normalize_L2(noisy)
    return noisy


def grow(real: real_vectors.RealVectors, growth: VectorGrowth, n: int) -> np.ndarray:
    base = real.passages if n >= len(real.passages) else real.passages[:n]
    extra, _ = growth.sample(n - len(base), seed=n) if n > len(base) else (np.zeros((0, base.shape[1]), np.float32), None)
    vectors = np.concatenate([base, extra])
    return vectors[np.random.default_rng(n).permutation(n)]


def product_path(vectors: np.ndarray, queries: np.ndarray, truth: np.ndarray, workdir: Path) -> Snapshot:
    """Build, write and load a snapshot the way the indexer does; print what it chose and how it does."""
    n = len(vectors)
    rng = np.random.default_rng(n)
    texts = [" ".join(rng.choice(WORDS, 12)) + f" Abschnitt {i}" for i in range(n)]
    per_doc = 10
    docs = [DocumentRecord(f"doc-{d}", f"synthetic/{d}.md", f"Dokument {d}", DocumentMetadata(type="dokument"),
                           "0" * 64, "markdown", [], per_doc) for d in range(-(-n // per_doc))]
    chunks = [Chunk(f"doc-{i // per_doc}#{i % per_doc}", f"doc-{i // per_doc}", i % per_doc, texts[i], texts[i])
              for i in range(n)]
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
                         manifest_extra={"generation": "gen-000001", "embedder": "grown-real", "dim": vectors.shape[1],
                                         "vector_index": info.__dict__})
    publish_generation(index_dir, building, "gen-000001")
    t_write = time.perf_counter() - t0
    disk = sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file()) / 1e6
    del index, lexical, texts, chunks, docs
    gc.collect()
    t0 = time.perf_counter()
    snapshot = Snapshot(index_dir / "gen-000001")
    t_load = time.perf_counter() - t0
    latencies, found = [], []
    for q in queries:
        t0 = time.perf_counter()
        rows, _ = search_vectors(snapshot.vectors, q, 10)
        latencies.append((time.perf_counter() - t0) * 1000)
        found.append(rows)
    lex_lat = []
    for _ in range(100):
        t0 = time.perf_counter()
        snapshot.lexical.search(" ".join(rng.choice(WORDS, 3)), 100)
        lex_lat.append((time.perf_counter() - t0) * 1000)
    tuning = ", ".join(f"{t['probes']} {t['recall_at_10']:.3f}" for t in info.tuning) or "-"
    print(f"  product: {info.kind} nlist={info.nlist} nprobe={info.nprobe} (tuning recall@10: {tuning}) | "
          f"real questions recall@10 {recall_at_k(np.array(found), truth):.3f} | {lat(latencies)} | "
          f"build vectors {t_vectors:.1f} s, bm25 {t_lexical:.1f} s, write {t_write:.1f} s | disk {disk:.0f} MB | "
          f"load {t_load:.2f} s | bm25 p50 {statistics.median(lex_lat):.2f} ms", flush=True)
    return snapshot


def ivf_curve(index: faiss.IndexIVF, vectors: np.ndarray, queries: np.ndarray, truth: np.ndarray) -> None:
    pushed_set = pushed_passages(vectors, 400)
    pushed = pushed_set.vectors
    copies = near_copies(vectors)
    pushed_truth, copies_truth = exact_top_k(vectors, pushed, 10), exact_top_k(vectors, copies, 10)
    chosen = index.nprobe
    print(f"  IVF nlist={index.nlist}: recall@10 per nprobe — real questions / pushed probes / near-copies; latency")
    first = {"real": None, "pushed": None, "copies": None}
    for nprobe in nprobe_ladder(index.nlist):
        index.nprobe = nprobe
        found, latencies = timed_search(index, queries)
        r = (recall_at_k(found, truth), recall_at_k(index.search(pushed, 10)[1], pushed_truth),
             recall_at_k(index.search(copies, 10)[1], copies_truth))
        for key, value, margin in zip(first, r, (0, pushed_set.margin, 0)):
            if first[key] is None and value >= TARGET_RECALL + margin:
                first[key] = nprobe
        mark = " <- product" if nprobe == chosen else ""
        print(f"    nprobe {nprobe:5d}: {r[0]:.3f} / {r[1]:.3f} / {r[2]:.3f} | {lat(latencies)}{mark}", flush=True)
        if min(r) >= 0.999 or nprobe >= 4 * max(chosen, first["real"] or 0, 64):
            break
    print(f"  smallest nprobe reaching {TARGET_RECALL}: real questions {first['real']}, pushed probes "
          f"{first['pushed']} (at {TARGET_RECALL + pushed_set.margin:.2f}), near-copies {first['copies']}")
    index.nprobe = chosen


def hnsw(vectors: np.ndarray, queries: np.ndarray, truth: np.ndarray) -> None:
    t0 = time.perf_counter()
    faiss.omp_set_num_threads(0)
    index = faiss.IndexHNSWFlat(vectors.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
    index.add(vectors)
    t_build = time.perf_counter() - t0
    faiss.omp_set_num_threads(1)
    probe_set = pushed_passages(vectors, 400)
    probes = probe_set.vectors
    probes_truth = exact_top_k(vectors, probes, 10)
    chosen = None
    print(f"  HNSW M=32 efConstruction=40: build {t_build:.0f} s; recall@10 per efSearch — real questions / pushed probes")
    for ef in EF_LADDER:
        index.hnsw.efSearch = ef
        found, latencies = timed_search(index, queries)
        probe_recall = recall_at_k(index.search(probes, 10)[1], probes_truth)
        if chosen is None and probe_recall >= TARGET_RECALL + probe_set.margin:
            chosen = ef
        mark = " <- chosen by pushed probes" if chosen == ef else ""
        print(f"    efSearch {ef:4d}: {recall_at_k(found, truth):.3f} / {probe_recall:.3f} | {lat(latencies)}{mark}",
              flush=True)
        if chosen is not None and ef >= 2 * chosen:
            break
    del index
    gc.collect()


def run(n: int, real: real_vectors.RealVectors, growth: VectorGrowth, workdir: Path, with_hnsw: bool) -> None:
    vectors = grow(real, growth, n)
    queries = real.queries
    faiss.omp_set_num_threads(1)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    truth, latencies = timed_search(exact, queries)
    del exact
    gc.collect()
    print(f"{n:>9,} chunks ({min(n, len(real.passages)):,} real), {len(queries)} real questions; "
          f"NN cosine of 2,000 sampled vectors {quantiles(nn_cosines(vectors, 2000), (5, 50, 95))}", flush=True)
    print(f"  exact (flat): recall@10 1.000 | {lat(latencies)}", flush=True)
    faiss.omp_set_num_threads(0)
    snapshot = product_path(vectors, queries, truth, workdir)
    faiss.omp_set_num_threads(1)
    if isinstance(snapshot.vectors, faiss.IndexIVF):
        ivf_curve(snapshot.vectors, vectors, queries, truth)
    else:  # below the product's threshold: show what the IVF path would choose at this size too
        index, info = build_vector_index(vectors, 0)
        print(f"  (IVF forced at this size: nlist={info.nlist}, nprobe={info.nprobe})")
        ivf_curve(index, vectors, queries, truth)
        del index
    snapshot.close()
    del snapshot
    shutil.rmtree(workdir / f"index-{n}", ignore_errors=True)
    gc.collect()
    if with_hnsw:
        hnsw(vectors, queries, truth)
    faiss.omp_set_num_threads(0)
    print(f"  peak RSS of this process so far: {rss_mb():,.0f} MB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--embedding-cache", type=Path, default=None)
    parser.add_argument("--no-hnsw", action="store_true")
    args = parser.parse_args()
    real = real_vectors.load(args.embedding_cache)
    print(f"{len(real.passages):,} real chunk vectors ({real.embedder}), {len(real.queries)} real questions")
    growth = VectorGrowth.fit(real.passages, real.doc)
    show_distributions(real.passages, growth)
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            run(n, real, growth, Path(tmp), not args.no_hnsw)


if __name__ == "__main__":
    main()
