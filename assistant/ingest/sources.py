"""Fetch-and-index and recheck-and-apply: the two editor workflows for official sources.

The service hands in its ``index`` and ``remove`` (so this module needs neither the
embedder nor the service); ``fetch.py`` and ``recheck.py`` do the downloading.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.errors import FetchError
from assistant.ingest.fetch import (
    StoredSource,
    check_metadata,
    download,
    extract,
    source_files,
    store,
)
from assistant.ingest.indexer import FileOutcome, IndexReport
from assistant.ingest.recheck import (
    SourceCheck,
    archive,
    check_sources,
    load_state,
    save_state,
)

Index = Callable[[list[Path]], IndexReport]
Remove = Callable[[list[str]], IndexReport]


@dataclass
class FetchResult:
    source: StoredSource
    outcome: FileOutcome
    report: IndexReport

    def to_dict(self) -> dict[str, Any]:
        s, o = self.source, self.outcome
        return {
            "doc_id": o.doc_id,
            "status": o.status,
            "chunks": o.chunks,
            "warnings": o.warnings,
            "title": s.title,
            "path": str(s.path),
            "sidecar": str(s.sidecar),
            "source_url": s.source_url,
            "final_url": s.final_url,
            "kind": s.kind,
            "bytes": s.size,
            "inhalt_hash": s.text_hash,
            "abgerufen_am": s.fetched_at.isoformat(),
            "changed": s.changed,
            "generation": self.report.generation,
        }


def fetch_and_index(settings: Settings, index: Index, url: str, metadata: dict[str, Any] | None) -> FetchResult:
    """Download ``url``, store it under the sources folder with its sidecar, and index it.

    A new source that cannot be indexed is removed again (like an upload); a
    re-fetched one stays stored in its new version, and the error says so.
    """
    given = check_metadata(metadata)
    fetched = download(url, settings)
    stored = store(fetched, extract(fetched), given, settings.sources_dir)
    new = stored.previous_hash is None
    try:
        report = index([stored.path])
    except BaseException:
        if new:
            _delete(stored)
        raise
    outcome = next((o for o in report.outcomes if _same(o.path, stored.path)), None)
    if outcome is None or outcome.status == "failed":
        if new:
            _delete(stored)
        reason = outcome.reason if outcome else "Die Datei wurde nicht indexiert."
        raise FetchError(f"Die Quelle „{url}“ wurde abgerufen, ließ sich aber nicht indexieren: {reason}")
    return FetchResult(stored, outcome, report)


def _same(a: str | Path, b: Path) -> bool:
    return os.path.abspath(a) == os.path.abspath(b)


def _delete(stored: StoredSource) -> None:
    stored.path.unlink(missing_ok=True)
    stored.sidecar.unlink(missing_ok=True)


@dataclass
class RecheckReport:
    checks: list[SourceCheck]
    applied: bool
    reports: list[IndexReport] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for c in self.checks if c.status == status)

    def to_dict(self) -> dict[str, Any]:
        return {
            "applied": self.applied,
            "counts": {s: self.count(s) for s in ("unveraendert", "geaendert", "verschwunden", "fehler")},
            "sources": [c.to_dict() for c in self.checks],
            "generation": self.reports[-1].generation if self.reports else None,
        }


def recheck_and_apply(
    settings: Settings, index: Index, remove: Remove, doc_ids: dict[str, str], *, apply: bool
) -> RecheckReport:
    """Re-download every fetched source; with ``apply`` store and re-index changes and retire vanished ones.

    ``doc_ids`` maps indexed file paths (absolute) to document ids, to remove vanished sources.
    Without ``apply`` neither the corpus nor the index is touched; the findings go to the
    state file the review list reads.
    """
    results = check_sources(settings)
    report = RecheckReport([check for check, _ in results], applied=apply)
    if apply:
        changed: list[Path] = []
        for check, fresh in results:
            if check.status == "geaendert" and fresh is not None:
                stored = store(fresh.download, fresh.extraction, {}, settings.sources_dir)
                check.path, check.applied = str(stored.path), True
                changed.append(stored.path)
        gone = [c for c in report.checks if c.status == "verschwunden"]
        retire = [doc_ids[os.path.abspath(c.path)] for c in gone if c.path and os.path.abspath(c.path) in doc_ids]
        for check in gone:
            archive(check, settings)
            check.applied = True
        if changed:
            report.reports.append(index(changed))
        if retire:
            report.reports.append(remove(retire))
    save_state(settings, report.checks)
    return report


def list_sources(settings: Settings) -> list[dict[str, Any]]:
    """Every fetched source with its sidecar data and the last recheck finding (for the staff page)."""
    state = load_state(settings)
    out = []
    for sidecar, data in source_files(settings.sources_dir):
        url = str(data.get("source_url") or "")
        last = state.get(url, {})
        out.append({
            "title": data.get("title"),
            "source_url": url,
            "sidecar": str(sidecar),
            "abgerufen_am": str(data.get("abgerufen_am") or "") or None,
            "inhalt_hash": data.get("inhalt_hash"),
            "last_check": last.get("checked_at"),
            "last_status": last.get("status"),
            "last_message": last.get("message"),
        })
    return out
