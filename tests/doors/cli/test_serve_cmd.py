"""`revierlotse serve` starts uvicorn with the app factory (and the bot as a child when configured)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.integration  # starts real `revierlotse serve` processes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split() if (task / "children").exists() else []
        found += [int(c) for c in children]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_starts_api_and_bot_child_and_stops_both(stop: int, tmp_path: Path) -> None:
    """SIGTERM used to leave the bot child running (uvicorn re-raised it and the process died)."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIERLOTSE_")}
    env |= {
        "REVIERLOTSE_INDEX_DIR": str(tmp_path / "index"),
        "REVIERLOTSE_CORPUS_DIR": str(tmp_path / "corpus"),
        "REVIERLOTSE_TELEGRAM_API_URL": "http://127.0.0.1:9/bot",  # nothing listens there
        "TELEGRAM_BOT_TOKEN": "123:test",
        "HF_HUB_OFFLINE": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    children: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline:
            children.update(_children(process.pid))
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                time.sleep(0.2)
        assert health is not None, "server did not come up"
        assert health.status_code == 503 and health.json()["code"] == "index_missing"
        children.update(_children(process.pid))
        bots = [c for c in children if _alive(c) and b"assistant" in Path(f"/proc/{c}/cmdline").read_bytes()]
        assert bots, "the bot child process was not started"
        assert b"bot" in Path(f"/proc/{bots[0]}/cmdline").read_bytes()
    finally:
        process.send_signal(stop)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    output = process.stdout.read() if process.stdout else ""
    assert process.returncode == 0, output
    assert "Telegram-Bot gestartet" in output and f"Revierlotse beendet ({signal.Signals(stop).name})" in output
    assert "Traceback" not in output
    assert f"http://127.0.0.1:{port}/" in output
    time.sleep(0.2)
    assert not [c for c in children if _alive(c)], "the bot child outlived the server"


def test_bot_child_dies_with_a_killed_server(tmp_path: Path) -> None:
    """Even SIGKILL (no handler runs) does not orphan the bot: it gets SIGTERM from the kernel."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIERLOTSE_")}
    env |= {
        "REVIERLOTSE_INDEX_DIR": str(tmp_path / "index"),
        "REVIERLOTSE_CORPUS_DIR": str(tmp_path / "corpus"),
        "REVIERLOTSE_TELEGRAM_API_URL": "http://127.0.0.1:9/bot",
        "TELEGRAM_BOT_TOKEN": "123:test",
        "HF_HUB_OFFLINE": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        bots: list[int] = []
        while not bots and time.monotonic() < deadline:
            bots = [c for c in _children(process.pid) if b"bot" in Path(f"/proc/{c}/cmdline").read_bytes()]
            time.sleep(0.2)
        assert bots, "the bot child process was not started"
    finally:
        process.kill()
        process.wait()
    deadline = time.monotonic() + 30
    while _alive(bots[0]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(bots[0]), "the bot child outlived a killed server"
