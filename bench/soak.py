"""Soak: a steady request rate of mixed search/ask over HTTP on loopback for a long time.

Starts `revierlotse serve` on a free 127.0.0.1 port (rate limit off) against an index it
builds from corpus/ into a temporary folder (reusing index/embedding-cache.sqlite when
present, so nothing is embedded twice) or against --index-dir.  Requests are sent open-loop
at a fixed schedule (--rate per second, default 20), so a slow server shows up as latency
and backlog, not as a lower request rate.  Prints per window (default one minute) the count,
errors, p50/p99 latency and server RSS; at the end the totals and RSS growth in percent.
Exit code 1 if any request failed (transport error or status >= 500).

    .venv/bin/python bench/soak.py [--seconds 600] [--rate 20] [--ask-share 0.3] [--index-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.serverutil import REPO, percentile, rss_mb, running_server  # noqa: E402

FALLBACK_QUESTIONS = ["Wie hoch ist die Förderquote bei STARK?", "Wer berät Kommunen in der Lausitz?"]


def questions() -> list[str]:
    path = REPO / "tests" / "eval" / "questions.jsonl"
    if not path.exists():
        return FALLBACK_QUESTIONS
    return [json.loads(line)["question"] for line in path.read_text("utf-8").splitlines() if line.strip()]


def build_index(corpus: Path, index_dir: Path) -> None:
    env = os.environ | {"REVIERLOTSE_INDEX_DIR": str(index_dir)}
    cache = REPO / "index" / "embedding-cache.sqlite"
    if cache.exists():
        env["REVIERLOTSE_EMBEDDING_CACHE"] = str(cache)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "assistant", "index", str(corpus), "--json"], cwd=REPO, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    if proc.returncode == 2 or not (index_dir / "CURRENT").exists():
        raise SystemExit(f"index build failed:\n{proc.stderr}")
    print(f"index built from {corpus} in {time.perf_counter() - started:.1f} s ({index_dir})", flush=True)


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[int, list[float]] = {}
        self.errors: dict[int, list[str]] = {}
        self.kinds: dict[str, int] = {}

    def add(self, window: int, kind: str, latency: float, error: str | None) -> None:
        with self.lock:
            self.latencies.setdefault(window, []).append(latency)
            self.kinds[kind] = self.kinds.get(kind, 0) + 1
            if error:
                self.errors.setdefault(window, []).append(error)


def one_request(http: httpx.Client, kind: str, query: str) -> str | None:
    try:
        if kind == "ask":
            r = http.post("/api/ask", json={"question": query})
        else:
            r = http.get("/api/search", params={"q": query, "k": 5})
    except httpx.HTTPError as exc:
        return f"{kind}: {type(exc).__name__}: {exc}"
    if r.status_code >= 500 or r.status_code == 429:
        return f"{kind}: HTTP {r.status_code}: {r.text[:200]}"
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=600.0)
    ap.add_argument("--rate", type=float, default=20.0, help="requests per second (steady, open loop)")
    ap.add_argument("--ask-share", type=float, default=0.3, help="share of /api/ask among the requests")
    ap.add_argument("--window", type=float, default=60.0, help="seconds per report line")
    ap.add_argument("--index-dir", type=Path, help="existing index to serve (default: build corpus/ into a temp dir)")
    ap.add_argument("--corpus", type=Path, default=REPO / "corpus")
    ap.add_argument("--workers", type=int, default=32, help="client threads (must exceed rate × latency)")
    args = ap.parse_args()
    # SIGTERM (e.g. from timeout) unwinds like Ctrl-C, so the server child is always stopped.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))

    tmp = None
    index_dir = args.index_dir
    if index_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="revierlotse-soak-")
        index_dir = Path(tmp.name) / "index"
        build_index(args.corpus, index_dir)
    qs = questions()
    rng = random.Random(42)
    stats = Stats()
    window = max(1.0, min(args.window, args.seconds))

    with running_server(index_dir) as (base, proc, startup):
        rss_start = rss_mb(proc.pid)
        print(f"server {base} pid {proc.pid} up in {startup:.1f} s, RSS {rss_start:.0f} MB; "
              f"{args.rate:g} req/s for {args.seconds:g} s ({args.ask_share:.0%} ask)", flush=True)
        local = threading.local()
        started = time.perf_counter()

        def run(kind: str, query: str) -> None:
            if not hasattr(local, "http"):
                local.http = httpx.Client(base_url=base, timeout=120)
            t0 = time.perf_counter()
            error = one_request(local.http, kind, query)
            done = time.perf_counter()
            stats.add(int((done - started) // window), kind, done - t0, error)

        rss_by_window: dict[int, float] = {}
        stop = threading.Event()

        def report(w: int) -> None:
            with stats.lock:
                lat = list(stats.latencies.get(w, []))
                errs = list(stats.errors.get(w, []))
            rss_by_window[w] = rss_mb(proc.pid)
            line = f"[{(w + 1) * window:6.0f} s] {len(lat):5d} done  {len(errs):3d} errors"
            if lat:
                line += f"  p50 {percentile(lat, 50) * 1000:7.1f} ms  p99 {percentile(lat, 99) * 1000:7.1f} ms"
            print(line + f"  RSS {rss_by_window[w]:6.0f} MB", flush=True)
            for e in errs[:3]:
                print(f"      {e}", flush=True)

        def reporter() -> None:  # one line per window of completed requests (by completion time)
            w = 0
            while not stop.wait(max(0.0, started + (w + 1) * window - time.perf_counter())):
                report(w)
                w += 1
            report(w)  # the partial last window (requests that finished after the schedule ended)

        def interrupted(*_: object) -> None:  # stop at once: no graceful drain of a long backlog
            proc.kill()
            if tmp is not None:
                tmp.cleanup()
            os._exit(130)

        signal.signal(signal.SIGINT, interrupted)
        signal.signal(signal.SIGTERM, interrupted)
        reporter_thread = threading.Thread(target=reporter, daemon=True)
        reporter_thread.start()
        total = int(args.seconds * args.rate)
        lag = 0.0
        with ThreadPoolExecutor(max_workers=args.workers) as pool:
            for i in range(total):
                due = started + i / args.rate
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                lag = max(lag, -delay)
                kind = "ask" if rng.random() < args.ask_share else "search"
                pool.submit(run, kind, qs[rng.randrange(len(qs))])
            sent_in = time.perf_counter() - started
        elapsed = time.perf_counter() - started
        stop.set()
        reporter_thread.join()
        rss_end = rss_mb(proc.pid)
        rss_warm = rss_by_window.get(0, rss_start)

    all_lat = [x for v in stats.latencies.values() for x in v]
    all_err = [x for v in stats.errors.values() for x in v]
    growth = (rss_end - rss_start) / rss_start * 100 if rss_start else float("nan")
    warm_growth = (rss_end - rss_warm) / rss_warm * 100 if rss_warm else float("nan")
    print(f"sent {total} requests in {sent_in:.1f} s (max schedule lag {lag * 1000:.0f} ms); all done after "
          f"{elapsed:.1f} s ({len(all_lat) / elapsed:.1f} req/s completed); kinds {stats.kinds}")
    print(f"errors {len(all_err)}; p50 {percentile(all_lat, 50) * 1000:.1f} ms, p99 {percentile(all_lat, 99) * 1000:.1f} ms")
    print(f"RSS start {rss_start:.0f} MB, after first window {rss_warm:.0f} MB, end {rss_end:.0f} MB; "
          f"growth {growth:+.1f} % from start, {warm_growth:+.1f} % after warm-up")
    if tmp is not None:
        tmp.cleanup()
    return 1 if all_err else 0


if __name__ == "__main__":
    raise SystemExit(main())
