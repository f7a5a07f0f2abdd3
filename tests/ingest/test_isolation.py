"""A parser call in the worker process (assistant/ingest/isolation.py): result, exception, budget, crash.

The functions below run in the real worker process, so they live at module level
(the worker imports them by name).
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


def test_a_worker_over_its_budget_is_killed_and_replaced() -> None:
    from assistant.ingest import isolation

    run_isolated(double, (1,), 30)
    old = isolation._worker.process
    with pytest.raises(BudgetExceeded):
        run_isolated(sleep_long, (600.0,), 0.5)
    assert old.poll() is not None  # killed, not left running
    assert run_isolated(double, (2,), 30) == 4  # a new worker answers
    assert isolation._worker.process.pid != old.pid


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGSEGV])
def test_a_worker_that_dies_is_reported_with_its_signal(sig: int) -> None:
    with pytest.raises(ChildCrashed, match=signal.Signals(sig).name):
        run_isolated(die, (int(sig),), 30)
    assert run_isolated(double, (5,), 30) == 10


def test_a_script_without_main_guard_is_not_run_again(tmp_path) -> None:
    """multiprocessing's spawn/forkserver children re-run the parent's main script; ours must not."""
    import subprocess
    import sys

    from tests.conftest import REPO

    script = tmp_path / "unguarded.py"
    script.write_text(
        "from tests.ingest.test_isolation import double\n"
        "from assistant.ingest.isolation import run_isolated\n"
        "print('top-level ran')\n"
        "print(run_isolated(double, (21,), 60))\n",
        "utf-8",
    )
    proc = subprocess.run([sys.executable, str(script)], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["top-level", "ran", "42"]
