"""Re-download every fetched source and say which changed, vanished or failed.

Checking never touches the corpus or the index: it only records what it found in
``index_dir/quellen-pruefung.json`` (beside the usage log, so re-indexing keeps
it), where the review list reads it.  Applying (``recheck --apply``) is a
separate step the service runs: changed sources are stored again and
re-indexed; vanished ones (HTTP 404/410) leave the index and their files move to
``quellen/.archiv/`` (hidden, so not indexed, but nothing is deleted).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from assistant.config import Settings
from assistant.errors import FetchError, SourceGone
from assistant.ingest.fetch import (
    Download,
    Extraction,
    download,
    extract,
    file_for,
    source_files,
)

CheckStatus = Literal["unveraendert", "geaendert", "verschwunden", "fehler"]
STATE_FILE = "quellen-pruefung.json"
ARCHIVE = ".archiv"
PARALLEL_DOWNLOADS = 4


@dataclass
class SourceCheck:
    """The result of re-downloading one fetched source."""

    source_url: str
    sidecar: str
    path: str | None
    status: CheckStatus
    message: str
    checked_at: str
    old_hash: str | None = None
    new_hash: str | None = None
    applied: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Fresh:
    """A download kept in memory between checking and applying."""

    download: Download
    extraction: Extraction


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _check_one(sidecar: Path, data: dict[str, Any], settings: Settings) -> tuple[SourceCheck, _Fresh | None]:
    url = str(data.get("source_url") or "")
    path = file_for(sidecar)
    old = data.get("inhalt_hash")
    base = dict(source_url=url, sidecar=str(sidecar), path=str(path) if path else None, checked_at=_now(), old_hash=old)
    if not url or not old:
        message = (
            f"„{sidecar.name}“ hat kein source_url oder inhalt_hash; bitte die Quelle neu abrufen (revierlotse fetch)."
        )
        return SourceCheck(status="fehler", message=message, **base), None
    try:
        fresh = download(url, settings)
        extraction = extract(fresh)
    except SourceGone as exc:
        return SourceCheck(status="verschwunden", message=exc.message, **base), None
    except FetchError as exc:
        return SourceCheck(status="fehler", message=exc.message, **base), None
    if extraction.text_hash == old:
        return SourceCheck(status="unveraendert", message="Der Text ist unverändert.", new_hash=old, **base), None
    message = "Der Text der Quelle hat sich geändert; die Dokumente, die sich auf sie stützen, bitte prüfen."
    check = SourceCheck(status="geaendert", message=message, new_hash=extraction.text_hash, **base)
    return check, _Fresh(fresh, extraction)


def check_sources(settings: Settings) -> list[tuple[SourceCheck, _Fresh | None]]:
    """Re-download every source in the sources folder (a few at a time) and compare the text hashes."""
    entries = source_files(settings.sources_dir)
    if not entries:
        return []
    with ThreadPoolExecutor(max_workers=min(PARALLEL_DOWNLOADS, len(entries))) as pool:
        return list(pool.map(lambda entry: _check_one(entry[0], entry[1], settings), entries))


def archive(check: SourceCheck, settings: Settings) -> None:
    """Move a vanished source's file and sidecar into ``quellen/.archiv/`` (not indexed, not deleted)."""
    target = settings.sources_dir / ARCHIVE
    target.mkdir(parents=True, exist_ok=True)
    stamp = dt.date.today().isoformat()
    for name in (check.path, check.sidecar):
        if name and Path(name).exists():
            shutil.move(name, target / f"{stamp}-{Path(name).name}")


# --- the state file the review list reads ------------------------------------------------


def state_path(settings: Settings) -> Path:
    return settings.index_dir / STATE_FILE


def load_state(settings: Settings) -> dict[str, dict[str, Any]]:
    """The last check per source URL ({} when there was none or the file is unreadable)."""
    try:
        data = json.loads(state_path(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_state(settings: Settings, checks: list[SourceCheck]) -> None:
    """Replace the recorded checks atomically (the sources that were checked are the current set)."""
    path = state_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    tmp.write_text(json.dumps({c.source_url: c.to_dict() for c in checks}, ensure_ascii=False, indent=1), "utf-8")
    os.replace(tmp, path)
