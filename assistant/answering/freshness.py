"""Notices about the age and validity of quoted facts, and the lines that close an answer.

Why: funding conditions change every year; an answer built on a page checked
two years ago, quoting a programme that takes no applications, or one that ends
next month, must say so — in the answer text, not only in a field a door might
not render.  Whether a programme is open is decided in ``domain/provenance.py``;
this module only words it for answers and the project check.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from assistant.answering.binding import binding_note
from assistant.answering.models import Source, closing_tail
from assistant.domain.provenance import (
    Availability,
    availability,
    german_date,
    is_older_than,
    months_before,
    parse_frist,
)
from assistant.storage.records import DocumentRecord

__all__ = ["Closing", "closing_lines", "document_notices", "months_before", "notices_for", "parse_frist"]

ENDING_SOON_DAYS = 60


def _where(record: DocumentRecord) -> str:
    url = record.metadata.source_url
    return f" unter {url}" if url else " bei der zuständigen Stelle"


def availability_notice(record: DocumentRecord, state: Availability, ref: str = "") -> str | None:
    """"Keine Anträge möglich …" for a closed programme, "nur noch bis …" for one ending soon, else None."""
    if state.closed:
        return (
            f"Achtung: Für „{record.title}“{ref} sind derzeit keine Anträge möglich – laut Wissensbestand "
            f"{state.reason}. Ob es einen neuen Aufruf gibt, bitte{_where(record)} nachsehen."
        )
    if state.ends is not None and state.days_left is not None:
        days = "heute" if state.days_left == 0 else f"in {state.days_left} Tagen"
        return (
            f"Hinweis: „{record.title}“{ref} läuft laut Wissensbestand am {german_date(state.ends)} aus ({days}). "
            f"Anträge rechtzeitig stellen und die Frist{_where(record)} prüfen."
        )
    return None


def document_notices(
    record: DocumentRecord,
    *,
    number: int | None,
    today: dt.date,
    stale_after_months: int,
    soon_days: int = ENDING_SOON_DAYS,
) -> list[str]:
    """German notices for one document: old ``stand``; closed, expired or ending soon ("[n]" when cited)."""
    meta = record.metadata
    ref = f" [{number}]" if number is not None else ""
    notices: list[str] = []
    if meta.stand is not None and is_older_than(meta.stand, today, stale_after_months):
        notices.append(
            f"Hinweis: Die Angaben aus „{record.title}“{ref} wurden zuletzt am {german_date(meta.stand)} "
            f"geprüft (älter als {stale_after_months} Monate) und können veraltet sein. "
            f"Bitte den aktuellen Stand{_where(record)} prüfen."
        )
    state = availability(meta, today)
    if state.closed or state.ending_within(soon_days):
        notice = availability_notice(record, state, ref)
        if notice:
            notices.append(notice)
    return notices


def notices_for(
    sources: list[Source],
    documents: Mapping[str, DocumentRecord],
    *,
    today: dt.date,
    stale_after_months: int,
    soon_days: int = ENDING_SOON_DAYS,
) -> list[str]:
    """Notices for the cited documents, once per document (with the number of its first source)."""
    notices: list[str] = []
    seen: set[str] = set()
    for source in sources:
        record = documents.get(source.doc_id)
        if record is None or source.doc_id in seen:
            continue
        seen.add(source.doc_id)
        notices.extend(
            document_notices(
                record, number=source.number, today=today, stale_after_months=stale_after_months, soon_days=soon_days
            )
        )
    return notices


@dataclass
class Closing:
    """What follows an answer's own text: notices, then the binding note as the last line."""

    notices: list[str] = field(default_factory=list)
    binding_note: str | None = None

    def append_to(self, text: str) -> str:
        return text + closing_tail(self.notices, self.binding_note)


def closing_lines(
    text: str,
    sources: list[Source],
    documents: Mapping[str, DocumentRecord],
    *,
    today: dt.date,
    stale_after_months: int,
    soon_days: int = ENDING_SOON_DAYS,
) -> Closing:
    """Notices for the cited documents and, when the text states conditions, the binding note."""
    return Closing(
        notices_for(sources, documents, today=today, stale_after_months=stale_after_months, soon_days=soon_days),
        binding_note(text, sources, documents),
    )
