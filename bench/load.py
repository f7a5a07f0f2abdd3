"""Load: N concurrent clients on /api/search for a fixed time against a real server on loopback.

Each client loops over the evaluation questions (offset per client, so the mix of
queries is realistic rather than one cached query); prints throughput, p50/p99
latency, error count and server RSS before/after.  Target (issue 8): 50 clients
for 60 s, p99 <= 250 ms, 0 errors.

    .venv/bin/python bench/load.py [--clients 50] [--seconds 60] [--index-dir index]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.serverutil import REPO, ensure_index, percentile, rss_mb, running_server  # noqa: E402


async def client(base: str, queries: list[str], offset: int, deadline: float,
                 latencies: list[float], errors: list[str]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        i = offset
        while time.perf_counter() < deadline:
            q = queries[i % len(queries)]
            i += 1
            t0 = time.perf_counter()
            try:
                response = await http.get("/api/search", params={"q": q, "k": 10})
                if response.status_code != 200:
                    errors.append(f"{response.status_code} {response.text[:80]}")
                    continue
            except httpx.HTTPError as exc:
                errors.append(type(exc).__name__)
                continue
            latencies.append((time.perf_counter() - t0) * 1000)


async def run(base: str, queries: list[str], clients: int, seconds: float) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(client(base, queries, k * 7, deadline, latencies, errors) for k in range(clients)))
    return latencies, errors, time.perf_counter() - started


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--index-dir", type=Path, default=REPO / "index")
    parser.add_argument("--warmup", type=float, default=0.0, help="seconds of the same load before measuring")
    args = parser.parse_args()
    ensure_index(args.index_dir)
    questions = [json.loads(line)["question"] for line in (REPO / "tests/eval/questions.jsonl").open(encoding="utf-8")]
    with running_server(args.index_dir) as (base, proc, startup):
        rss_before = rss_mb(proc.pid)
        if args.warmup:
            cold, cold_errors, cold_elapsed = asyncio.run(run(base, questions, args.clients, args.warmup))
            print(f"warm-up (not counted below; first pass over the queries embeds each once): "
                  f"{len(cold) / cold_elapsed:.1f} req/s, p50 {statistics.median(cold):.0f} ms, "
                  f"p99 {percentile(cold, 99):.0f} ms, errors {len(cold_errors)}")
        cpu_server, cpu_client = cpu_seconds(proc.pid), time.process_time()
        latencies, errors, elapsed = asyncio.run(run(base, questions, args.clients, args.seconds))
        cpu_server, cpu_client = cpu_seconds(proc.pid) - cpu_server, time.process_time() - cpu_client
        rss_after = rss_mb(proc.pid)
    print(f"CPU used: server {cpu_server / elapsed:.2f} cores, load client {cpu_client / elapsed:.2f} cores")
    print(f"{args.clients} clients, {elapsed:.0f} s, {len(questions)} distinct queries (server up in {startup:.1f} s)")
    print(f"requests ok {len(latencies)}, errors {len(errors)}  throughput {len(latencies) / elapsed:.1f} req/s")
    if latencies:
        print(f"latency p50 {statistics.median(latencies):.0f} ms  p90 {percentile(latencies, 90):.0f} ms  "
              f"p99 {percentile(latencies, 99):.0f} ms  max {max(latencies):.0f} ms  (target p99 <= 250 ms)")
    print(f"server RSS {rss_before:.0f} MB -> {rss_after:.0f} MB")
    if errors:
        print("first errors:", errors[:5])


if __name__ == "__main__":
    main()
