"""German analyzer and BM25 index: folding, stop words, compounds, masks."""

from __future__ import annotations

import numpy as np

from assistant.storage.bm25 import LexicalIndex
from assistant.text.analyzer import GermanAnalyzer

DOCS = [
    "Die Förderung von Projekten zum Wasserstoff in der Lausitz.",
    "Kindertagesstätten und Schulen werden nach § 4 InvKG gefördert.",
    "Sachsen-Anhalt und Sachsen teilen sich das Mitteldeutsche Revier.",
    "Wasserstoffprojekte in Leipzig erhalten Beratung.",
]










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


TYPO_DOCS = [
    "Die Förderquote beträgt 90 Prozent in der Lausitz.",
    "Eine höhere Förderquote gilt für Kommunen in der Lausitz.",
    "Der Strukturwandel im Revier braucht Wasserstoff.",
    "Strukturwandel und Beratung für Vereine.",
    "Die Granitbrücke in Leipzig.",
    "Der Kohleausstieg kommt bis 2038.",
    "Nach dem Kohleausstieg fehlen Arbeitsplätze.",
]


def test_misspelled_terms_find_the_document() -> None:
    index = LexicalIndex.build(TYPO_DOCS)
    rows, _ = index.search("Förderqoute", 5)
    assert set(rows.tolist()) == {0, 1}
    assert "strukturwandel" in index.query_terms("Strukturwandle")
    assert set(index.search("Strukturwandle", 5)[0].tolist()) == {2, 3}
    assert {"forderquot", "lausitz"} <= index.term_weights("Förderqoute Lausiz").keys()
    # the stemmer cuts a misspelt word oddly ("kohleausst"); the unstemmed word is tried as well
    assert "kohleausstieg" in index.query_terms("Kohleausstig")


def test_only_long_unknown_terms_are_corrected_and_only_to_frequent_terms() -> None:
    index = LexicalIndex.build(TYPO_DOCS)
    assert index.correct("lausitz") is None  # known terms stay
    assert index.correct("lasuitz") == "lausitz"  # swapped neighbours are one edit
    assert index.correct("lausitzz") == "lausitz"
    assert index.correct("laus") is None  # too short to guess
    assert index.correct("xylophon") is None  # nothing near
    assert index.correct("granitbrucke") is None  # the neighbour occurs in one chunk only
    assert index.query_terms("Lausitz Kasse") == ["lausitz"]
    # an English query's unknown words are English words, not typos of German terms
    assert index.query_terms("What is the Förderqoute of the programme?") == []


def test_unknown_compound_of_known_parts_counts_as_its_parts() -> None:
    index = LexicalIndex.build(["Projekte zum Wasserstoff in Sachsen.", "Wasserstoff und Projekte in Leipzig."])
    assert index.analyze("Wasserstoffprojekte")[0] == "wasserstoffprojekt"  # unknown as a whole
    assert set(index.term_weights("Wasserstoffprojekte")) == {"wasserstoff", "projekt"}


def test_an_unknown_compound_also_counts_as_the_known_compound_it_ends_with() -> None:
    # "Braunkohleverstromung" splits into Braunkohle + Verstromung; the documents say "Kohleverstromung".
    index = LexicalIndex.build(["Das Ende der Kohleverstromung ist 2038.", "Braunkohle wird abgebaut.",
                                "Die Verstromung von Gas.", "Kohleverstromung und Braunkohle."])
    terms = index.resolve("Braunkohleverstromung")
    assert "kohleverstrom" in terms and {"braunkohl", "verstrom"} <= set(terms)
    rows, _ = index.search("Wann endet die Braunkohleverstromung?", 4)
    assert set(rows.tolist()[:2]) == {0, 3}  # above "Braunkohle" alone and "Verstromung" alone


def test_document_scores_reward_covering_the_query_across_rows() -> None:
    texts = [
        "Kindertagesstätten werden gefördert.",
        "Breitband wird im ganzen Land Schritt für Schritt ausgebaut.",
        "Breitband, Breitband.",
        "Tourismus am See.",
    ]
    index = LexicalIndex.build(texts)
    row_doc = np.array([0, 0, 1, 1])
    query = "Kindertagesstätten und Breitband"
    assert int(np.argmax(index.scores(query))) == 2  # the best single row belongs to document 1
    scores = index.document_scores(query, row_doc, 2)
    assert scores[0] > scores[1]  # document 0 covers both terms
    masked = index.document_scores(query, row_doc, 2, allowed=np.array([False, False, True, True]))
    assert masked[0] == 0.0 and masked[1] > 0


def test_remembered_analyses_equal_fresh_ones_and_cannot_be_changed_by_callers() -> None:
    analyzer = GermanAnalyzer()
    text = "Förderungen der Wasserstoffprojekte in Kommunen"
    first = analyzer.analyze(text)
    first.append("verändert")  # a caller mutating its list must not change the remembered analysis
    assert analyzer.analyze(text) == GermanAnalyzer(memo_size=0).analyze(text)
    index = LexicalIndex.build(TYPO_DOCS)
    terms = index.resolve("Förderqoute Lausitz")
    terms.clear()
    assert index.resolve("Förderqoute Lausitz") == ["forderquot", "lausitz"]
