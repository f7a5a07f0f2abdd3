"""Crash safety: SIGKILL a real index process at chosen points of a run.

The child indexes with a stage hook that pauses at a named point (tests/stage_pause.py);
the test waits for the marker file, kills the process with SIGKILL (no cleanup code
runs, the kernel drops its flock) and then proves:

* CURRENT still names the previous generation, and that generation answers
  exactly as before (same documents, same scores), in a fresh Assistant too;
* the lock is free at once (a writer with wait 0 gets it);
* the next index run completes, publishes the new document, leaves no
  ``.building-*`` behind and does not embed again what the killed run embedded.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from assistant.errors import IndexLocked
from assistant.ingest.indexer import run_index
from assistant.service import Assistant
from assistant.storage.generations import (
    current_generation,
    generation_dirs,
    writer_lock,
)
from tests.conftest import REPO, CountingEmbedder

QUERIES = [
    "Wie hoch ist die Förderquote bei STARK?",
    "Kindertagesstätten und Breitband im Revier",
    "künstliche Intelligenz in der Lausitz",
]
MARKER_WAIT_S = 240  # only a guard against a hung child on a very busy machine; never an assertion on speed


def fingerprint(assistant: Assistant) -> list[list[tuple[str, float]]]:
    return [[(h.document.doc_id, round(h.score, 6)) for h in assistant.search(q, k=4).hits] for q in QUERIES]


def start_paused_index(settings, point: str, tmp_path: Path, mode: str | None = None) -> tuple[subprocess.Popen, Path]:
    """A separate process that indexes (or, with ``mode``, uploads, see tests/stage_pause.py) and pauses at ``point``."""
    marker = tmp_path / f"paused-{point}-{uuid.uuid4().hex[:6]}"
    env = dict(os.environ)
    env.update(
        REVIERLOTSE_INDEX_DIR=str(settings.index_dir),
        REVIERLOTSE_CORPUS_DIR=str(settings.corpus_dir),
        REVIERLOTSE_EMBEDDING_CACHE=str(settings.embedding_cache_path),
        HF_HUB_OFFLINE="1",
        PYTHONPATH=str(REPO),
    )
    log = open(tmp_path / f"index-{point}.log", "ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.stage_pause", point, str(marker), "600", str(settings.corpus_dir),
         *([mode] if mode else [])],
        env=env,
        cwd=tmp_path,  # no .env from the repository
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    return proc, marker


def wait_for_marker(proc: subprocess.Popen, marker: Path, logfile: Path) -> None:
    deadline = time.monotonic() + MARKER_WAIT_S
    while not marker.exists():
        if proc.poll() is not None:
            pytest.fail(f"index exited ({proc.returncode}) before pausing:\n{logfile.read_text(errors='replace')}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"index never reached the pause point:\n{logfile.read_text(errors='replace')}")
        time.sleep(0.1)


@pytest.mark.parametrize("point", ["embedding", "writing", "publish"])
def test_sigkill_during_index_run_loses_nothing(point: str, small_assistant: Assistant, embedder, tmp_path) -> None:
    settings = small_assistant.settings
    index_dir = settings.index_dir
    before_gen = current_generation(index_dir)
    before = fingerprint(small_assistant)
    before_docs = set(small_assistant.snapshot.documents)

    new_doc = settings.corpus_dir / "neu-absturz.md"
    token = uuid.uuid4().hex[:12]  # new text every run, so the child really has to embed
    new_doc.write_text(f"# Wärmewende {token}\n\nDie Stadtwerke Cottbus planen ein Wärmenetz ({token}).\n", "utf-8")

    proc, marker = start_paused_index(settings, point, tmp_path)
    logfile = tmp_path / f"index-{point}.log"
    try:
        wait_for_marker(proc, marker, logfile)
        # While the writer is paused it holds the lock, and readers are unaffected.
        with pytest.raises(IndexLocked):
            with writer_lock(index_dir, wait_s=0):
                pass
        assert fingerprint(small_assistant) == before
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL

    # What the killed run left behind depends on where it died.
    building = list(index_dir.glob(".building-*"))
    orphans = [g.name for g in generation_dirs(index_dir) if g.name > before_gen]
    if point == "embedding":
        assert not building and not orphans
    elif point == "writing":
        assert len(building) == 1 and not (building[0] / "manifest.json").exists() and not orphans
    else:  # publish: the complete generation was renamed into place, CURRENT not switched
        assert not building and len(orphans) == 1

    # The previous generation is still live and answers exactly as before.
    assert current_generation(index_dir) == before_gen
    assert fingerprint(small_assistant) == before
    fresh = Assistant(settings, embedder)
    assert fresh.snapshot.name == before_gen
    assert set(fresh.snapshot.documents) == before_docs
    assert fingerprint(fresh) == before

    # No stale lock: the kernel released the dead writer's flock.
    with writer_lock(index_dir, wait_s=0):
        pass

    # The next run completes cleanly and does not pay again for what the killed run embedded.
    counting = CountingEmbedder(embedder)
    report = run_index(settings, counting, [settings.corpus_dir], wait_s=0)
    assert report.changed and not report.failed
    assert {o.doc_id for o in report.outcomes if o.status == "added"} == {"neu-absturz"}
    # Chunk texts (title line + text) were all cached by the killed run; only the new
    # document's answer statements, prepared after the switch it never reached, are new.
    assert [t for t in counting.embedded if "\n" in t] == []
    assert report.generation > max([before_gen, *orphans])
    assert current_generation(index_dir) == report.generation
    assert not list(index_dir.glob(".building-*"))
    after = Assistant(settings, embedder)
    assert set(after.snapshot.documents) == before_docs | {"neu-absturz"}
    assert after.search(f"Wärmenetz Stadtwerke Cottbus {token}", k=1).hits[0].document.doc_id == "neu-absturz"
    # The documents that were there before still rank the same for the old questions.
    assert [[d for d, _ in q] for q in fingerprint(after)][0][0] == before[0][0][0]
