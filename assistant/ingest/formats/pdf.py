"""PDF → one section per page, via pypdf, with clear errors for what we cannot read.

One section per page keeps citations simple ("S. 7"): a chunk never spans pages.
Encrypted PDFs are common for official forms that only restrict printing or
editing; they open with the empty user password (AES needs ``cryptography``).
A PDF with pages but no text at all is a scan and needs OCR first; we say so
instead of indexing nothing.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

from assistant.domain.documents import Section
from assistant.errors import CorruptDocument, EmptyDocument, EncryptedDocument, NeedsOCR
from assistant.ingest.formats.extracted import Extracted
from assistant.ingest.formats.pdf_cleanup import clean_pdf_pages

log = logging.getLogger(__name__)

_BAD_TITLE_PREFIXES = ("microsoft word", "untitled", "unbenannt", "dokument", "document", "titel", "title")


def _open(data: bytes, name: str) -> Any:
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError

    try:
        reader = PdfReader(io.BytesIO(data))
    except Exception as exc:  # PdfReadError, PdfStreamError, ValueError, … from malformed files
        raise CorruptDocument(
            f"„{name}“ ist keine lesbare PDF-Datei oder beschädigt ({type(exc).__name__}: {exc}). "
            "Bitte die Datei neu herunterladen oder neu als PDF exportieren."
        ) from None
    if reader.is_encrypted:
        try:
            result = reader.decrypt("")
        except DependencyError:
            raise EncryptedDocument(
                f"„{name}“ ist AES-verschlüsselt, aber das Paket „cryptography“ fehlt. "
                "Bitte „cryptography“ installieren (siehe pyproject.toml) und erneut indexieren."
            ) from None
        except Exception as exc:
            raise EncryptedDocument(
                f"„{name}“ ist verschlüsselt und ließ sich nicht öffnen ({exc}). "
                "Bitte eine Fassung ohne Kennwortschutz verwenden."
            ) from None
        if result == PasswordType.NOT_DECRYPTED:
            raise EncryptedDocument(
                f"„{name}“ ist mit einem Kennwort geschützt. Bitte eine Fassung ohne Kennwort "
                "speichern (z. B. „Drucken als PDF“) und erneut hochladen."
            )
    return reader


def _sane_title(raw: object) -> str | None:
    """PDF metadata titles are often junk ("Microsoft Word - x.docx"); keep only plausible ones."""
    if not isinstance(raw, str):
        return None
    title = " ".join(raw.split())
    lowered = title.lower()
    if len(title) < 4 or lowered.startswith(_BAD_TITLE_PREFIXES) or lowered.endswith((".doc", ".docx", ".pdf", ".odt")):
        return None
    return title


def load_pdf(data: bytes, path: Path) -> Extracted:
    reader = _open(data, path.name)
    try:
        pages = list(reader.pages)
    except Exception as exc:
        raise CorruptDocument(
            f"„{path.name}“ ist beschädigt: die Seitenliste ist nicht lesbar ({exc}). "
            "Bitte die Datei neu herunterladen oder neu als PDF exportieren."
        ) from None
    if not pages:
        raise EmptyDocument(f"„{path.name}“ hat keine Seiten. Bitte eine vollständige PDF-Datei hochladen.")

    raw: list[str] = []
    failed: list[int] = []
    for number, page in enumerate(pages, start=1):
        try:
            raw.append(page.extract_text() or "")
        except Exception as exc:  # one broken content stream should not lose the whole file
            log.warning("%s: Seite %d nicht lesbar: %s", path.name, number, exc)
            failed.append(number)
            raw.append("")
    if len(failed) == len(pages):
        raise CorruptDocument(
            f"„{path.name}“ ist beschädigt: keine Seite ließ sich lesen. Bitte neu als PDF exportieren."
        )
    if not any(text.strip() for text in raw):
        raise NeedsOCR(
            f"„{path.name}“ enthält keinen Text (gescannt?). Bitte OCR durchführen "
            "(z. B. mit ocrmypdf) und die durchsuchbare PDF erneut hochladen."
        )

    warnings: list[str] = []
    if failed:
        warnings.append(f"Seiten nicht lesbar und übersprungen: {', '.join(map(str, failed))}")
    cleaned = clean_pdf_pages(raw)
    sections = [
        Section(text=page.text, page=number, printed_page=page.printed_page)
        for number, page in enumerate(cleaned, start=1)
        if page.text
    ]
    empty = [n for n, page in enumerate(cleaned, start=1) if not page.text and n not in failed]
    if empty:
        shown = ", ".join(map(str, empty[:20])) + (" …" if len(empty) > 20 else "")
        warnings.append(f"Seiten ohne Text (Bild/Scan oder leer): {shown}")

    try:
        title = _sane_title(reader.metadata.title) if reader.metadata else None
    except Exception:  # broken info dictionaries are common and harmless
        title = None
    return Extracted(
        sections=sections,
        title_hint=title,
        title_hint_origin="den PDF-Metadaten",
        warnings=warnings,
    )
