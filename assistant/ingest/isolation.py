"""Run one parser call in a child process with a time budget.

Why a process: parsers of hostile files (python-docx on a 75 MB document.xml,
pypdf on a crafted PDF, lxml on deep HTML) run for minutes in C or in loops we do
not own; a thread cannot be stopped, and one stuck upload held the writer lock
for the whole time (issue #19).  A child can be killed when its budget is spent,
and a parser that crashes (a segfault, the kernel's OOM killer) takes down only
the child.

Children come from a ``forkserver`` (started once per process, with the loaders
imported): forking the multi-threaded server itself could copy a lock another
thread holds and hang the child.  A call costs a fork and the pickling of the
result (~10–30 ms; figures in docs/decisions/0004-hardening.md).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

log = logging.getLogger(__name__)

# "__main__" first: the forkserver imports a main script once (as __mp_main__), so a child does
# not run it again before every file (an entry point given as "-m pkg" is skipped anyway).
PRELOAD = ["__main__", "assistant.ingest.load"]
_context: Any = None
_context_lock = threading.Lock()


class BudgetExceeded(Exception):
    """The child did not finish within its budget and was killed."""


class ChildCrashed(Exception):
    """The child died without an answer (a signal such as SIGSEGV or SIGKILL, or an exit)."""

    def __init__(self, exitcode: int | None) -> None:
        self.exitcode = exitcode
        name = signal.Signals(-exitcode).name if exitcode is not None and exitcode < 0 else f"Code {exitcode}"
        super().__init__(name)


class ChildError(Exception):
    """An exception in the child that could not be sent back as itself (e.g. not picklable)."""

    def __init__(self, type_name: str, message: str) -> None:
        self.type_name = type_name
        super().__init__(f"{type_name}: {message}")


def available() -> bool:
    """Whether children can start: not when the main program is no file (``python - < script``),
    because every child would have to run it first."""
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    return main_file is None or os.path.isfile(main_file)


def _ctx() -> Any:
    global _context
    with _context_lock:
        if _context is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(PRELOAD)
            _context = ctx
        return _context


def _child(conn: Connection, fn: Callable[..., Any], args: tuple) -> None:
    try:
        result: tuple = ("ok", fn(*args))
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
        result = ("raised", exc)
    try:
        conn.send(result)
    except Exception as exc:  # the result or the exception does not pickle
        original = result[1]
        conn.send(("error", type(original).__name__ if result[0] == "raised" else type(exc).__name__, str(original)[:500]))
    finally:
        conn.close()


def run_isolated(fn: Callable[..., Any], args: tuple, budget_s: float) -> Any:
    """``fn(*args)`` in a child process; its exception is re-raised here.

    Raises BudgetExceeded after ``budget_s`` seconds (the child is killed),
    ChildCrashed when it dies without an answer, ChildError for an exception that
    cannot be sent back.  ``fn`` must be importable by name (a module-level function).
    """
    ctx = _ctx()
    receive, send = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(send, fn, args), daemon=True, name="revierlotse-reader")
    process.start()
    send.close()
    try:
        if not receive.poll(budget_s):
            if process.is_alive():
                process.kill()
                process.join()
                raise BudgetExceeded(f"no answer within {budget_s:g} s")
            process.join()
            raise ChildCrashed(process.exitcode)
        try:
            message = receive.recv()
        except EOFError:
            process.join()
            raise ChildCrashed(process.exitcode) from None
    finally:
        receive.close()
        if process.is_alive():
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join()
    kind = message[0]
    if kind == "ok":
        return message[1]
    if kind == "raised":
        raise message[1]
    raise ChildError(message[1], message[2])
