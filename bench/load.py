"""Load: N concurrent clients on /api/search for a fixed time against a real server on loopback.

Each client loops over the evaluation questions (offset per client, so the mix of
queries is realistic rather than one cached query); prints throughput, p50/p99
latency, error count, server RSS before/after and the CPU used by server and load
generator.  Target (issue 8): 50 clients for 60 s, p99 <= 250 ms, 0 errors.

Two load generators:

* ``wrk`` (Debian package ``wrk``; used when it is on PATH): a C load generator
  that needs a few percent of a core, so on a 2-core machine the server gets the
  CPU it would get with clients on other machines.  The queries rotate through a
  generated Lua script.
* ``python``: an httpx asyncio client (no extra install), which itself needs
  ~0.4 of a core at 300 req/s and so steals CPU from the server it measures.

``--warmup S`` first runs the same load for S seconds and reports it separately:
the first pass over the 139 distinct questions embeds each once (about 5 s of
model time), which is start-up cost, not the steady state.

    .venv/bin/python bench/load.py [--clients 50] [--seconds 60] [--warmup 15] [--tool auto|wrk|python]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.serverutil import REPO, ensure_index, percentile, rss_mb, running_server  # noqa: E402


@dataclass
class Outcome:
    ok: int
    errors: list[str]
    seconds: float
    p50: float
    p90: float
    p99: float
    worst: float
    extra: dict[str, str] = field(default_factory=dict)


def search_path(query: str) -> str:
    return "/api/search?" + urlencode({"q": query, "k": 10})


# --- python client -------------------------------------------------------------------


async def client(base: str, paths: list[str], offset: int, deadline: float,
                 latencies: list[float], errors: list[str]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        i = offset
        while time.perf_counter() < deadline:
            path = paths[i % len(paths)]
            i += 1
            t0 = time.perf_counter()
            try:
                response = await http.get(path)
                if response.status_code != 200:
                    errors.append(f"{response.status_code} {response.text[:80]}")
                    continue
            except httpx.HTTPError as exc:
                errors.append(type(exc).__name__)
                continue
            latencies.append((time.perf_counter() - t0) * 1000)


async def _python_run(base: str, paths: list[str], clients: int, seconds: float) -> Outcome:
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(client(base, paths, k * 7, deadline, latencies, errors) for k in range(clients)))
    elapsed = time.perf_counter() - started
    if not latencies:
        return Outcome(0, errors, elapsed, 0, 0, 0, 0)
    return Outcome(len(latencies), errors, elapsed, statistics.median(latencies), percentile(latencies, 90),
                   percentile(latencies, 99), max(latencies))


def python_load(base: str, paths: list[str], clients: int, seconds: float) -> Outcome:
    return asyncio.run(_python_run(base, paths, clients, seconds))


# --- wrk ----------------------------------------------------------------------------

_LUA = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk_load(base: str, paths: list[str], clients: int, seconds: float) -> Outcome:
    """Run wrk with one thread (enough for 50 connections) and parse its --latency report."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False, encoding="utf-8") as script:
        script.write(_LUA % ", ".join(json.dumps(p) for p in paths))
    try:
        proc = subprocess.run(
            ["wrk", "-t1", f"-c{clients}", f"-d{int(seconds)}s", "--latency", "--timeout", "30s", "-s", script.name, base],
            capture_output=True, text=True, check=True,
        )
    finally:
        os.unlink(script.name)
    report = proc.stdout
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)", report, re.MULTILINE))

    def pct(p: str) -> float:
        value, unit = re.match(r"([\d.]+)(\w+)", latency[p]).groups()
        return _ms(value, unit)

    total = int(re.search(r"(\d+) requests in", report).group(1))
    errors = []
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", report):
        errors.append(f"{m.group(1)} non-2xx responses")
    if m := re.search(r"Socket errors: (.*)", report):
        errors.append(f"socket errors: {m.group(1)}")
    worst_value, worst_unit = re.search(r"Latency\s+\S+\s+\S+\s+([\d.]+)(\w+)", report).groups()
    bad = sum(int(n) for n in re.findall(r"(\d+) non-2xx", " ".join(errors)))
    return Outcome(total - bad, errors, seconds, pct("50"), pct("90"), pct("99"), _ms(worst_value, worst_unit),
                   {"wrk": report.strip()})


# --- main ---------------------------------------------------------------------------


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
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto")
    args = parser.parse_args()
    tool = args.tool if args.tool != "auto" else ("wrk" if shutil.which("wrk") else "python")
    load = wrk_load if tool == "wrk" else python_load
    ensure_index(args.index_dir)
    questions = [json.loads(line)["question"] for line in (REPO / "tests/eval/questions.jsonl").open(encoding="utf-8")]
    paths = [search_path(q) for q in questions]
    with running_server(args.index_dir) as (base, proc, startup):
        rss_before = rss_mb(proc.pid)
        if args.warmup:
            cold = load(base, paths, args.clients, args.warmup)
            print(f"warm-up (not counted below; the first pass over the queries embeds each once): "
                  f"{cold.ok / cold.seconds:.1f} req/s, p50 {cold.p50:.0f} ms, p99 {cold.p99:.0f} ms, "
                  f"errors {cold.errors or 0}")
        cpu_server, wall = cpu_seconds(proc.pid), time.perf_counter()
        result = load(base, paths, args.clients, args.seconds)
        cpu_server, wall = cpu_seconds(proc.pid) - cpu_server, time.perf_counter() - wall
        rss_after = rss_mb(proc.pid)
    print(f"load generator: {tool}; server used {cpu_server / wall:.2f} cores")
    print(f"{args.clients} clients, {result.seconds:.0f} s, {len(questions)} distinct queries "
          f"(server up in {startup:.1f} s)")
    print(f"requests ok {result.ok}, errors {len(result.errors)}  throughput {result.ok / result.seconds:.1f} req/s")
    print(f"latency p50 {result.p50:.0f} ms  p90 {result.p90:.0f} ms  p99 {result.p99:.0f} ms  "
          f"max {result.worst:.0f} ms  (target p99 <= 250 ms)")
    print(f"server RSS {rss_before:.0f} MB -> {rss_after:.0f} MB")
    if result.errors:
        print("errors:", result.errors[:5])
    if os.environ.get("BENCH_VERBOSE") and "wrk" in result.extra:
        print(result.extra["wrk"])


if __name__ == "__main__":
    main()
