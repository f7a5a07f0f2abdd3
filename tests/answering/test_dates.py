"""Dates in quoted statements: a past session or deadline is said to be past, history is left alone."""

from __future__ import annotations

import datetime as dt

from assistant.answering.dates import past_date_notices
from assistant.text.facts import dates_in

TODAY = dt.date(2026, 12, 3)


def test_dates_are_read_in_every_written_form() -> None:
    text = "Am 26. November 2018, am 21.10.2024 und am 2025-03-31."
    assert dates_in(text) == [dt.date(2018, 11, 26), dt.date(2024, 10, 21), dt.date(2025, 3, 31)]
    assert dates_in("Ohne Datum, nur 2038 als Jahr.") == []


def test_an_announced_date_in_the_past_gets_a_notice_and_history_does_not() -> None:
    quoted = [
        ("Die nächste Werkstattsitzung findet am 21.10.2024 statt.", 1),
        ("Grundlage ist die Förderrichtlinie vom 16. Juli 2020.", 2),
        ("Anträge sind bis zum 31. Dezember 2025 einzureichen.", 3),
        ("Das Treffen findet am 3. März 2027 statt.", 4),
    ]
    assert past_date_notices(quoted, TODAY) == [
        "Hinweis: Der genannte Termin (21.10.2024) [1] liegt in der Vergangenheit.",
        "Hinweis: Die genannte Frist (31.12.2025) [3] ist abgelaufen.",
    ]
    assert past_date_notices(quoted, dt.date(2024, 1, 1)) == []  # all still ahead then


PAGE = """Werkstatt Zukunft
Energie und Gemeinsinn
Die Werkstatt Zukunft bündelt Ideen für neue Arbeitsplätze in der Region.
„Wir wollen Projekte so begleiten, dass sie lange wirken.“
– Dr. Frieda Beispiel
Die nächste Werkstattsitzung findet am 21.10.2024 statt.
Mitglieder der Werkstatt
Stadt Musterstadt, Kammer Musterland
"""


def test_an_answer_quoting_a_past_session_says_it_is_past_and_keeps_the_attribution_apart(index_files) -> None:
    assistant = index_files({"werkstatt-zukunft.txt": PAGE})
    answer = assistant.ask("Wann ist die nächste Sitzung der Werkstatt Zukunft?")
    assert not answer.abstained, answer.text
    assert "21.10.2024" in answer.text and "Beispiel Die" not in answer.text  # attribution not glued on
    assert "Hinweis: Der genannte Termin (21.10.2024) [1] liegt in der Vergangenheit." in answer.notices
