"""Uploads that are not indexed yet, in a small journal beside them (``uploads/.uploads.json``).

Why: a server killed while indexing an upload left the file in the upload folder,
unknown to the index and to every route (issue #19).  Now an upload is *pending*
from the moment it is stored until an index run has published it; a run that
starts reading it first counts an *attempt* (written to disk before the file is
read), so after a crash the next start knows which files were being read:

* pending, attempts < MAX_ATTEMPTS  → indexed again at start-up or by the next run,
  and the run's report says it is a repeated attempt;
* pending, attempts >= MAX_ATTEMPTS → *failed* ("stopped the indexer twice"), never
  fed to the indexer again without someone deciding so;
* a file an index run refuses (unreadable, too big, over its time budget) is
  *failed* with the reason, unless the uploading request reported it itself.

Failed files move to ``uploads/.failed/`` (hidden, so no re-index reads them) until
an admin discards them.  The journal lives in the upload folder because it
describes those files and is backed up with them.  Writes are atomic (temporary
file, fsync, rename) under a flock, since the server and a CLI run may share it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from assistant.ingest.metadata import sidecar_path

log = logging.getLogger(__name__)

JOURNAL = ".uploads.json"
FAILED_DIR = ".failed"
MAX_ATTEMPTS = 2
State = Literal["pending", "failed"]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class UploadEntry:
    file: str  # name in the upload folder (in .failed/ once failed)
    original_name: str | None
    state: State
    received_at: str
    attempts: int = 0
    reason: str | None = None
    failed_at: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


class UploadJournal:
    """The journal of one upload folder; every method reads and writes it under a lock."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def path(self) -> Path:
        return self.folder / JOURNAL

    @property
    def failed_dir(self) -> Path:
        return self.folder / FAILED_DIR

    # --- storage ------------------------------------------------------------------

    def _read(self) -> dict[str, UploadEntry]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return {e["file"]: UploadEntry(**e) for e in raw.get("uploads", [])}
        except FileNotFoundError:
            return {}
        except (ValueError, TypeError, KeyError, AttributeError) as exc:  # damaged: start over, keep a copy
            log.error("upload journal %s unreadable (%s); starting a new one", self.path, exc)
            with contextlib.suppress(OSError):
                os.replace(self.path, self.path.with_suffix(".json.damaged"))
            return {}

    def _write(self, entries: dict[str, UploadEntry]) -> None:
        tmp = self.path.with_name(JOURNAL + ".tmp")
        payload = {"uploads": [e.to_dict() for e in sorted(entries.values(), key=lambda e: e.received_at)]}
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, ensure_ascii=False, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
        fd = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def _editing(self) -> Iterator[dict[str, UploadEntry]]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / ".uploads.lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            entries = self._read()
            before = {k: v.to_dict() for k, v in entries.items()}
            yield entries
            if {k: v.to_dict() for k, v in entries.items()} != before:
                self._write(entries)

    # --- reading --------------------------------------------------------------------

    def entries(self) -> list[UploadEntry]:
        """All entries, oldest first (no lock: the journal is replaced atomically)."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            found = [UploadEntry(**e) for e in raw.get("uploads", [])]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            log.error("upload journal %s unreadable: %s", self.path, exc)
            return []
        return sorted(found, key=lambda e: e.received_at)

    def pending_paths(self) -> list[Path]:
        return [self.folder / e.file for e in self.entries() if e.state == "pending"]

    def owns(self, path: Path) -> bool:
        """Whether ``path`` is a file directly in this upload folder."""
        try:
            return Path(os.path.abspath(path)).parent == Path(os.path.abspath(self.folder))
        except (OSError, ValueError):
            return False

    # --- changing -------------------------------------------------------------------

    def add_pending(self, name: str, original_name: str | None) -> None:
        with self._editing() as entries:
            entries[name] = UploadEntry(name, original_name, "pending", _now())

    def forget(self, names: list[str]) -> None:
        """Drop entries (an upload request that reported its outcome itself, or an indexed file)."""
        with self._editing() as entries:
            for name in names:
                entries.pop(name, None)

    def begin_attempt(self, paths: list[Path]) -> dict[str, int]:
        """Count an attempt for every pending upload among ``paths``, on disk, before reading them."""
        counted: dict[str, int] = {}
        if not self.path.exists():
            return counted
        with self._editing() as entries:
            for path in paths:
                entry = entries.get(Path(path).name)
                if entry is not None and entry.state == "pending" and self.owns(path):
                    entry.attempts += 1
                    counted[entry.file] = entry.attempts
        return counted

    def undo_attempt(self, names: list[str]) -> None:
        """A run that ended with an error (not a crash) does not count against its files."""
        with self._editing() as entries:
            for name in names:
                if name in entries and entries[name].state == "pending" and entries[name].attempts > 0:
                    entries[name].attempts -= 1

    def fail(self, name: str, reason: str) -> None:
        """Mark an upload failed and move it (and its sidecar) out of the corpus into .failed/."""
        with self._editing() as entries:
            entry = entries.get(name)
            if entry is None:
                return
            self.failed_dir.mkdir(exist_ok=True)
            for path in (self.folder / name, sidecar_path(self.folder / name)):
                if path.exists():
                    os.replace(path, self.failed_dir / path.name)
            entry.state, entry.reason, entry.failed_at = "failed", reason, _now()
        log.warning("upload %s failed: %s", name, reason)

    def discard(self, name: str) -> UploadEntry | None:
        """Delete a pending or failed upload's entry and file; None when there is no such entry."""
        with self._editing() as entries:
            entry = entries.pop(name, None)
        if entry is None:
            return None
        where = self.failed_dir if entry.state == "failed" else self.folder
        for path in (where / name, sidecar_path(where / name)):
            path.unlink(missing_ok=True)
        return entry

    def reconcile(self, indexed_hashes: dict[str, str], content_hash) -> list[UploadEntry]:  # noqa: ANN001
        """After a crash: settle what is already indexed or gone, fail what stopped the indexer too often.

        ``indexed_hashes`` maps absolute source paths of the live snapshot to their content
        hashes; ``content_hash(path)`` hashes a file the same way.  Returns the entries
        still pending.
        """
        if not self.path.exists():
            return []
        failed: list[tuple[str, str]] = []
        with self._editing() as entries:
            for name, entry in list(entries.items()):
                if entry.state != "pending":
                    continue
                path = self.folder / name
                if not path.is_file():  # the request died before the file was in place
                    entries.pop(name)
                    continue
                known = indexed_hashes.get(os.path.abspath(path))
                if known is not None and known == content_hash(path):  # published; the journal lagged behind
                    entries.pop(name)
                elif entry.attempts >= MAX_ATTEMPTS:
                    failed.append((name, _crashed_reason(entry)))
        for name, reason in failed:
            self.fail(name, reason)
        return [e for e in self.entries() if e.state == "pending"]


def _crashed_reason(entry: UploadEntry) -> str:
    return (
        f"Das Indexieren von „{entry.original_name or entry.file}“ wurde {entry.attempts}-mal abgebrochen "
        "(Absturz oder Neustart des Servers während die Datei gelesen wurde). Sie wird nicht noch einmal "
        "versucht; bitte die Datei prüfen (z. B. als PDF speichern) und erneut hochladen."
    )


def repeated_attempt_warning(attempt: int) -> str:
    return (
        f"Erneuter Versuch ({attempt}. von {MAX_ATTEMPTS}): das letzte Indexieren dieser hochgeladenen Datei "
        "wurde abgebrochen (Absturz oder Neustart des Servers)."
    )
