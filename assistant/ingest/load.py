"""File → :class:`Document`: size check, format dispatch, metadata, id and hash.

This is the one entry point the indexer uses per file; format modules only turn
bytes into sections.  The hash covers the file *and* its sidecar so editing
``foo.meta.yaml`` alone re-indexes ``foo.pdf``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.domain.documents import Document
from assistant.errors import (
    DocumentError,
    DocumentTooBig,
    EmptyDocument,
    FileTooLarge,
    UnsupportedFileType,
)
from assistant.ingest.formats.docx import check_unpacked_size, load_docx
from assistant.ingest.formats.extracted import Extracted
from assistant.ingest.formats.html import load_html
from assistant.ingest.formats.markdown import load_markdown
from assistant.ingest.formats.pdf import load_pdf
from assistant.ingest.formats.text import load_text
from assistant.ingest.metadata import (
    FrontMatter,
    read_sidecar,
    resolve_metadata,
    sidecar_path,
)
from assistant.ingest.naming import prettify_stem, slugify

Loader = Callable[[bytes, Path], Extracted]

_LOADERS: dict[str, tuple[str, Loader]] = {
    ".md": ("markdown", load_markdown),
    ".markdown": ("markdown", load_markdown),
    ".txt": ("text", load_text),
    ".pdf": ("pdf", load_pdf),
    ".html": ("html", load_html),
    ".htm": ("html", load_html),
    ".docx": ("docx", load_docx),
}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(_LOADERS)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".replace(".", ",")


def _check_file(path: Path, max_bytes: int) -> int:
    suffix = path.suffix.lower()
    if suffix not in _LOADERS:
        shown = suffix or "(ohne Endung)"
        raise UnsupportedFileType(
            f"„{path.name}“: Dateityp {shown} wird nicht unterstützt. "
            f"Möglich sind: {', '.join(SUPPORTED_SUFFIXES)}. Bitte die Datei z. B. als PDF oder Markdown speichern."
        )
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise DocumentError(f"„{path}“ wurde nicht gefunden. Bitte den Pfad prüfen.") from None
    if not path.is_file():
        raise UnsupportedFileType(f"„{path}“ ist keine Datei. Bitte eine Datei angeben.")
    if size > max_bytes:
        raise FileTooLarge(
            f"„{path.name}“ ist {_mb(size)} MB groß; erlaubt sind höchstens {_mb(max_bytes)} MB. "
            "Bitte die Datei aufteilen oder verkleinern (oder REVIERLOTSE_MAX_FILE_MB erhöhen)."
        )
    if size == 0:
        raise EmptyDocument(f"„{path.name}“ ist leer (0 Byte). Bitte eine Datei mit Inhalt hochladen.")
    return size


def _check_chars(path: Path, extracted: Extracted, max_chars: int) -> None:
    chars = sum(len(s.text) for s in extracted.sections)
    if chars > max_chars:
        raise DocumentTooBig(
            f"„{path.name}“ enthält {_thousands(chars)} Zeichen Text; erlaubt sind höchstens {_thousands(max_chars)} "
            "je Dokument (REVIERLOTSE_MAX_DOCUMENT_CHARS). Bitte die Datei in kleinere Dokumente aufteilen."
        )


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _sibling_warning(path: Path) -> list[str]:
    """foo.pdf and foo.docx would share foo.meta.yaml; say so rather than guess."""
    siblings = [p.name for p in path.parent.iterdir()
                if p != path and p.stem == path.stem and p.suffix.lower() in _LOADERS]
    if siblings:
        return [f"„{sidecar_path(path).name}“ gilt auch für {', '.join(sorted(siblings))}"]
    return []


def content_hash(path: Path) -> str:
    """sha256 over the file bytes followed by its sidecar's bytes (if any), without parsing.

    Lets the indexer skip unchanged files cheaply; equals ``load_document(path).content_hash``.
    """
    path = Path(path)
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    side = sidecar_path(path)
    if side.is_file():
        digest.update(side.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class ReadLimits:
    """How big one file may be on disk, unpacked and as text (Settings has the same fields)."""

    max_bytes: int
    max_unpacked_bytes: int | None = None
    max_chars: int | None = None


def read_document(path: Path, limits: ReadLimits) -> Document:
    """``load_document`` with all limits; a module-level function so a child process can run it."""
    return load_document(
        path, max_bytes=limits.max_bytes, max_unpacked_bytes=limits.max_unpacked_bytes, max_chars=limits.max_chars
    )


def load_document(
    path: Path,
    *,
    max_bytes: int,
    max_unpacked_bytes: int | None = None,
    max_chars: int | None = None,
    today: dt.date | None = None,
) -> Document:
    """Load one file; raises a :class:`~assistant.errors.DocumentError` subclass with a German message.

    ``today`` judges dates in the front matter (a ``stand`` in the future …); default: the system date.
    """
    path = Path(path)
    _check_file(path, max_bytes)
    file_type, loader = _LOADERS[path.suffix.lower()]
    data = path.read_bytes()
    sidecar, sidecar_bytes = read_sidecar(path)
    if file_type == "docx" and max_unpacked_bytes:
        check_unpacked_size(data, path.name, max_unpacked_bytes)
    extracted = loader(data, path)
    if max_chars is not None:
        _check_chars(path, extracted, max_chars)

    sources: list[FrontMatter] = [s for s in (sidecar, extracted.front_matter) if s is not None]
    no_meta_note = extracted.no_metadata_note
    if file_type != "markdown" and not sources:
        no_meta_note = f"Keine Metadaten-Datei „{sidecar_path(path).name}“"
    resolved = resolve_metadata(
        sources,
        title_hint=extracted.title_hint,
        title_hint_origin=extracted.title_hint_origin,
        fallback_title=prettify_stem(path.stem),
        no_metadata_note=no_meta_note,
        today=today,
    )
    sections = [s for s in extracted.sections if s.text.strip()]
    if not sections:
        raise EmptyDocument(
            f"„{path.name}“ enthält keinen Text. Bitte eine Datei mit Inhalt hochladen "
            "(bei gescannten Dokumenten vorher OCR durchführen)."
        )
    warnings = list(extracted.warnings) + resolved.warnings
    if sidecar is not None:
        warnings += _sibling_warning(path)
    digest = hashlib.sha256(data)
    digest.update(sidecar_bytes)
    title = resolved.metadata.title or prettify_stem(path.stem)
    return Document(
        doc_id=resolved.doc_id or slugify(path.stem),
        source_path=path,
        title=title,
        metadata=resolved.metadata,
        sections=sections,
        content_hash=digest.hexdigest(),
        file_type=file_type,
        warnings=warnings,
    )
