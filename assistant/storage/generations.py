"""Generation directories, the CURRENT pointer, the writer lock and garbage collection."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from assistant.errors import IndexLocked

CURRENT = "CURRENT"


_GEN_PREFIX = "gen-"


_GEN_NAME = re.compile(r"gen-[0-9]{6,}")


_KEEP_GENERATIONS = 3


def generation_dirs(index_dir: Path) -> list[Path]:
    """Complete generations, newest first."""
    if not index_dir.is_dir():
        return []
    gens = [p for p in index_dir.iterdir() if p.is_dir() and p.name.startswith(_GEN_PREFIX)]
    return sorted(gens, key=lambda p: p.name, reverse=True)


def current_generation(index_dir: Path) -> str | None:
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def next_generation_name(index_dir: Path) -> str:
    numbers = [int(p.name[len(_GEN_PREFIX) :]) for p in generation_dirs(index_dir) if p.name[4:].isdigit()]
    for p in index_dir.glob(".building-*"):
        with contextlib.suppress(ValueError):
            numbers.append(int(p.name.split("-")[-1]))
    return f"{_GEN_PREFIX}{(max(numbers, default=0) + 1):06d}"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish_generation(
    index_dir: Path, building: Path, name: str, before_switch: Callable[[], None] | None = None
) -> Path:
    """Move a fully written generation into place and point CURRENT at it (atomic steps).

    ``before_switch`` runs when the generation is in place and CURRENT not yet switched.
    """
    for f in building.rglob("*"):
        if f.is_file():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
    final = index_dir / name
    os.rename(building, final)
    _fsync_dir(index_dir)
    if before_switch is not None:
        before_switch()
    tmp = index_dir / f".{CURRENT}.tmp"
    tmp.write_text(name + "\n", encoding="utf-8")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / CURRENT)
    _fsync_dir(index_dir)
    return final


def drop_unpublished(index_dir: Path, newest_served: str | None) -> list[str]:
    """Delete generations newer than ``newest_served``: a crash between their rename and the
    switch of CURRENT left them behind, and they were never served.

    Without this they counted as fallbacks and pushed the last generation that had
    really been served out of the kept ones (issue #19).  Call under the writer lock.
    """
    if newest_served is None or not _GEN_NAME.fullmatch(newest_served):
        return []
    dropped = []
    for gen in generation_dirs(index_dir):
        if gen.name > newest_served:
            shutil.rmtree(gen, ignore_errors=True)
            dropped.append(gen.name)
    return dropped


def collect_garbage(index_dir: Path, keep: int = _KEEP_GENERATIONS) -> None:
    """Drop old generations (keeping a few as fallbacks) and abandoned build directories."""
    live = current_generation(index_dir)
    for old in generation_dirs(index_dir)[keep:]:
        if old.name != live:
            shutil.rmtree(old, ignore_errors=True)
    for stale in index_dir.glob(".building-*"):
        shutil.rmtree(stale, ignore_errors=True)


@contextlib.contextmanager
def writer_lock(index_dir: Path, wait_s: float = 0.0) -> Iterator[None]:
    """Exclusive writer lock; a crashed writer's lock vanishes with its process."""
    index_dir.mkdir(parents=True, exist_ok=True)
    fh = open(index_dir / ".lock", "a+")
    deadline = time.monotonic() + wait_s
    try:
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise IndexLocked() from None
                time.sleep(0.2)
        yield
    finally:
        fh.close()
