"""Search latency under load while a re-index job embeds (issue #19: p99 1,527 ms during a job).

Copies an index and the corpus into a temporary folder, points the server at an
*empty* embedding cache and adds one document, so the re-index job started through
``POST /api/reindex`` really embeds every chunk and answer statement, as after a
model change or a lost cache.  Then:

1. warm-up load (not counted; every distinct query is embedded once),
2. the same load for ``--baseline`` seconds without a job,
3. the same load from ``POST /api/reindex`` until the job is done (or ``--max-seconds``).

Prints p50/p90/p99/max of ``/api/search`` for 2 and 3, the job's duration and the RSS
of the server (and of a re-index child process, if the job runs in one).

    .venv/bin/python bench/load_reindex.py [--clients 20] [--warmup 15] [--baseline 30]
        [--max-seconds 900] [--index-dir index] [--cache /work/cache/emb.sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load import client, search_path  # noqa: E402
from bench.serverutil import REPO, percentile, rss_mb, running_server  # noqa: E402

TOKEN = "bench-reindex-token"


def _children_rss(pid: int) -> float:
    total = 0.0
    for task in Path(f"/proc/{pid}/task").glob("*"):
        for child in (task / "children").read_text().split() if (task / "children").exists() else []:
            total += rss_mb(int(child))
    return total


def _summary(label: str, latencies: list[float], errors: list[str], seconds: float) -> str:
    if not latencies:
        return f"{label}: no successful requests, errors {len(errors)}"
    return (f"{label}: {len(latencies)} requests in {seconds:.0f} s ({len(latencies) / seconds:.1f}/s), "
            f"p50 {statistics.median(latencies):.0f} ms, p90 {percentile(latencies, 90):.0f} ms, "
            f"p99 {percentile(latencies, 99):.0f} ms, max {max(latencies):.0f} ms, errors {len(errors)}")


async def _load_until(base: str, paths: list[str], clients: int, stop: threading.Event, max_s: float):
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    deadline = started + max_s

    async def watch() -> None:
        nonlocal deadline
        while not stop.is_set() and time.perf_counter() < deadline:
            await asyncio.sleep(0.2)
        deadline = time.perf_counter()

    tasks = [client(base, paths, k * 7, deadline, latencies, errors) for k in range(clients)]
    # the clients read ``deadline`` once; a shared watcher ends them by cancelling when the job is done
    running = [asyncio.ensure_future(t) for t in tasks]
    await watch()
    for task in running:
        task.cancel()
    await asyncio.gather(*running, return_exceptions=True)
    return latencies, errors, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--warmup", type=float, default=15)
    parser.add_argument("--baseline", type=float, default=30)
    parser.add_argument("--max-seconds", type=float, default=900)
    parser.add_argument("--index-dir", type=Path, default=REPO / "index")
    args = parser.parse_args()
    if not (args.index_dir / "CURRENT").exists():
        sys.exit(f"{args.index_dir} has no index; build one first (revierlotse index corpus)")
    questions = [json.loads(line)["question"] for line in (REPO / "tests/eval/questions.jsonl").open(encoding="utf-8")]
    paths = [search_path(q) for q in questions]
    with tempfile.TemporaryDirectory(prefix="bench-reindex-") as tmp:
        work = Path(tmp)
        # Not the vector cache (the job must embed) nor the usage log; the generations' chunks.sqlite stays.
        shutil.copytree(args.index_dir, work / "index",
                        ignore=shutil.ignore_patterns("embedding-cache.sqlite*", "usage.sqlite*"))
        shutil.copytree(REPO / "corpus", work / "corpus", ignore=shutil.ignore_patterns("uploads"))
        (work / "corpus" / "bench-neu.md").write_text(
            "# Neues Dokument\n\nEin Dokument, das den Lauf zum Veröffentlichen zwingt.\n", "utf-8")
        env = {
            "REVIERLOTSE_CORPUS_DIR": str(work / "corpus"),
            "REVIERLOTSE_EMBEDDING_CACHE": str(work / "empty-cache.sqlite"),
            "REVIERLOTSE_ADMIN_TOKEN": TOKEN,
        }
        with running_server(work / "index", env) as (base, proc, startup):
            health = httpx.get(f"{base}/health", timeout=30).json()
            if health.get("status") != "ok":
                sys.exit(f"the copied index does not serve: {health}")
            print(f"server up in {startup:.1f} s, RSS {rss_mb(proc.pid):.0f} MB", flush=True)
            never = threading.Event()
            asyncio.run(_load_until(base, paths, args.clients, never, args.warmup))
            lat, err, secs = asyncio.run(_load_until(base, paths, args.clients, never, args.baseline))
            print(_summary("without a job", lat, err, secs), flush=True)
            rss_before = rss_mb(proc.pid)

            auth = {"Authorization": f"Bearer {TOKEN}"}
            job = httpx.post(f"{base}/api/reindex", headers=auth, timeout=30).json()
            done = threading.Event()
            peak = {"server": rss_before, "children": 0.0}
            state: dict = {}

            def poll() -> None:
                started = time.perf_counter()
                while not done.is_set():
                    state.update(httpx.get(f"{base}/api/jobs/{job['job_id']}", headers=auth, timeout=30).json())
                    peak["server"] = max(peak["server"], rss_mb(proc.pid))
                    peak["children"] = max(peak["children"], _children_rss(proc.pid))
                    if state.get("state") in ("done", "failed"):
                        state["seconds"] = time.perf_counter() - started
                        done.set()
                    time.sleep(1)

            poller = threading.Thread(target=poll, daemon=True)
            poller.start()
            lat, err, secs = asyncio.run(_load_until(base, paths, args.clients, done, args.max_seconds))
            done.set()
            poller.join(5)
            print(_summary("during the re-index job", lat, err, secs))
            print(f"job {state.get('state')} after {state.get('seconds', secs):.0f} s: "
                  f"{state.get('chunks_done')}/{state.get('chunks_total')} chunks, "
                  f"{state.get('statements_done')}/{state.get('statements_total')} statements embedded")
            print(f"server RSS {rss_before:.0f} MB before the job, peak {peak['server']:.0f} MB, "
                  f"{rss_mb(proc.pid):.0f} MB after; re-index child process peak {peak['children']:.0f} MB")


if __name__ == "__main__":
    main()
