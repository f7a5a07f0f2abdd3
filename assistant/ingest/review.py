"""The editors' review list: which documents to re-check, and which questions the knowledge base failed.

Documents are listed when their ``stand`` is older than ``review_after_months``,
their front matter has a provenance problem (``domain/provenance.py``), their
``gueltig_bis`` or ``frist`` has passed without the status saying so or ends
within ``ending_soon_days``, or a recheck found their official source changed,
gone or unreachable — the source itself and every document whose ``source_url``
is that source's URL.  Questions that were declined or marked "nicht hilfreich"
are grouped by the document that matches them best and shares an index term
with them: that is the document to extend, or, in the group without one, a
topic the knowledge base lacks.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from assistant.config import Settings
from assistant.domain.provenance import (
    availability,
    german_date,
    is_older_than,
    parse_frist,
    provenance_warnings,
)
from assistant.errors import RevierlotseError
from assistant.ingest.fetch import read_sidecar_data
from assistant.storage.records import DocumentRecord
from assistant.storage.usage_log import ReviewQuestion

if TYPE_CHECKING:
    from assistant.search.result import SearchResult

MAX_GROUPED_QUESTIONS = 100
NO_TOPIC = "Ohne passendes Dokument"
_SOURCE_REASONS = {"geaendert": "quelle_geaendert", "verschwunden": "quelle_verschwunden", "fehler": "quelle_fehler"}


class Searcher(Protocol):
    def search(self, query: str, *, k: int = 10) -> SearchResult: ...  # the Assistant


@dataclass
class Reason:
    kind: str  # stand_alt, angaben, abgelaufen, laeuft_aus, quelle_geaendert, quelle_verschwunden, quelle_fehler
    text: str


@dataclass
class DocumentReview:
    doc_id: str
    title: str
    doc_type: str
    source_path: str
    source_url: str | None
    stand: dt.date | None
    reasons: list[Reason] = field(default_factory=list)


@dataclass
class QuestionGroup:
    topic: str
    doc_id: str | None
    questions: list[ReviewQuestion]

    @property
    def total(self) -> int:
        return sum(q.declined + q.not_helpful for q in self.questions)


@dataclass
class ReviewList:
    today: dt.date
    stand_months: int
    days: int
    documents: list[DocumentReview]
    questions: list[QuestionGroup]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["today"] = self.today.isoformat()
        for doc in data["documents"]:
            doc["stand"] = doc["stand"].isoformat() if doc["stand"] else None
        for group, original in zip(data["questions"], self.questions, strict=True):
            group["total"] = original.total
        return data


def _validity_reasons(record: DocumentRecord, today: dt.date, soon_days: int) -> list[Reason]:
    meta = record.metadata
    state = availability(meta, today)
    reasons: list[Reason] = []
    # "status: offen" with a passed date is already an "angaben" warning; "ausgelaufen" is settled.
    expired = meta.gueltig_bis is not None and meta.gueltig_bis < today
    frist = parse_frist(meta.frist)
    if meta.status is None and (expired or (frist is not None and frist < today)):
        reasons.append(
            Reason("abgelaufen", f"Laut Wissensbestand {state.reason}: Feld „status“ setzen und Text prüfen.")
        )
    elif meta.status == "geschlossen" and expired:
        reasons.append(Reason(
            "abgelaufen",
            f"„gueltig_bis“ ({german_date(meta.gueltig_bis)}) ist vorbei: „status: ausgelaufen“ setzen, "
            "wenn das Programm beendet ist.",
        ))
    elif state.ending_within(soon_days) and state.ends is not None:
        reasons.append(Reason(
            "laeuft_aus",
            f"Läuft am {german_date(state.ends)} aus (in {state.days_left} Tagen): prüfen, ob verlängert wird.",
        ))
    return reasons


def _source_reasons(
    record: DocumentRecord, pending: dict[str, dict[str, Any]], by_file: dict[str, dict[str, Any]]
) -> list[Reason]:
    reasons: list[Reason] = []
    own = by_file.get(os.path.abspath(record.source_path))
    for check in [own, pending.get(record.metadata.source_url or "")]:
        if check is None:
            continue
        when = str(check.get("checked_at", ""))[:10]
        reason = Reason(_SOURCE_REASONS[check["status"]], f"Quellenprüfung vom {when}: {check.get('message', '')}")
        if all(r.text != reason.text for r in reasons):
            reasons.append(reason)
    return reasons


def pending_checks(state: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Recheck findings an editor still has to act on: changes not yet applied or re-fetched, gone, failed."""
    pending: dict[str, dict[str, Any]] = {}
    for url, check in state.items():
        status = check.get("status")
        if status not in _SOURCE_REASONS or check.get("applied"):
            continue
        sidecar = Path(str(check.get("sidecar", "")))
        if not sidecar.is_file():
            continue  # archived or deleted since
        if status == "geaendert" and read_sidecar_data(sidecar).get("inhalt_hash") == check.get("new_hash"):
            continue  # fetched again since: the stored text is the new one
        pending[url] = check
    return pending


def document_reviews(
    records: Iterable[DocumentRecord], settings: Settings, today: dt.date, state: dict[str, dict[str, Any]]
) -> list[DocumentReview]:
    """Documents that need an editor, most reasons first, then oldest ``stand``."""
    pending = pending_checks(state)
    by_file = {os.path.abspath(str(c.get("path") or "")): c for c in pending.values() if c.get("path")}
    out: list[DocumentReview] = []
    for record in records:
        meta = record.metadata
        reasons = [Reason("angaben", w) for w in provenance_warnings(meta, today)]
        if is_older_than(meta.stand, today, settings.review_after_months):
            reasons.append(Reason(
                "stand_alt",
                f"Stand {german_date(meta.stand)} ist älter als {settings.review_after_months} Monate: "
                "Fakten an der amtlichen Quelle prüfen und „stand“ aktualisieren.",
            ))
        reasons += _validity_reasons(record, today, settings.ending_soon_days)
        reasons += _source_reasons(record, pending, by_file)
        if reasons:
            out.append(DocumentReview(record.doc_id, record.title, record.doc_type, record.source_path,
                                      meta.source_url, meta.stand, reasons))
    out.sort(key=lambda d: (-len(d.reasons), d.stand or dt.date.min, d.title.casefold()))
    return out


def group_questions(questions: list[ReviewQuestion], searcher: Searcher) -> list[QuestionGroup]:
    """Group questions by their best-matching document sharing a term with them (one search each)."""
    groups: dict[str | None, QuestionGroup] = {}
    for question in questions[:MAX_GROUPED_QUESTIONS]:
        try:
            hits = searcher.search(question.question, k=1).hits
        except RevierlotseError:
            hits = []
        # The best document is the topic only if it shares an index term with the question: "Was kostet
        # ein Döner?" would otherwise land under whatever programme is nearest in embedding space.
        doc = hits[0].document if hits and any(p.lexical > 0 for p in hits[0].passages) else None
        key = doc.doc_id if doc else None
        group = groups.setdefault(key, QuestionGroup(doc.title if doc else NO_TOPIC, key, []))
        group.questions.append(question)
    return sorted(groups.values(), key=lambda g: (g.doc_id is not None, -g.total, g.topic.casefold()))
