"""German analyzer and BM25 index: folding, stop words, compounds, masks."""

from __future__ import annotations

import numpy as np

from assistant.lexical import GermanAnalyzer, LexicalIndex, compound_parts, fold_umlauts

DOCS = [
    "Die Förderung von Projekten zum Wasserstoff in der Lausitz.",
    "Kindertagesstätten und Schulen werden nach § 4 InvKG gefördert.",
    "Sachsen-Anhalt und Sachsen teilen sich das Mitteldeutsche Revier.",
    "Wasserstoffprojekte in Leipzig erhalten Beratung.",
]


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


def test_compound_query_finds_parts_and_vice_versa() -> None:
    index = LexicalIndex.build(DOCS)
    rows, _ = index.search("Wasserstoffprojekte", 4)
    assert set(rows.tolist()[:2]) == {0, 3}
    rows, _ = index.search("Wasserstoff Projekt", 4)
    assert 3 in rows.tolist()  # the compound in the document is split at index time


def test_search_with_mask_never_returns_masked_rows() -> None:
    index = LexicalIndex.build(DOCS)
    mask = np.array([False, True, True, False])
    rows, scores = index.search("Wasserstoff Sachsen Förderung", 4, allowed=mask)
    assert set(rows.tolist()) <= {1, 2}
    assert (scores > 0).all()


def test_unknown_and_empty_queries_score_zero() -> None:
    index = LexicalIndex.build(DOCS)
    assert index.search("xylophon", 3)[0].size == 0
    assert index.search("die der das", 3)[0].size == 0


def test_save_and_load_roundtrip(tmp_path) -> None:
    index = LexicalIndex.build(DOCS)
    index.save(tmp_path / "bm25")
    loaded = LexicalIndex.load(tmp_path / "bm25")
    assert np.allclose(index.scores("Förderung Lausitz"), loaded.scores("Förderung Lausitz"))
