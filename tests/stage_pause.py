"""Stop an index run at a named stage, for crash tests.

``pause_at(point, marker, seconds)`` is an ``on_stage`` hook: at ``point`` it writes
``marker`` (atomically, with the pid) and sleeps, so a test can SIGKILL the process
there.  Run as a module it indexes a corpus with that hook in a separate process:

    python -m tests.stage_pause POINT MARKER SECONDS CORPUS_DIR [upload:FILE | pending]

(the index location comes from the usual ``REVIERLOTSE_*`` environment variables).  With
``upload:FILE`` the process uploads FILE as the API does instead of indexing the corpus;
with ``pending`` it indexes the uploads a crash left pending, as a server start does.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path


def pause_at(point: str, marker: Path, seconds: float) -> Callable[[str], None]:
    def on_stage(name: str) -> None:
        if name != point:
            return
        tmp = marker.with_name(marker.name + ".tmp")
        tmp.write_text(f"{os.getpid()} {point}\n", encoding="utf-8")
        os.replace(tmp, marker)  # the waiting test never sees a half-written marker
        time.sleep(seconds)

    return on_stage


def main(argv: list[str]) -> None:
    from assistant.ingest.uploads import IncomingFile
    from assistant.service import Assistant

    point, marker, seconds, corpus, *mode = argv
    assistant = Assistant(on_stage=pause_at(point, Path(marker), float(seconds)))
    if mode and mode[0].startswith("upload:"):
        source = Path(mode[0].removeprefix("upload:"))
        with source.open("rb") as data:
            report = assistant.upload([IncomingFile(source.name, source.name, data)]).report
    elif mode and mode[0] == "pending":
        report = assistant.uploads.index_pending()
    else:
        report = assistant.index([Path(corpus)])
    print(report.generation if report else None)


if __name__ == "__main__":
    main(sys.argv[1:])
