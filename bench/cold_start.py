"""Cold start: `revierlotse serve` to the first answered search, and the server's memory.

Starts the real server N times against the shipped-corpus index (built first if
missing) and prints the median and min–max of the time from process start to the
first 200 on /api/search, the RSS right after that, and the RSS after one /api/ask.
Targets (issue 8): <= 3 s to the first answer, RSS <= 600 MB.

    .venv/bin/python bench/cold_start.py [--repeat 5] [--index-dir index]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.serverutil import REPO, ensure_index, rss_mb, running_server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--index-dir", type=Path, default=REPO / "index")
    args = parser.parse_args()
    ensure_index(args.index_dir)
    starts, rss_started, rss_asked = [], [], []
    for _ in range(args.repeat):
        with running_server(args.index_dir) as (base, proc, startup):
            starts.append(startup)
            rss_started.append(rss_mb(proc.pid))
            answer = httpx.post(f"{base}/api/ask", json={"question": "Wie hoch ist die Förderquote bei STARK?"}, timeout=60)
            answer.raise_for_status()
            rss_asked.append(rss_mb(proc.pid))

    def line(name: str, values: list[float], unit: str, target: str) -> str:
        return (f"{name:32s} median {statistics.median(values):7.2f} {unit}  "
                f"min {min(values):7.2f}  max {max(values):7.2f}   ({target})")

    print(f"{args.repeat} starts of `revierlotse serve`, index {args.index_dir}")
    print(line("start to first search answer", starts, "s ", "target <= 3 s"))
    print(line("RSS after start", rss_started, "MB", "target <= 600 MB"))
    print(line("RSS after one /api/ask", rss_asked, "MB", "target <= 600 MB"))


if __name__ == "__main__":
    main()
