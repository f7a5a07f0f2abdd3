"""What a format loader hands back to :func:`load_document` before metadata is resolved.

Kept separate from :mod:`models` because it is internal to this package: the rest
of the system only ever sees a finished :class:`~assistant.documents.models.Document`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.domain.documents import Section
from assistant.ingest.metadata import FrontMatter


@dataclass
class Extracted:
    """Sections plus hints the format offers for the title and metadata."""

    sections: list[Section]
    title_hint: str | None = None
    title_hint_origin: str = "dem Dokument"
    front_matter: FrontMatter | None = None
    no_metadata_note: str = "Keine Metadaten-Datei"
    warnings: list[str] = field(default_factory=list)
