"""Who applies: the sponsor types a project description states, and whether a programme is for them.

Why: "Sind wir antragsberechtigt?" is the first question of every funding check.
A gemeinnütziger Verein cannot use the InnoStartBonus (for founders) or ZIM (for
companies), however well their texts match its plan.  Programme documents say
whom they are for in the front-matter field ``zielgruppe``; this module maps the
words a sponsor uses about itself ("Gemeinde", "Mittelständler", "Lehrstuhl") to
those target groups.  A programme without ``zielgruppe`` counts as open to all.
"""

from __future__ import annotations

import re

from assistant.storage.records import DocumentRecord

# Sponsor words (regex, case-insensitive) → the ``zielgruppe`` values (casefolded) that admit them.
_PUBLIC = ("kommunen", "landkreise", "land", "öffentliche träger", "öffentliche einrichtungen", "zweckverbände",
           "kommunale unternehmen")
_COMPANY = ("unternehmen", "kmu", "handwerk", "großunternehmen", "tourismusbetriebe", "freiberufler",
            "selbstständige", "kommunale unternehmen")
_SPONSORS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), groups)
    for pattern, groups in (
        (r"\b(?:gemeinde|stadt|kommune|landkreis|zweckverband|stadtverwaltung|kreisstadt)\b", _PUBLIC),
        (
            r"\b(?:\w*unternehmen|\w*betrieb|firma|mittelständler|\w+-mittelständler|handwerk\w*|gmbh)\b",
            _COMPANY,
        ),
        (r"\b(?:start-?ups?|gründer\w*|gründen)\b", ("gründer", "start-ups", "kmu", "unternehmen")),
        (r"\b(?:verein|gemeinnützig\w*)\b", ("vereine", "gemeinnützige organisationen", "gemeinnützige träger")),
        (
            r"\b(?:hochschule|universität|wissenschaftler\w*|lehrstuhl|forschungsinstitut|forschungseinrichtung)\b",
            ("hochschulen", "forschungseinrichtungen", "wissenschaftler", "studierende"),
        ),
    )
)


def sponsor_groups(description: str) -> frozenset[str]:
    """The target groups that admit the sponsor types the description names (empty: none named)."""
    groups: set[str] = set()
    for pattern, admitted in _SPONSORS:
        if pattern.search(description):
            groups.update(admitted)
    return frozenset(groups)


def eligible(record: DocumentRecord, groups: frozenset[str]) -> bool:
    """Whether the programme's ``zielgruppe`` admits one of ``groups`` (True when either is unknown)."""
    target = {g.casefold() for g in record.metadata.zielgruppe}
    return not groups or not target or bool(target & groups)


def eligibility_note(record: DocumentRecord, groups: frozenset[str]) -> str | None:
    """The warning shown with a listed programme the sponsor may not apply for (German), else None."""
    if record.doc_type != "foerderprogramm" or eligible(record, groups):
        return None
    admitted = ", ".join(record.metadata.zielgruppe)
    return f"Laut Wissensbestand für: {admitted} – bitte prüfen, ob Sie antragsberechtigt sind."
