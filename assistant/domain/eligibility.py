"""Who applies: the sponsor types a project description states, and whether a programme is for them.

Why: "Sind wir antragsberechtigt?" is the first question of every funding check.
A gemeinnütziger Verein cannot use the InnoStartBonus (for founders) or ZIM (for
companies), however well their texts match its plan.  Programme documents say
whom they are for in the front-matter field ``zielgruppe``; this module maps the
words a sponsor uses about itself ("Gemeinde", "Mittelständler", "Lehrstuhl") to
those target groups (``data/sponsors.yaml``).  A programme without ``zielgruppe``
counts as open to all.
"""

from __future__ import annotations

import functools
import re

from assistant.domain import vocabulary
from assistant.domain.doctypes import DocType
from assistant.domain.documents import DocumentMetadata


@functools.cache
def _sponsors() -> tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]:
    """(sponsor words, target groups that admit them) from ``data/sponsors.yaml``."""
    data = vocabulary.load("sponsors.yaml")
    groups = data["groups"]
    return tuple(
        (re.compile(entry["words"], re.IGNORECASE), tuple(groups[entry["admitted_by"]])) for entry in data["sponsors"]
    )


# Where a description says who the applicant is: "Wir sind ein Verein …", "Als Gemeinde …",
# "Unser Start-up …".  Sponsor words elsewhere name partners or users ("… mit Handwerkern").
_SELF = re.compile(r"\b(?:wir\s+sind|wir\s+als|als|unser\w*|ich\s+bin)\b[^.!?;]*", re.IGNORECASE)


def sponsor_groups(description: str) -> frozenset[str]:
    """The target groups that admit the sponsor types the description names (empty: none named).

    When the description says who the applicant is ("Wir sind ein Verein"), only that counts.
    """
    own = " ".join(m.group() for m in _SELF.finditer(description))
    for text in (own, description):
        groups: set[str] = set()
        for pattern, admitted in _sponsors():
            if pattern.search(text):
                groups.update(admitted)
        if groups:
            return frozenset(groups)
    return frozenset()


def eligible(meta: DocumentMetadata, groups: frozenset[str]) -> bool:
    """Whether the programme's ``zielgruppe`` admits one of ``groups`` (True when either is unknown)."""
    target = {g.casefold() for g in meta.zielgruppe}
    return not groups or not target or bool(target & groups)


def eligibility_note(meta: DocumentMetadata, groups: frozenset[str]) -> str | None:
    """The warning shown with a listed programme the sponsor may not apply for (German), else None."""
    if meta.type != DocType.FOERDERPROGRAMM or eligible(meta, groups):
        return None
    admitted = ", ".join(meta.zielgruppe)
    return f"Laut Wissensbestand für: {admitted} – bitte prüfen, ob Sie antragsberechtigt sind."
