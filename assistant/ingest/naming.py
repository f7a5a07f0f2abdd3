"""Stable document ids and readable fallback titles derived from file names.

Ids end up in chunk ids (``doc#position``), URLs and citations, so they must be
plain lowercase ASCII that survives every door; German umlauts are folded the way
Germans write them without umlauts (ä → ae), not stripped (ä → a), so that
"Förderrichtlinie" stays recognisable as "foerderrichtlinie".
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ẞ": "SS"})
_NON_SLUG = re.compile(r"[^a-z0-9]+")


def fold_umlauts(text: str) -> str:
    """ä→ae, ö→oe, ü→ue, ß→ss; other accents dropped (é→e) via NFKD."""
    text = unicodedata.normalize("NFC", text).translate(_UMLAUTS)  # "o" + U+0308 is ö too
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def slugify(name: str) -> str:
    """Lowercase ASCII slug: "STARK Förderrichtlinie" → "stark-foerderrichtlinie".

    A name with no usable character at all (e.g. "###") gets a short hash so the id
    is still stable and non-empty.
    """
    slug = _NON_SLUG.sub("-", fold_umlauts(name).lower()).strip("-")
    if not slug:
        slug = "dokument-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return slug


def prettify_stem(stem: str) -> str:
    """File name → fallback title: separators become spaces, case is kept."""
    pretty = re.sub(r"[_\s]+", " ", stem).strip()
    pretty = re.sub(r"(?<=\w)-(?=\s)|(?<=\s)-(?=\w)", " ", pretty)
    return re.sub(r"\s+", " ", pretty).strip() or stem
