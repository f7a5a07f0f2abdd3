"""Run one parser call in a separate worker process with a time budget.

Why a process: parsers of hostile files (python-docx on a 75 MB document.xml,
pypdf on a crafted PDF, lxml on deep HTML) run for minutes in C or in loops we do
not own; a thread cannot be stopped, and one stuck upload held the writer lock
for the whole time (issue #19).  A worker can be killed when its budget is spent,
and a parser that crashes (a segfault, the kernel's OOM killer) takes down only
the worker.

Why our own worker and not multiprocessing: its spawn and forkserver children
first re-import the parent's main script, and a script without an
``if __name__ == "__main__"`` guard that indexes would start itself again,
recursively.  The worker is ``python -m assistant.ingest.isolation``, started once
and reused (one call costs a pickle round trip, ~1 ms); it is replaced after a
timeout or crash, and recycled when it grew large.  It exits when its parent
does (end of its input).  Figures: docs/decisions/0004-hardening.md.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any, BinaryIO

log = logging.getLogger(__name__)

_HEADER = struct.Struct("!Q")
RECYCLE_AFTER_CALLS = 500
RECYCLE_ABOVE_MB = 768
START_TIMEOUT_S = 120.0  # importing the parsers; only a guard against a worker that never answers


class BudgetExceeded(Exception):
    """The worker did not finish within its budget and was killed."""


class ChildCrashed(Exception):
    """The worker died without an answer (a signal such as SIGSEGV or SIGKILL, or an exit)."""

    def __init__(self, exitcode: int | None) -> None:
        self.exitcode = exitcode
        name = signal.Signals(-exitcode).name if exitcode is not None and exitcode < 0 else f"Code {exitcode}"
        super().__init__(name)


class ChildError(Exception):
    """An exception in the worker that could not be sent back as itself (e.g. not picklable)."""

    def __init__(self, type_name: str, message: str) -> None:
        self.type_name = type_name
        super().__init__(f"{type_name}: {message}")


def _write(stream: BinaryIO, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read_exact(stream: BinaryIO, n: int) -> bytes:
    data = bytearray()
    while len(data) < n:
        block = stream.read(n - len(data))
        if not block:
            raise EOFError
        data += block
    return bytes(data)


def _read(stream: BinaryIO) -> Any:
    (size,) = _HEADER.unpack(_read_exact(stream, _HEADER.size))
    return pickle.loads(_read_exact(stream, size))


class _Worker:
    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)  # so functions of the caller import
        self.process = subprocess.Popen(
            [sys.executable, "-m", "assistant.ingest.isolation"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, close_fds=True, bufsize=0,
        )
        self.calls = 0

    def call(self, fn: Callable[..., Any], args: tuple, budget_s: float) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            _write(self.process.stdin, (fn, args))
        except (BrokenPipeError, OSError):
            raise ChildCrashed(self.process.wait()) from None
        self.calls += 1
        ready, _, _ = select.select([self.process.stdout], [], [], budget_s)
        if not ready:
            self.kill()
            raise BudgetExceeded(f"no answer within {budget_s:g} s")
        try:
            return _read(self.process.stdout)
        except (EOFError, struct.error):
            raise ChildCrashed(self.process.wait()) from None
        except Exception as exc:  # an answer that does not unpickle here (the worker itself is fine)
            return ("error", type(exc).__name__, "die Antwort des Leseprozesses ist nicht lesbar")

    @property
    def worn(self) -> bool:
        return self.calls >= RECYCLE_AFTER_CALLS or _rss_mb(self.process.pid) > RECYCLE_ABOVE_MB

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


_worker: _Worker | None = None
_lock = threading.Lock()


def run_isolated(fn: Callable[..., Any], args: tuple, budget_s: float) -> Any:
    """``fn(*args)`` in the worker process; its exception is re-raised here.

    Raises BudgetExceeded after ``budget_s`` seconds (the worker is killed),
    ChildCrashed when it dies without an answer, ChildError for an exception that
    cannot be sent back.  ``fn`` must be importable by name (a module-level function).
    Calls are serialised: indexing reads one file at a time anyway.
    """
    global _worker
    with _lock:
        if _worker is None or _worker.process.poll() is not None:
            _worker = _Worker()
        worker = _worker
        try:
            kind, *payload = worker.call(fn, args, budget_s)
        except (BudgetExceeded, ChildCrashed):
            worker.kill()
            _worker = None
            raise
        if worker.worn:
            worker.kill()
            _worker = None
    if kind == "ok":
        return payload[0]
    if kind == "raised":
        raise payload[0]
    raise ChildError(*payload)


def _serve() -> None:
    """The worker: read (function, args), answer ("ok", result) | ("raised", exc) | ("error", type, text)."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a parser that prints must not break the protocol
    import assistant.ingest.load  # noqa: F401 - the parsers, imported once

    source = sys.stdin.buffer
    while True:
        try:
            fn, args = _read(source)
        except EOFError:  # the parent is gone
            return
        try:
            answer: tuple = ("ok", fn(*args))
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
            answer = ("raised", exc)
        try:
            _write(out, answer)
        except Exception as exc:  # the result or the exception does not pickle
            original = answer[1]
            name = type(original).__name__ if answer[0] == "raised" else type(exc).__name__
            _write(out, ("error", name, str(original)[:500]))


if __name__ == "__main__":
    _serve()
