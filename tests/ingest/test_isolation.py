"""A parser call in a child process (assistant/ingest/isolation.py): result, exception, budget, crash.

The functions below run in real forkserver children, so they live at module level
(the child imports them by name).
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from assistant.errors import CorruptDocument
from assistant.ingest.isolation import BudgetExceeded, ChildCrashed, ChildError, run_isolated


def double(x: int) -> int:
    return 2 * x


def big_result(n: int) -> str:
    return "ä" * n


def recurse(depth: int) -> int:
    return recurse(depth + 1)


def sleep_long(seconds: float) -> None:
    time.sleep(seconds)


def die(sig: int) -> None:
    os.kill(os.getpid(), sig)


class Unpicklable(Exception):
    def __init__(self, message: str, handle) -> None:  # noqa: ANN001 - two args, so pickle cannot rebuild it
        super().__init__(message)
        self.handle = handle


def raise_unpicklable() -> None:
    raise Unpicklable("kaputt", threading.Lock())


def raise_document_error(name: str) -> None:
    raise CorruptDocument(f"„{name}“ ist beschädigt.")


def test_result_comes_back() -> None:
    assert run_isolated(double, (21,), 30) == 42
    assert run_isolated(big_result, (3_000_000,), 30) == "ä" * 3_000_000  # larger than a pipe buffer


def test_an_exception_in_the_child_is_raised_here_as_itself() -> None:
    with pytest.raises(RecursionError):
        run_isolated(recurse, (0,), 30)
    with pytest.raises(CorruptDocument, match="„a.pdf“ ist beschädigt"):
        run_isolated(raise_document_error, ("a.pdf",), 30)


def test_an_exception_that_cannot_travel_is_named() -> None:
    with pytest.raises(ChildError, match="Unpicklable: kaputt") as info:
        run_isolated(raise_unpicklable, (), 30)
    assert info.value.type_name == "Unpicklable"


def test_a_child_over_its_budget_is_killed() -> None:
    before = set(_children())
    with pytest.raises(BudgetExceeded):
        run_isolated(sleep_long, (600.0,), 0.5)
    assert set(_children()) - before == set()  # nothing left running


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGSEGV])
def test_a_child_that_dies_is_reported_with_its_signal(sig: int) -> None:
    with pytest.raises(ChildCrashed, match=signal.Signals(sig).name):
        run_isolated(die, (int(sig),), 30)


def _children() -> list[int]:
    """Our child processes that are readers (the forkserver itself is not counted)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                cmdline = handle.read()
        except OSError:
            continue
        if b"forkserver" not in cmdline and fields[0] != "Z" and int(fields[1]) in _forkservers():
            found.append(int(pid))
    return found


def _forkservers() -> set[int]:
    from multiprocessing import forkserver

    pid = getattr(forkserver._forkserver, "_forkserver_pid", None)
    return {pid} if pid else set()
