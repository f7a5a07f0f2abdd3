"""Property-based tests of the German analyzer (the chunker's properties live in
tests/documents/test_chunker.py::test_property_chunks)."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assistant.storage.bm25 import LexicalIndex
from assistant.text.analyzer import GermanAnalyzer, fold_umlauts

ANALYZER = GermanAnalyzer()
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Any unicode (hypothesis' default text excludes lone surrogates; those are replaced before
# analysis by validate_query) plus German-looking text, so stemming and compounds are hit.
GERMAN_WORDS = st.sampled_from([
    "Förderung", "Wasserstoffprojekte", "Straße", "Kindertagesstätten", "Sachsen-Anhalt", "§", "90", "%",
    "Fördermittelgeber", "ÄÖÜ", "ß", "ẞ", "İstanbul", "ﬁnanzierung", "Ⅻ", "x²", "e\u0301", "\u200b", "-", "_",
    "Strukturwandel-Förderprogramm", "2038", "z. B.", "Mio.", "🚀", "مرحبا", "\u202e",
])
GERMANISH = st.lists(GERMAN_WORDS | st.text(max_size=12), max_size=30).map(" ".join)
ANY_TEXT = st.text(max_size=300) | GERMANISH


@FAST
@given(ANY_TEXT)
@example("")
@example("\x00\x01\x02")
@example("a" * 5000)
@example("-" * 100 + "a-" * 50)
@example("ǅ ǈ ß ẞ ﬀ ﬃ İ")
def test_analyze_never_crashes_and_yields_clean_terms(text: str) -> None:
    terms = ANALYZER.analyze(text)
    assert isinstance(terms, list)
    for term in terms:
        assert isinstance(term, str) and term
        assert not re.search(r"\s", term), term


@FAST
@given(ANY_TEXT)
def test_analysis_is_deterministic_and_case_insensitive(text: str) -> None:
    assert ANALYZER.analyze(text) == ANALYZER.analyze(text)
    assert ANALYZER.analyze(text.upper().lower()) == ANALYZER.analyze(text.lower())


@FAST
@given(ANY_TEXT)
def test_folding_is_idempotent(text: str) -> None:
    once = fold_umlauts(text.lower())
    assert fold_umlauts(once) == once
    assert not set("äöüß") & set(once)


@FAST
@given(GERMANISH)
def test_umlaut_spelling_does_not_matter(text: str) -> None:
    """'Foerderung' and 'Förderung' analyse alike (what users type without umlauts)."""
    spelled = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("Ä", "Ae").replace(
        "Ö", "Oe").replace("Ü", "Ue")
    without_compounds = GermanAnalyzer(split_compounds=False)
    assert without_compounds.analyze(spelled) == without_compounds.analyze(text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(GERMANISH, min_size=1, max_size=4), st.integers(min_value=0, max_value=3))
def test_query_and_document_analysis_agree(texts: list[str], pick: int) -> None:
    """A document found by its own text: every term of it is known, and it scores highest."""
    pick = pick % len(texts)
    index = LexicalIndex.build(texts)
    query = texts[pick]
    terms = ANALYZER.analyze(query)
    assert set(index.query_terms(query)) == set(terms)
    scores = index.scores(query)
    assert len(scores) == len(texts)
    if terms:
        assert scores[pick] > 0
        assert scores[pick] >= scores.max() - 1e-6 or set(ANALYZER.analyze(texts[int(scores.argmax())])) >= set(terms)
