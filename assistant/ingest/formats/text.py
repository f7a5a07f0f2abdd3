"""Plain text → one section.

Plain text has no reliable structure (an all-caps line may or may not be a
heading), so we do not guess: the whole file is one section and the chunker's
sentence and paragraph boundaries do the rest.
"""

from __future__ import annotations

import re
from pathlib import Path

from assistant.domain.documents import Section
from assistant.ingest.formats.encoding import decode_text
from assistant.ingest.formats.extracted import Extracted


def load_text(data: bytes, path: Path) -> Extracted:
    text, encoding = decode_text(data, path.name)
    text = re.sub(r"[ \t\u00a0]+\n", "\n", text).strip()
    warnings = [] if encoding.startswith("utf") else [f"Zeichenkodierung {encoding} erkannt und nach UTF-8 umgewandelt"]
    first_line = next((line.strip() for line in text.split("\n") if line.strip()), None)
    title_hint = first_line if first_line and len(first_line) <= 120 else None
    return Extracted(
        sections=[Section(text=text)] if text else [],
        title_hint=title_hint,
        title_hint_origin="der ersten Zeile",
        warnings=warnings,
    )
