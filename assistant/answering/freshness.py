"""Notices about outdated facts: an old ``stand`` or a programme ``frist`` that has passed.

Why: funding conditions change every year; an answer built on a page checked
two years ago, or naming a deadline that is over, must say so — in the answer
text, not only in a field a door might not render.
"""

from __future__ import annotations

import datetime as dt
import re

from assistant.answering.models import Source
from assistant.storage.records import DocumentRecord

_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_GERMAN = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")


def months_before(today: dt.date, months: int) -> dt.date:
    """The date ``months`` calendar months before ``today`` (day clipped to the month's end)."""
    y, m = divmod(today.year * 12 + today.month - 1 - months, 12)
    month = m + 1
    for day in (today.day, 30, 29, 28):
        try:
            return dt.date(y, month, day)
        except ValueError:
            continue
    return dt.date(y, month, 28)


def parse_frist(frist: str | None) -> dt.date | None:
    """The last date in a ``frist`` field ('2025-03-31', '31.03.2025'); None for 'laufend' and the like."""
    if not frist:
        return None
    dates: list[dt.date] = []
    for y, m, d in _ISO.findall(frist):
        try:
            dates.append(dt.date(int(y), int(m), int(d)))
        except ValueError:
            pass
    for d, m, y in _GERMAN.findall(frist):
        try:
            dates.append(dt.date(int(y), int(m), int(d)))
        except ValueError:
            pass
    return max(dates) if dates else None


def _de(date: dt.date) -> str:
    return date.strftime("%d.%m.%Y")


def document_notices(
    record: DocumentRecord,
    *,
    number: int | None,
    today: dt.date,
    stale_after_months: int,
) -> list[str]:
    """German notices for one document: old ``stand``, passed ``frist`` ("[n]" when it is a cited source)."""
    meta = record.metadata
    ref = f" [{number}]" if number is not None else ""
    where = f" unter {meta.source_url}" if meta.source_url else " bei der zuständigen Stelle"
    notices: list[str] = []
    if meta.stand is not None and meta.stand < months_before(today, stale_after_months):
        notices.append(
            f"Hinweis: Die Angaben aus „{record.title}“{ref} wurden zuletzt am {_de(meta.stand)} "
            f"geprüft (älter als {stale_after_months} Monate) und können veraltet sein. "
            f"Bitte den aktuellen Stand{where} prüfen."
        )
    frist = parse_frist(meta.frist)
    if frist is not None and frist < today:
        notices.append(
            f"Hinweis: Die im Wissensbestand hinterlegte Frist für „{record.title}“{ref} "
            f"ist am {_de(frist)} abgelaufen. Ob es einen neuen Aufruf gibt, bitte{where} nachsehen."
        )
    return notices


def notices_for(
    sources: list[Source],
    documents: dict[str, DocumentRecord],
    *,
    today: dt.date,
    stale_after_months: int,
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
            document_notices(record, number=source.number, today=today, stale_after_months=stale_after_months)
        )
    return notices
