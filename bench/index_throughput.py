"""Indexing throughput: the whole `index` pipeline versus the raw embedder on the same texts.

Prints chunks/s and tokens/s for both, the pipeline overhead in percent (target
≤ 5 %), measured two ways: the difference of the two runs (sensitive to load
changes between them) and directly, as a full rebuild whose vectors all come
from the cache (parsing, chunking, BM25, FAISS, writing: everything but the
model). Then the time the default adds after the switch: embedding every quotable
answer statement (REVIERLOTSE_INDEX_STATEMENTS), and the time of a second `index`
run on the unchanged corpus (≤ 2 s; it looks every statement up in the cache).
Each measurement runs in a fresh index directory with an empty embedding cache;
pass --repeat to get medians over several runs (the machine is shared and noisy).

    .venv/bin/python bench/index_throughput.py [--corpus corpus] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.config import Settings  # noqa: E402
from assistant.embedding.embedders import load_embedder  # noqa: E402
from assistant.ingest.chunker import chunk_document
from assistant.ingest.files import iter_source_files
from assistant.ingest.load import load_document  # noqa: E402
from assistant.service import Assistant  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    embedder = load_embedder()
    settings = Settings(_env_file=None)
    texts: list[str] = []
    for path in iter_source_files([args.corpus]):
        try:
            doc = load_document(path, max_bytes=settings.max_file_bytes)
        except Exception:  # noqa: BLE001 - failures are the pipeline's business, not this bench's
            continue
        texts += [c.embed_text for c in chunk_document(doc, max_tokens=settings.chunk_tokens,
                                                       overlap_tokens=settings.chunk_overlap_tokens,
                                                       count_tokens=embedder.count_tokens)]
    tokens = sum(embedder.count_tokens(t) for t in texts)
    print(f"corpus {args.corpus}: {len(texts)} chunks, {tokens} tokens, embedder {embedder.name}")

    raw, full, statements, second, warm = [], [], [], [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        for start in range(0, len(texts), settings.embed_batch_size):
            embedder.embed_passages(texts[start : start + settings.embed_batch_size])
        raw.append(time.perf_counter() - t0)
        with tempfile.TemporaryDirectory() as tmp:
            base = {"_env_file": None, "corpus_dir": args.corpus, "index_dir": Path(tmp) / "index"}
            # The chunk pipeline alone first, so it compares with the raw embedder on the same texts.
            chunks_only = Assistant(Settings(**base, index_statements=False), embedder)
            t0 = time.perf_counter()
            report = chunks_only.index([args.corpus])
            full.append(time.perf_counter() - t0)
            # Then what the default adds: embedding every quotable answer statement (a no-op run otherwise).
            assistant = Assistant(Settings(**base), embedder)
            t0 = time.perf_counter()
            assistant.index([args.corpus])
            statements.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            again = assistant.index([args.corpus])
            second.append(time.perf_counter() - t0)
            assert not again.changed, "second run re-indexed an unchanged corpus"
            # Everything but the model: rebuild from scratch with every vector in the cache.
            t0 = time.perf_counter()
            chunks_only.index([args.corpus], rebuild=True)
            warm.append(time.perf_counter() - t0)
            assert report.chunks == len(texts), (report.chunks, len(texts))

    r, f, s, w = statistics.median(raw), statistics.median(full), statistics.median(second), statistics.median(warm)
    print(f"raw embedder : {r:8.2f} s  {len(texts) / r:7.2f} chunks/s  {tokens / r:8.1f} tokens/s  (min {min(raw):.2f}, max {max(raw):.2f})")
    print(f"index command: {f:8.2f} s  {len(texts) / f:7.2f} chunks/s  {tokens / f:8.1f} tokens/s  (min {min(full):.2f}, max {max(full):.2f})")
    print(f"pipeline overhead (index - raw): {100 * (f - r) / r:+.1f} %  (target <= 5 %; noisy on a busy machine)")
    print(f"pipeline work without the model (rebuild, warm cache): {w:.2f} s = {100 * w / r:.1f} % of raw embedding")
    a = statistics.median(statements)
    print(f"answer statements prepared after the switch (default on): {a:.2f} s = {100 * a / f:.0f} % of the chunk "
          f"index run (min {min(statements):.2f}, max {max(statements):.2f})")
    print(f"second run, unchanged corpus: {s:.2f} s  (min {min(second):.2f}, max {max(second):.2f}; target <= 2 s)")


if __name__ == "__main__":
    main()
