"""HTML → main content only, with headings, via trafilatura.

Web pages of funding banks are mostly navigation, cookie banners and footers;
indexing those would make every page match "Kontakt" or "Datenschutz".
trafilatura finds the main content; we ask for Markdown output so headings
survive and can be split with the Markdown section parser.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

from assistant.errors import EmptyDocument
from assistant.ingest.formats.extracted import Extracted
from assistant.ingest.formats.markdown import markdown_sections

_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _title_tag(data: bytes) -> str | None:
    match = _TITLE.search(data[:200_000])
    if not match:
        return None
    title = unescape(match.group(1).decode("utf-8", errors="replace"))
    return re.sub(r"\s+", " ", title).strip() or None


def load_html(data: bytes, path: Path) -> Extracted:
    import trafilatura  # lazy: heavy import, only needed for HTML

    options = dict(output_format="markdown", include_formatting=True, include_tables=True,
                   include_comments=False, include_links=False, include_images=False)
    content = trafilatura.extract(data, **options)
    if not content or not content.strip():
        # Short pages fall below trafilatura's default size limits; retry leniently.
        content = trafilatura.extract(data, favor_recall=True, **options)
    if not content or not content.strip():
        raise EmptyDocument(
            f"„{path.name}“ enthält keinen erkennbaren Haupttext (nur Navigation, Skripte o. Ä.). "
            "Bitte die Seite als PDF speichern oder den Text als Markdown ablegen."
        )
    sections, first_heading = markdown_sections(content)
    meta = trafilatura.extract_metadata(data)
    title = (meta.title if meta and meta.title else None) or first_heading or _title_tag(data)
    return Extracted(
        sections=sections,
        title_hint=title,
        title_hint_origin="dem HTML-Titel",
        no_metadata_note="Keine Metadaten-Datei",
    )
