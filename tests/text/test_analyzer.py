"""The German analyzer: folding, stop words, compound parts, remembered analyses."""

from __future__ import annotations

from assistant.text.analyzer import GermanAnalyzer, compound_parts, fold_umlauts


def test_fold_umlauts() -> None:
    assert fold_umlauts("förderung straße übergang ärger") == "foerderung strasse uebergang aerger"


def test_umlaut_free_spelling_matches() -> None:
    a = GermanAnalyzer()
    assert a.analyze("Foerderung") == a.analyze("Förderung")
    assert a.analyze("Strasse") == a.analyze("Straße")


def test_stop_words_removed_but_numbers_kept() -> None:
    terms = GermanAnalyzer().analyze("Wie bekomme ich die Förderung nach § 7 für 2038?")
    assert "die" not in terms and "wie" not in terms
    assert "7" in terms and "2038" in terms


def test_compound_parts() -> None:
    assert compound_parts("wasserstoffprojekte") == ("wasserstoff", "projekte")
    assert compound_parts("foerdermittel") == ("förder", "mittel")
    assert compound_parts("projekt") == ()  # too short to be a compound worth splitting


