"""Query latency: /api/search and /api/ask over HTTP on loopback, with a breakdown.

Runs the evaluation questions (short ones; project descriptions are measured
separately as they embed each sentence) against a real `revierlotse serve` on
the shipped corpus, then the same queries in-process to split the time into
query embedding, vector search, lexical search, fusion, chunk lookup, answer
assembly and HTTP.  Prints medians and p90 over all queries and repeats; the
target is /api/search p50 <= 1.2 x (query embedding + vector search).

    .venv/bin/python bench/query_latency.py [--index-dir index] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.serverutil import REPO, ensure_index, percentile, running_server  # noqa: E402


def summary(name: str, values: list[float]) -> str:
    return (f"{name:22s} p50 {statistics.median(values):7.2f} ms   p90 {percentile(values, 90):7.2f} ms   "
            f"min {min(values):7.2f}   max {max(values):7.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index-dir", type=Path, default=REPO / "index")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    ensure_index(args.index_dir)
    questions = [json.loads(line) for line in (REPO / "tests/eval/questions.jsonl").read_text("utf-8").splitlines()]
    short = [q["question"] for q in questions if q["kind"] != "project"]
    projects = [q["question"] for q in questions if q["kind"] == "project"]

    # The query-vector cache would turn repeats into hits; measure the model's real cost.
    no_cache = {"REVIERLOTSE_QUERY_CACHE_SIZE": "0"}
    with running_server(args.index_dir, no_cache) as (base, _proc, _startup), httpx.Client(base_url=base, timeout=60) as http:
        search_ms, ask_ms, project_ms = [], [], []
        for _ in range(args.repeat):
            for q in short:
                t0 = time.perf_counter()
                http.get("/api/search", params={"q": q, "k": 10}).raise_for_status()
                search_ms.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                http.post("/api/ask", json={"question": q}).raise_for_status()
                ask_ms.append((time.perf_counter() - t0) * 1000)
        for q in projects:
            t0 = time.perf_counter()
            http.get("/api/search", params={"q": q, "k": 10}).raise_for_status()
            project_ms.append((time.perf_counter() - t0) * 1000)

    os.environ["REVIERLOTSE_INDEX_DIR"] = str(args.index_dir)
    os.environ.update(no_cache)
    from assistant.config import Settings
    from assistant.service import Assistant

    assistant = Assistant(Settings())
    parts: dict[str, list[float]] = {}
    inproc_search, inproc_ask = [], []
    for _ in range(args.repeat):
        for q in short:
            t0 = time.perf_counter()
            result = assistant.search(q, k=10)
            inproc_search.append((time.perf_counter() - t0) * 1000)
            for name, ms in result.timings_ms.items():
                parts.setdefault(name, []).append(ms)
            t0 = time.perf_counter()
            assistant.ask(q)
            inproc_ask.append((time.perf_counter() - t0) * 1000)

    print(f"{len(short)} questions x {args.repeat} repeats, shipped corpus, index {args.index_dir}")
    print(summary("HTTP /api/search", search_ms))
    print(summary("HTTP /api/ask", ask_ms))
    print(summary("HTTP search (project)", project_ms))
    print(summary("in-process search", inproc_search))
    print(summary("in-process ask", inproc_ask))
    for name, values in parts.items():
        print(summary(f"  {name}", values))
    base_ms = statistics.median(parts["embed"]) + statistics.median(parts["dense"])
    http_overhead = statistics.median(search_ms) - statistics.median(inproc_search)
    answer_ms = statistics.median(inproc_ask) - statistics.median(inproc_search)
    print(f"  answer assembly (ask - search, medians)  {answer_ms:7.2f} ms")
    print(f"  HTTP + serialisation (medians)           {http_overhead:7.2f} ms")
    ratio = statistics.median(search_ms) / base_ms
    print(f"/api/search p50 / (embedding + vector search) = {ratio:.2f}  (target <= 1.2)")


if __name__ == "__main__":
    main()
