"""DOCX → sections by Word heading styles; tables become "a | b | c" lines.

Word documents carry their structure in paragraph styles ("Heading 2", German
Word: "Überschrift 2"), not in the text, so we read styles rather than guess.
Body paragraphs and tables are read in document order so a table stays under
the heading it belongs to.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from assistant.domain.documents import Section
from assistant.errors import CorruptDocument, DocumentTooBig, EncryptedDocument
from assistant.ingest.formats.extracted import Extracted

_HEADING_STYLE = re.compile(r"^(?:heading|überschrift)\s*(\d)$", re.IGNORECASE)
_TITLE_STYLES = {"title", "titel"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .doc and password-protected .docx
_TOTAL_PARTS = 4  # all parts together may unpack to this many times the per-part limit


def _heading_level(paragraph: Any, known: dict[str | None, int | None]) -> int | None:
    """1..9 for heading styles, 0 for the document title style, None for body text.

    ``known`` remembers the level per style id: python-docx resolves a paragraph's
    style by scanning every style of the document (~2 ms per paragraph with Word's
    usual 160 styles), which made a 20,000-paragraph file take 16 s.
    """
    try:
        style_id = paragraph._p.style  # the raw w:pStyle value (None: the default style)
    except AttributeError:
        style_id = None
    if style_id in known:
        return known[style_id]
    try:
        name = (paragraph.style.name or "").strip()
    except (AttributeError, KeyError, ValueError):
        name = ""
    match = _HEADING_STYLE.match(name)
    level = int(match.group(1)) if match else (0 if name.lower() in _TITLE_STYLES else None)
    known[style_id] = level
    return level


def _table_lines(table: Any) -> list[str]:
    lines = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = re.sub(r"\s+", " ", cell.text).strip()
            if not cells or text != cells[-1]:  # merged cells repeat their text
                cells.append(text)
        if any(cells):
            lines.append(" | ".join(cells))
    return lines


def _open(data: bytes, name: str) -> Any:
    import docx  # lazy: only needed for DOCX

    if data.startswith(_OLE_MAGIC):
        raise EncryptedDocument(
            f"„{name}“ ist kennwortgeschützt oder ein altes Word-Format (.doc). "
            "Bitte in Word ohne Kennwort als .docx speichern und erneut hochladen."
        )
    try:
        return docx.Document(io.BytesIO(data))
    except Exception as exc:  # BadZipFile, KeyError (no [Content_Types].xml), ValueError (not Word) …
        raise CorruptDocument(
            f"„{name}“ ist keine gültige Word-Datei (DOCX) oder beschädigt ({type(exc).__name__}). "
            "Bitte die Datei in Word öffnen und erneut als .docx speichern."
        ) from None


def check_unpacked_size(data: bytes, name: str, max_part_bytes: int) -> None:
    """Refuse a DOCX whose parts would unpack beyond the limit, before anything is parsed.

    python-docx reads every part into memory and lxml parses the XML ones; a 332 KB
    file whose document.xml inflates to 75 MB took 1.4 GB and minutes (issue #19).
    The sizes in the zip directory can be trusted for this: zipfile stops reading a
    member at its declared size and fails its CRC check if the data says otherwise.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = [(info.filename, info.file_size) for info in archive.infolist()]
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # not a zip: _open says so with its own message
    for part, size in parts:
        if size > max_part_bytes:
            raise DocumentTooBig(
                f"„{name}“ ist entpackt zu groß: der Teil {part[:80]} hat {_mb(size)} MB, erlaubt sind "
                f"{_mb(max_part_bytes)} MB je Teil (REVIERLOTSE_MAX_UNPACKED_MB). "
                "Bitte die Datei aufteilen oder als PDF speichern."
            )
    total = sum(size for _, size in parts)
    if total > _TOTAL_PARTS * max_part_bytes:
        raise DocumentTooBig(
            f"„{name}“ ist entpackt {_mb(total)} MB groß; erlaubt sind {_TOTAL_PARTS} × {_mb(max_part_bytes)} MB "
            "(REVIERLOTSE_MAX_UNPACKED_MB). Bitte die Datei aufteilen oder als PDF speichern."
        )


def _mb(n: int) -> str:
    return f"{n / 1048576:.1f}".replace(".", ",")


def load_docx(data: bytes, path: Path) -> Extracted:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = _open(data, path.name)
    sections: list[Section] = []
    heading_stack: list[tuple[int, str]] = []
    buf: list[str] = []
    title_style: str | None = None
    first_heading: str | None = None
    levels: dict[str | None, int | None] = {}

    def flush() -> None:
        text = "\n".join(buf).strip()
        if text:
            sections.append(Section(text=text, heading_path=tuple(h for _, h in heading_stack)))
        buf.clear()

    try:
        blocks = list(document.iter_inner_content())
    except Exception as exc:  # a DOCX with a broken body part
        raise CorruptDocument(f"„{path.name}“ ist beschädigt ({exc}). Bitte erneut als .docx speichern.") from None
    for block in blocks:
        if isinstance(block, Table):
            buf.extend(_table_lines(block))
            continue
        if not isinstance(block, Paragraph):
            continue
        text = re.sub(r"[ \t\u00a0]+", " ", block.text).strip()
        if not text:
            continue
        level = _heading_level(block, levels)
        if level is None:
            buf.append(text)
            continue
        if level == 0:
            title_style = title_style or text
            continue
        flush()
        first_heading = first_heading or text
        while heading_stack and heading_stack[-1][0] >= level:
            heading_stack.pop()
        heading_stack.append((level, text))
    flush()

    core_title = None
    try:
        core_title = (document.core_properties.title or "").strip() or None
    except Exception:  # broken docProps are not worth failing the document for
        core_title = None
    if core_title:
        hint, origin = core_title, "den Word-Dokumenteigenschaften"
    elif title_style:
        hint, origin = title_style, "der Titel-Formatvorlage"
    else:
        hint, origin = first_heading, "der ersten Überschrift"
    return Extracted(sections=sections, title_hint=hint, title_hint_origin=origin)
