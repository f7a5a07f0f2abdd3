"""Stopping a server or bot process a test started, whatever state it is in."""

from __future__ import annotations

import signal
import subprocess


def stop_process(process: subprocess.Popen, sig: signal.Signals = signal.SIGTERM, wait_s: float = 30) -> None:
    """Send ``sig``; kill the process when it has not exited after ``wait_s``."""
    if process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(wait_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
