"""Whether an answer contains the fact a question needs.

A plain substring test on normalised text: cheap, strict and easy to audit.  "90 %" and
"90 Prozent" state the same fact; citations and line breaks do not matter.
"""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
_CITATION = re.compile(r"\s?\[\d{1,3}\]")
_PERCENT_SIGN = re.compile(r"\s*%")


def normalise(text: str) -> str:
    """Casefolded, NFKC, citations removed, whitespace collapsed (also '\u00a0' and line breaks),
    and "%" spelled "Prozent"."""
    text = unicodedata.normalize("NFKC", text)
    text = _CITATION.sub("", text)
    text = _PERCENT_SIGN.sub(" Prozent", text)
    return _SPACE.sub(" ", text).strip().casefold()


def hint_found(hint: str, answer_text: str) -> bool:
    return normalise(hint) in normalise(answer_text)
