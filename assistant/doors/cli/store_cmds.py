"""`revierlotse migrate`: move an embedded snapshot into the PostgreSQL store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from assistant.config import Settings
from assistant.doors.cli.app import EXIT_ERROR, app, err, fail, out
from assistant.errors import RevierlotseError
from assistant.storage.backends import open_backend


@app.command()
def migrate(
    source: Annotated[
        Optional[Path], typer.Option("--from", help="Snapshot-Ordner; Standard REVIERLOTSE_INDEX_DIR.")
    ] = None,
    cache: Annotated[
        Optional[Path], typer.Option(help="Vektor-Cache (SQLite); Standard REVIERLOTSE_EMBEDDING_CACHE.")
    ] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Einen vorhandenen Index in der Datenbank ersetzen.")] = False,
    wait: Annotated[float, typer.Option(help="Sekunden warten, falls gerade ein anderer Vorgang indexiert.")] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Bericht als JSON.")] = False,
) -> None:
    """Den lokalen Snapshot samt Vektor-Cache in die Datenbank (REVIERLOTSE_STORE_URL) übernehmen."""
    settings = Settings()
    if settings.store_url is None:
        err.print(
            "[bold red]Fehler:[/] REVIERLOTSE_STORE_URL ist nicht gesetzt. Ziel der Übernahme ist eine "
            "PostgreSQL-Datenbank, z. B. REVIERLOTSE_STORE_URL=postgresql://revierlotse@localhost:5432/revierlotse.",
            highlight=False,
        )
        raise typer.Exit(EXIT_ERROR)
    index_dir = source or settings.index_dir
    cache_path = cache or settings.embedding_cache_path
    from assistant.storage.postgres.migrate import migrate as run_migration

    try:
        backend = open_backend(settings)
        try:
            report = run_migration(index_dir, cache_path, backend, replace=replace, wait_s=wait)  # type: ignore[arg-type]
        finally:
            backend.close()
    except RevierlotseError as exc:
        raise fail(exc) from exc
    if as_json:
        out.print_json(json.dumps(report.__dict__, ensure_ascii=False))
        return
    out.print(
        f"Übernommen: Snapshot {report.source} aus '{index_dir}' → {report.generation} in {backend.label}: "
        f"{report.documents} Dokumente, {report.chunks} Abschnitte, {report.cached_vectors} Vektoren aus dem Cache. "
        "Geprüft: Dokumente, Vektoren und BM25 stimmen überein.",
        highlight=False,
    )
