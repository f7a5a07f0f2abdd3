"""Which files under the given paths are candidate documents.

Directories are walked recursively in sorted order (stable ids and index
order).  Hidden files and folders, metadata sidecars (``*.meta.yaml``) and
``README.md`` files (they describe a folder, they are not knowledge) are
skipped.  Files with unsupported suffixes are *kept* so the caller can report
them instead of silently ignoring a user's upload.
"""

from __future__ import annotations

import os
from pathlib import Path

from assistant.ingest.metadata import is_sidecar

SKIPPED_NAMES = frozenset({"readme.md"})


def _wanted(path: Path) -> bool:
    return not path.name.startswith(".") and not is_sidecar(path) and path.name.lower() not in SKIPPED_NAMES


def _walk(root: Path) -> list[Path]:
    found: list[Path] = []
    for current, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(current) / name
            if _wanted(path) and path.is_file():
                found.append(path)
    return found


def iter_source_files(paths: list[Path]) -> list[Path]:
    """Expand ``paths`` (files or folders) into a de-duplicated, ordered list of files.

    A path that does not exist raises :class:`FileNotFoundError` with a German
    message: a typo in a path should not look like an empty corpus.
    """
    out: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            candidates = _walk(path)
        elif path.is_file():
            candidates = [path] if not is_sidecar(path) else []
        else:
            raise FileNotFoundError(f"Pfad nicht gefunden: {path}. Bitte Schreibweise prüfen.")
        for candidate in candidates:
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                out.append(candidate)
    return out
