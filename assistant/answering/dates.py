"""Dates in the quoted text itself: an announced session or a deadline that has passed is said to be past.

A page that says "Die nächste Werkstattsitzung findet am 21.10.2024 statt" is still
quoted correctly two years later, but a sponsor must not read it as the next date.
Front-matter dates (``stand``, ``frist``) are handled in ``freshness.py``; this module
looks at the statements an answer quotes, whatever the document's format.
"""

from __future__ import annotations

import datetime as dt
import re

from assistant.domain import vocabulary
from assistant.text.facts import dates_in

_ANNOUNCEMENT = re.compile(
    "|".join(rf"\b{p}" for p in vocabulary.words("questions.yaml", "announcement_patterns")), re.IGNORECASE
)
_DEADLINE = re.compile(
    "|".join(rf"\b{p}" for p in vocabulary.words("questions.yaml", "deadline_announcement_patterns")), re.IGNORECASE
)


def past_date_notices(quoted: list[tuple[str, int]], today: dt.date) -> list[str]:
    """German notices for quoted statements (text, source number) that announce a date now past."""
    notices: list[str] = []
    seen: set[dt.date] = set()
    for text, number in quoted:
        if not _ANNOUNCEMENT.search(text):
            continue
        dates = dates_in(text)
        if not dates or max(dates) >= today:
            continue  # no date, or one still ahead: nothing is over yet
        when = max(dates)
        if when in seen:
            continue
        seen.add(when)
        shown = when.strftime("%d.%m.%Y")
        if _DEADLINE.search(text):
            notices.append(f"Hinweis: Die genannte Frist ({shown}) [{number}] ist abgelaufen.")
        else:
            notices.append(f"Hinweis: Der genannte Termin ({shown}) [{number}] liegt in der Vergangenheit.")
    return notices
