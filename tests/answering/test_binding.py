"""When an answer closes with "Verbindlich ist allein die aktuelle Richtlinie des Fördergebers …"."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.answering.binding import (
    binding_note,
    quoted_statements,
    states_conditions,
)
from assistant.answering.freshness import closing_lines
from assistant.answering.models import Answer, Source
from assistant.domain.documents import DocumentMetadata
from assistant.storage.records import DocumentRecord


@pytest.mark.parametrize(
    "statement",
    [
        "Gefördert wird mit einem Zuschuss von bis zu 90 Prozent der zuwendungsfähigen Ausgaben",
        "Die Förderung beträgt höchstens 200.000 Euro je Vorhaben",
        "Anträge sind bis zum 30.06.2027 einzureichen",
        "Anträge können laufend gestellt werden",
        "Antragsberechtigt sind Kommunen und Zweckverbände",
        "Gefördert werden Elektrolyseure und Speicher",
        "Unternehmen in Schwierigkeiten sind ausgeschlossen",
    ],
)
def test_conditions(statement: str) -> None:
    assert states_conditions(statement)


@pytest.mark.parametrize(
    "statement",
    [
        "Das Forum findet seit 2012 in Leipzig statt",
        "Die Werkstatt stärkt regionale Innovationspotenziale in der Lausitz",
        "Das Team berät Projektträger zu Vernetzung und Wissenstransfer",
    ],
)
def test_no_conditions(statement: str) -> None:
    assert not states_conditions(statement)


def _source(number: int, doc_id: str, doc_type: str) -> Source:
    return Source(number, doc_id, doc_id.upper(), doc_type, f"corpus/{doc_id}.md", f"https://example.org/{doc_id}",
                  dt.date(2026, 11, 1), "", None, None, "")


def _record(doc_id: str, doc_type: str, **meta) -> DocumentRecord:
    metadata = DocumentMetadata(title=doc_id, type=doc_type, **meta)
    return DocumentRecord(doc_id, f"corpus/{doc_id}.md", doc_id, metadata, "h", "markdown")


def test_statements_are_split_at_their_citations() -> None:
    text = "„STARK“: Gefördert wird bis zu 90 Prozent [1]. Die Laufzeit beträgt vier Jahre [1][2]. Schluss"
    assert quoted_statements(text) == [
        ("„STARK“: Gefördert wird bis zu 90 Prozent", [1]),
        ("Die Laufzeit beträgt vier Jahre", [1, 2]),
    ]


def test_note_names_the_foerdergeber_of_the_quoted_programme() -> None:
    docs = {"stark": _record("stark", "foerderprogramm", foerdergeber="BAFA")}
    note = binding_note("Gefördert wird bis zu 90 Prozent [1].", [_source(1, "stark", "foerderprogramm")], docs)
    assert note == "Verbindlich ist allein die aktuelle Richtlinie des Fördergebers, hier BAFA; bitte vor dem Antrag dort prüfen."


def test_no_note_for_descriptions_or_event_history() -> None:
    docs = {"forum": _record("forum", "veranstaltung"), "werkstatt": _record("werkstatt", "strategie")}
    event = "Das 12. Forum fand am 12.06.2023 mit 500 Gästen und 20.000 Euro Budget statt [1]."
    assert binding_note(event, [_source(1, "forum", "veranstaltung")], docs) is None
    plain = "Die Werkstatt stärkt regionale Innovationspotenziale [1]."
    assert binding_note(plain, [_source(1, "werkstatt", "strategie")], docs) is None


def test_closing_puts_the_note_last_and_body_strips_it() -> None:
    today = dt.date(2026, 12, 3)
    docs = {"alt": _record("alt", "foerderprogramm", status="geschlossen", stand=dt.date(2026, 11, 1),
                           source_url="https://example.org/alt")}
    text = "Die Förderquote beträgt 50 Prozent [1]."
    closing = closing_lines(text, [_source(1, "alt", "foerderprogramm")], docs, today=today, stale_after_months=18)
    assert len(closing.notices) == 1 and "keine Anträge möglich" in closing.notices[0]
    full = closing.append_to(text)
    assert full.splitlines()[-1] == closing.binding_note
    answer = Answer("id", "q", "q", full, [], 0.9, False, notices=closing.notices, binding_note=closing.binding_note)
    assert answer.body == text
