"""Crash safety: SIGKILL a real index process at chosen points of a run.

The child indexes with a stage hook that pauses at a named point (tests/stage_pause.py);
the test waits for the marker file, kills the process with SIGKILL (no cleanup code
runs, the kernel drops its flock) and then proves:

* the previous generation is still live and answers exactly as before (same
  documents, same scores), in a fresh Assistant too;
* the lock is free at once (a writer with wait 0 gets it; on PostgreSQL the server
  first has to notice the dead client, which it does within milliseconds);
* the next index run completes, publishes the new document, leaves nothing half
  written behind and does not embed again what the killed run embedded.

Both backends: the snapshot leaves a ``.building-*`` directory (killed while writing) or
a complete but unswitched generation directory (killed before the switch), both
ignored and collected; PostgreSQL rolls the generation's one transaction back and
leaves nothing.
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

from assistant.config import Settings
from assistant.errors import IndexLocked
from assistant.ingest.indexer import run_index
from assistant.service import Assistant
from assistant.storage.backends import open_backend
from assistant.storage.generations import generation_dirs
from tests.conftest import BACKENDS, REPO, CountingEmbedder, live_generation
from tests.pg_server import psql

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
    env.pop("REVIERLOTSE_STORE_URL", None)
    if settings.store_url is not None:
        env["REVIERLOTSE_STORE_URL"] = settings.store_url.get_secret_value()
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


def assert_lock_free(settings: Settings) -> None:
    """No stale lock: the kernel dropped the dead writer's flock; PostgreSQL ended its session."""
    backend = open_backend(settings)
    try:
        with backend.writer_lock(wait_s=0 if settings.store_url is None else 10):
            pass
    finally:
        backend.close()


def leftovers(settings: Settings, before_gen: str) -> tuple[list[str], list[str]]:
    """(half-written generations, complete generations newer than before_gen that never went live)."""
    if settings.store_url is None:
        index_dir = settings.index_dir
        return ([p.name for p in index_dir.glob(".building-*")],
                [g.name for g in generation_dirs(index_dir) if g.name > before_gen])
    url = settings.store_url.get_secret_value()
    schemas = psql(url, r"SELECT nspname FROM pg_namespace WHERE nspname ~ '^gen_[0-9]+$' ORDER BY 1").split()
    listed = psql(url, "SELECT schema_name FROM revierlotse.generations ORDER BY 1").split()
    newer = psql(url, f"SELECT name FROM revierlotse.generations WHERE name > '{before_gen}'").split()
    return [s for s in schemas if s not in listed], newer


@pytest.mark.parametrize("store_url", BACKENDS, indirect=True)
@pytest.mark.parametrize("point", ["embedding", "writing", "publish"])
def test_sigkill_during_index_run_loses_nothing(point: str, small_assistant: Assistant, embedder, tmp_path) -> None:
    settings = small_assistant.settings
    snapshot = settings.store_url is None
    before_gen = live_generation(settings)
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
        with pytest.raises(IndexLocked, match="gerade von einem anderen Vorgang"):
            with small_assistant.backend.writer_lock(wait_s=0):
                pass
        assert fingerprint(small_assistant) == before
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL

    # What the killed run left behind depends on where it died.
    building, orphans = leftovers(settings, before_gen)
    if point == "embedding" or not snapshot:  # PostgreSQL rolled the whole generation back
        assert not building and not orphans
    elif point == "writing":
        assert len(building) == 1 and not (settings.index_dir / building[0] / "manifest.json").exists() and not orphans
    else:  # publish: the complete generation was renamed into place, CURRENT not switched
        assert not building and len(orphans) == 1

    # The previous generation is still live and answers exactly as before.
    assert live_generation(settings) == before_gen
    assert fingerprint(small_assistant) == before
    fresh = Assistant(settings, embedder)
    assert fresh.snapshot.name == before_gen
    assert set(fresh.snapshot.documents) == before_docs
    assert fingerprint(fresh) == before

    assert_lock_free(settings)

    # The next run completes cleanly and does not pay again for what the killed run embedded.
    counting = CountingEmbedder(embedder)
    report = run_index(settings, counting, [settings.corpus_dir], wait_s=0)
    assert report.changed and not report.failed
    assert {o.doc_id for o in report.outcomes if o.status == "added"} == {"neu-absturz"}
    # Chunk texts (title line + text) were all cached by the killed run; only the new
    # document's answer statements, prepared after the switch it never reached, are new.
    assert [t for t in counting.embedded if "\n" in t] == []
    assert report.generation > max([before_gen, *orphans])
    assert live_generation(settings) == report.generation
    assert leftovers(settings, report.generation) == ([], [])
    after = Assistant(settings, embedder)
    assert set(after.snapshot.documents) == before_docs | {"neu-absturz"}
    assert after.search(f"Wärmenetz Stadtwerke Cottbus {token}", k=1).hits[0].document.doc_id == "neu-absturz"
    # The documents that were there before still rank the same for the old questions.
    assert [[d for d, _ in q] for q in fingerprint(after)][0][0] == before[0][0][0]
