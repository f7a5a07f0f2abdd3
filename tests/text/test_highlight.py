"""Highlighting marks whole words that share an analysed term with the query, never fragments."""

from __future__ import annotations

import pytest

from assistant.text.analyzer import GermanAnalyzer
from assistant.text.highlight import WordMarker

TEXT = "Zum Start: Chemierohstoff und Rohstoffe. Förderung für Startups in Sachsen-Anhalt."


@pytest.mark.parametrize(
    ("query", "marked"),
    [
        ("Stoff", []),  # not "stoff" inside "Chemierohstoff"
        ("Startups", ["Startups"]),  # not "Start"
        ("Start", ["Start"]),  # not "Startups"
        ("Rohstoff", ["Chemierohstoff", "Rohstoffe"]),  # a whole part of a compound counts
        ("Förderungen", ["Förderung"]),  # inflections through the stemmer
        ("Foerderung", ["Förderung"]),  # umlaut spelling
        ("Anhalt", ["Sachsen-Anhalt"]),  # hyphenated names stay one word
        ("und", []),  # stop words are no query terms
    ],
)
def test_whole_words_only(query: str, marked: list[str]) -> None:
    analyzer = GermanAnalyzer()
    assert WordMarker(analyzer.analyze(query), analyzer.analyze).marks(TEXT) == marked


def test_no_terms_no_marks() -> None:
    assert WordMarker([], GermanAnalyzer().analyze).marks(TEXT) == []
