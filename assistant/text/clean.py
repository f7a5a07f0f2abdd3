"""Text that can always be encoded: lone UTF-16 surrogates out.

JSON allows "\\ud800" on its own and Python keeps it in a str, but such a string
cannot be encoded as UTF-8: SQLite, the embedding cache key, YAML sidecars and
every JSON response would fail on it.  Free text (questions, comments) is
scrubbed; metadata that would be stored is refused instead (ingest/uploads.py).
"""

from __future__ import annotations

import re

SURROGATE = re.compile("[\ud800-\udfff]")


def scrub_surrogates(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD."""
    return SURROGATE.sub("\ufffd", text) if text else text


def has_surrogates(text: str) -> bool:
    return bool(SURROGATE.search(text))
