"""Helpers for benchmarks that talk to a real server: start `revierlotse serve` on a free port, RSS."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident set size of a process (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextlib.contextmanager
def running_server(index_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[tuple[str, subprocess.Popen, float]]:
    """Start `revierlotse serve` against ``index_dir``; yields (base URL, process, seconds to first answer)."""
    port = free_port()
    env = os.environ | {
        "REVIERLOTSE_INDEX_DIR": str(index_dir),
        "REVIERLOTSE_PORT": str(port),
        "REVIERLOTSE_RATE_LIMIT_PER_MINUTE": "0",  # the benchmark is the only client
    } | (extra_env or {})
    env.pop("TELEGRAM_BOT_TOKEN", None)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                if httpx.get(f"{base}/api/search", params={"q": "Förderung"}, timeout=30).status_code == 200:
                    break
            except httpx.TransportError:
                if proc.poll() is not None:
                    raise RuntimeError("server exited during start-up") from None
                time.sleep(0.02)
        yield base, proc, time.perf_counter() - started
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def ensure_index(index_dir: Path) -> None:
    """Build the shipped corpus into ``index_dir`` unless a snapshot is there already."""
    if not (index_dir / "CURRENT").exists():
        env = os.environ | {"REVIERLOTSE_INDEX_DIR": str(index_dir)}
        subprocess.run([sys.executable, "-m", "assistant", "index", "corpus", "--json"], cwd=REPO, env=env,
                       check=False, stdout=subprocess.DEVNULL)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]
