"""One vs two API replicas over one PostgreSQL store, 50 concurrent clients, each replica pinned to a core.

Starts `revierlotse serve` once (pinned to CPU 0 with taskset) and then twice (CPU 0 and
CPU 1) against the same database holding the shipped corpus, and drives /api/search
with the evaluation questions: the clients are split over two load generators (wrk,
25 connections each), both against the one replica in the first run and one per
replica in the second, so the load generation is the same in both. PostgreSQL and
the load generators are not pinned: on a 2-core machine they share the cores with the
replicas, and the report says how much CPU each took (that is where the rest goes).

Prints throughput, p50/p90/p99 over all requests of both generators (merged from their
latency distributions), errors, and the CPU seconds per replica, of the database server
and of the load generators; then the throughput ratio two/one.

    .venv/bin/python bench/pg_replicas.py [--url URL] [--index-dir index] [--seconds 60] [--warmup 20]

Without --url a throw-away cluster is started (tests/pg_server.py). The database gets
the corpus by `revierlotse migrate` from the snapshot in --index-dir (built from corpus/
when missing). Needs `wrk` (Debian package) and `taskset`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.serverutil import REPO, ensure_index, free_port  # noqa: E402
from tests.pg_server import pg_server, psql  # noqa: E402

QUESTIONS = REPO / "tests/eval/questions.jsonl"
_LUA = """
paths = {%s}
counter = %d
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  local q = {}
  for i = 0, 999 do q[#q + 1] = latency:percentile((i + 0.5) / 10) end
  io.write(string.format('RESULT {"requests": %%d, "errors": %%d, "timeouts": %%d, "max": %%d, "quantiles": [%%s]}\\n',
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write,
    summary.errors.timeout, latency.max, table.concat(q, ",")))
end
"""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu(root: int) -> float:
    """CPU seconds of a process and its live children (the database server's backends)."""
    total = cpu_seconds(root)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == root:
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


@dataclass
class Run:
    requests: int
    errors: int
    seconds: float
    quantiles: np.ndarray  # latency samples (ms) at 1000 quantiles, weighted by requests
    weights: np.ndarray
    worst: float
    cpu: dict[str, float]

    def pct(self, p: float) -> float:
        order = np.argsort(self.quantiles)
        cum = np.cumsum(self.weights[order])
        return float(self.quantiles[order][np.searchsorted(cum, p / 100 * cum[-1])])


def wrk(base: str, paths: list[str], connections: int, seconds: float, offset: int) -> subprocess.Popen:
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False, encoding="utf-8")
    script.write(_LUA % (", ".join(json.dumps(p) for p in paths), offset))
    script.close()
    return subprocess.Popen(["wrk", "-t1", f"-c{connections}", f"-d{int(seconds)}s", "--timeout", "30s", "-s", script.name,
                             base], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def load(targets: list[str], paths: list[str], clients: int, seconds: float, watch: dict[str, int]) -> Run:
    """Two wrk processes with clients/2 connections each, against targets[0] and targets[-1]."""
    before = {name: tree_cpu(pid) if name == "postgres" else cpu_seconds(pid) for name, pid in watch.items()}
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    procs = [wrk(targets[i % len(targets)], paths, clients // 2, seconds, offset=i * 77) for i in range(2)]
    outputs = []
    for proc in procs:
        out, _ = proc.communicate()
        outputs.append(out)
    after = {name: tree_cpu(pid) if name == "postgres" else cpu_seconds(pid) for name, pid in watch.items()}
    done = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu = (done.ru_utime + done.ru_stime) - (children.ru_utime + children.ru_stime)
    requests = errors = 0
    samples, weights, worst = [], [], 0.0
    for out in outputs:
        line = next((l for l in out.splitlines() if l.startswith("RESULT ")), None)
        if line is None:
            raise RuntimeError(f"wrk failed:\n{out}")
        r = json.loads(line[len("RESULT "):])
        requests += r["requests"]
        errors += r["errors"] + r["timeouts"]
        samples.append(np.asarray(r["quantiles"], dtype=float) / 1000)
        weights.append(np.full(1000, r["requests"] / 1000))
        worst = max(worst, r["max"] / 1000)
    cpu = {name: after[name] - before[name] for name in watch}
    return Run(requests - errors, errors, seconds, np.concatenate(samples), np.concatenate(weights), worst, cpu | {"wrk": wrk_cpu})


@contextlib.contextmanager
def replicas(url: str, cores: list[int], tmp: Path) -> Iterator[tuple[list[str], list[subprocess.Popen]]]:
    procs, bases = [], []
    try:
        for core in cores:
            port = free_port()
            env = {k: v for k, v in os.environ.items() if not k.startswith(("REVIERLOTSE_", "TELEGRAM_"))} | {
                "REVIERLOTSE_STORE_URL": url, "REVIERLOTSE_PORT": str(port), "REVIERLOTSE_RATE_LIMIT_PER_MINUTE": "0",
                "REVIERLOTSE_INDEX_DIR": str(tmp / f"replica-{core}"), "HF_HUB_OFFLINE": "1",
            }
            procs.append(subprocess.Popen(["taskset", "-c", str(core), sys.executable, "-m", "assistant", "serve"],
                                          cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            bases.append(f"http://127.0.0.1:{port}")
        for base, proc in zip(bases, procs):
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"{base}/api/search", params={"q": "Förderung"}, timeout=30).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"replica {base} did not start")
                time.sleep(0.2)
        yield bases, procs
    finally:
        for proc in procs:
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(30)


def prepare(url: str, index_dir: Path) -> None:
    if psql(url, "SELECT to_regclass('revierlotse.live') IS NOT NULL") == "t" and psql(url, "SELECT count(*) FROM revierlotse.live") == "1":
        return
    ensure_index(index_dir)
    env = os.environ | {"REVIERLOTSE_STORE_URL": url, "REVIERLOTSE_INDEX_DIR": str(index_dir)}
    subprocess.run([sys.executable, "-m", "assistant", "migrate"], cwd=REPO, env=env, check=True)


def postmaster_pid(url: str) -> int:
    backend = int(psql(url, "SELECT pg_backend_pid()"))
    with contextlib.suppress(OSError):
        return int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    raise RuntimeError("cannot find the database server's process (is it on another machine?)")


def report(label: str, run: Run) -> None:
    cpu = ", ".join(f"{k} {v:.1f} s" for k, v in run.cpu.items())
    print(f"{label:<22} {run.requests / run.seconds:7.1f} req/s | p50 {run.pct(50):6.1f} p90 {run.pct(90):6.1f} "
          f"p99 {run.pct(99):6.1f} max {run.worst:7.1f} ms | errors {run.errors} | CPU over {run.seconds:.0f} s: {cpu}",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--index-dir", type=Path, default=REPO / "index")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=20)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    if not shutil.which("wrk") or not shutil.which("taskset"):
        raise SystemExit("needs wrk (apt-get install wrk) and taskset (util-linux)")
    if (os.cpu_count() or 1) < 2:
        raise SystemExit("needs two cores")
    paths = ["/api/search?" + urlencode({"q": json.loads(line)["question"], "k": 10})
             for line in QUESTIONS.read_text("utf-8").splitlines() if line.strip()]
    with contextlib.ExitStack() as stack:
        url = args.url or stack.enter_context(pg_server(Path("/var/tmp"), in_ram=False))
        prepare(url, args.index_dir)
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        pg = postmaster_pid(url)
        results: dict[int, list[Run]] = {1: [], 2: []}
        for _ in range(args.repeat):
            for cores in ([0], [0, 1]):
                with replicas(url, cores, tmp) as (bases, procs):
                    watch = {f"replica@cpu{c}": p.pid for c, p in zip(cores, procs)} | {"postgres": pg}
                    warm = load(bases, paths, args.clients, args.warmup, watch)
                    report(f"{len(cores)} replica(s) warm-up", warm)
                    run = load(bases, paths, args.clients, args.seconds, watch)
                    report(f"{len(cores)} replica(s)", run)
                    results[len(cores)].append(run)
        one = np.median([r.requests / r.seconds for r in results[1]])
        two = np.median([r.requests / r.seconds for r in results[2]])
        print(f"throughput two/one replicas: {two / one:.2f}x (median of {args.repeat}); "
              f"p99 two replicas {np.median([r.pct(99) for r in results[2]]):.1f} ms")


if __name__ == "__main__":
    main()
