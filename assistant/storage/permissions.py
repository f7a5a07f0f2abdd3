"""Permission problems while writing, as one German error that names the path.

A read-only index folder, a full disk or files owned by another user used to end
as a generic 500 or an "internal_error" job.  Writers wrap their work in
``writing(...)``; readers never need it (the usage log copes on its own).
"""

from __future__ import annotations

import contextlib
import errno
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from assistant.errors import IndexNotWritable

_PERMISSION = {errno.EACCES, errno.EPERM, errno.EROFS}
_SQLITE_HINTS = ("readonly", "read-only", "unable to open", "disk i/o", "database or disk is full")


def not_writable(path: Path | str, exc: BaseException) -> IndexNotWritable:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        why = "der Datenträger ist voll"
    elif isinstance(exc, OSError) and exc.errno == errno.EROFS:
        why = "das Dateisystem ist schreibgeschützt"
    elif isinstance(exc, sqlite3.Error):
        why = f"SQLite: {exc}"
    else:
        why = "keine Schreibrechte"
    return IndexNotWritable(
        f"Kein Schreibzugriff auf „{path}“ ({why}). Es wurde nichts geändert; Suchen und Antworten "
        "funktionieren weiter. Bitte Rechte und freien Platz prüfen: der Dienst muss in den Index-Ordner, "
        "den Upload-Ordner und in den Embedding-Cache schreiben dürfen."
    )


@contextlib.contextmanager
def writing(where: Path, sqlite_path: Path | None = None) -> Iterator[None]:
    """Turn permission, read-only and disk-full errors raised inside into IndexNotWritable.

    ``where`` is named when the error carries no file name; ``sqlite_path`` is named for
    SQLite errors (they never say which file).
    """
    try:
        yield
    except OSError as exc:
        if exc.errno in _PERMISSION or exc.errno == errno.ENOSPC:
            raise not_writable(exc.filename or where, exc) from exc
        raise
    except sqlite3.OperationalError as exc:
        if any(hint in str(exc).lower() for hint in _SQLITE_HINTS):
            raise not_writable(sqlite_path or where, exc) from exc
        raise
