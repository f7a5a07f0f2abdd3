"""Test hook: pause the indexer at a named point so a crash test can SIGKILL it there.

Only active when ``REVIERLOTSE_TEST_PAUSE_AT`` is set (never in normal operation):

* ``REVIERLOTSE_TEST_PAUSE_AT`` – comma-separated points at which to pause:
  ``embedding`` (after the first batch of new passages was embedded and cached),
  ``writing`` (inside the ``.building-NNNNNN`` directory: chunk table and vectors
  written, BM25 and manifest not yet), ``publish`` (generation renamed into place,
  ``CURRENT`` not yet switched).
* ``REVIERLOTSE_TEST_PAUSE_MARKER`` – file written (with the pid and point) when the
  pause begins; default ``<tmp>/revierlotse-paused-<point>-<pid>``.
* ``REVIERLOTSE_TEST_PAUSE_S`` – how long to sleep (default 300 s); then the run goes on.

tests/reliability/test_crash.py waits for the marker file and kills the process.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)

ENV_POINTS = "REVIERLOTSE_TEST_PAUSE_AT"
ENV_MARKER = "REVIERLOTSE_TEST_PAUSE_MARKER"
ENV_SECONDS = "REVIERLOTSE_TEST_PAUSE_S"


def pause_at(point: str) -> None:
    """Write the marker and sleep if ``point`` is requested; a no-op otherwise."""
    wanted = os.environ.get(ENV_POINTS)
    if not wanted or point not in {p.strip() for p in wanted.split(",")}:
        return
    marker = Path(os.environ.get(ENV_MARKER) or Path(tempfile.gettempdir()) / f"revierlotse-paused-{point}-{os.getpid()}")
    tmp = marker.with_name(marker.name + ".tmp")
    tmp.write_text(f"{os.getpid()} {point}\n", encoding="utf-8")
    os.replace(tmp, marker)  # the waiting test never sees a half-written marker
    seconds = float(os.environ.get(ENV_SECONDS, "300"))
    log.warning("test hook: paused at %r for %.0f s (marker %s)", point, seconds, marker)
    time.sleep(seconds)
