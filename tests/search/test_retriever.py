"""Hybrid retrieval on the small corpus: ranking, grouping, filters, modes, bad queries."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.errors import EmptyQuery, QueryTooLong, UnknownFilter
from assistant.search.filters import Filters
from assistant.service import Assistant
from tests.conftest import BACKENDS

# Retrieval reads everything a store offers (filters, vectors, BM25 per row and per document):
# it runs on both backends.
pytestmark = pytest.mark.parametrize("store_url", BACKENDS, indirect=True)


def _ids(result) -> list[str]:
    return [h.document.doc_id for h in result.hits]


def test_finds_the_right_document_in_german(small_assistant: Assistant) -> None:
    result = small_assistant.search("Wie hoch ist die Förderquote bei STARK?")
    assert _ids(result)[0] == "stark"
    assert "90 Prozent" in result.hits[0].passages[0].chunk.text


def test_umlaut_free_and_english_questions(small_assistant: Assistant) -> None:
    assert _ids(small_assistant.search("Foerderung fuer Kindertagesstaetten"))[0] == "invkg"
    assert _ids(small_assistant.search("Who advises project sponsors in central Germany?"))[0] == "metropolregion"


def test_each_document_appears_once(small_assistant: Assistant) -> None:
    ids = _ids(small_assistant.search("Förderung", k=10))
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("filters", "allowed"),
    [
        (Filters(types=("akteur",)), {"metropolregion"}),
        (Filters(lands=("Brandenburg",)), {"invkg", "werkstatt-2"}),
        (Filters(regions=("lausitz",)), {"stark", "invkg", "werkstatt-2"}),
        (Filters(programmes=("STARK",)), {"stark"}),
        (Filters(stand_after=dt.date(2025, 1, 1)), {"stark", "werkstatt-2", "metropolregion"}),
    ],
)
def test_filters_hold_on_both_sides(small_assistant: Assistant, filters: Filters, allowed: set[str]) -> None:
    for mode in ("hybrid", "dense", "lexical"):
        result = small_assistant.search("Förderung Investitionen Kitas STARK Beratung", k=10, filters=filters, mode=mode)
        assert set(_ids(result)) <= allowed, (mode, _ids(result))
    # a filter leaving few candidates still returns the best of them for an unrelated query
    assert small_assistant.search("Wetter morgen", filters=filters).hits


def test_unknown_filter_values_are_named(small_assistant: Assistant) -> None:
    with pytest.raises(UnknownFilter, match="Land 'Bayern'.*Sachsen"):
        small_assistant.search("Förderung", filters=Filters(lands=("Bayern",)))
    with pytest.raises(UnknownFilter, match="Dokumenttyp"):
        small_assistant.search("Förderung", filters=Filters(types=("rezept",)))


@pytest.mark.parametrize(
    ("query", "error", "text"),
    [
        ("", EmptyQuery, "leer"),
        ("   \n ", EmptyQuery, "leer"),
        ("?!… ---", EmptyQuery, "Satzzeichen"),
        ("a" * 20_000, QueryTooLong, "20000 Zeichen"),
    ],
)
def test_bad_queries_get_specific_messages(small_assistant: Assistant, query: str, error: type, text: str) -> None:
    with pytest.raises(error, match=text):
        small_assistant.search(query)


def test_only_stop_words_still_answers_from_dense_side(small_assistant: Assistant) -> None:
    result = small_assistant.search("wie und oder die der das")
    assert result.query_terms == []
    assert result.hits  # dense side always returns something


def test_modes_and_paging(small_assistant: Assistant) -> None:
    lexical = small_assistant.search("BAFA", mode="lexical")
    assert _ids(lexical) == ["stark"]
    page1 = small_assistant.search("Förderung", k=2, page=1)
    page2 = small_assistant.search("Förderung", k=2, page=2)
    assert not set(_ids(page1)) & set(_ids(page2))
    assert page1.total_documents == page2.total_documents


def test_confidence_separates_in_and_out_of_domain(small_assistant: Assistant) -> None:
    inside = small_assistant.search("Förderquote STARK Zuschuss").confidence
    outside = small_assistant.search("Rezept für Apfelkuchen mit Streuseln").confidence
    assert 0.0 <= outside < small_assistant.answers.abstain_threshold <= inside <= 1.0


def test_words_that_only_say_which_fact_is_asked_do_not_count_as_topic(index_files) -> None:
    """The amount sentence does not repeat "Förderquote"; a sentence that does holds no amount."""
    assistant = index_files({"revierbonus.md": (
        "---\ntitle: Revierbonus – Zuschuss für Vereine\ntype: foerderprogramm\n---\n"
        "# Revierbonus\n\n## Förderquote\n\nDie Förderquote richtet sich nach der Richtlinie des Landes.\n\n"
        "## Höhe\n\nDer Zuschuss beträgt bis zu 80 Prozent der Ausgaben.\n"
    )})
    for question in ("Wie hoch ist die Förderquote beim Revierbonus?", "Wie viel Geld gibt es beim Revierbonus?"):
        assert assistant.search(question).signals["fact_cov"] == 1.0, question


def test_fact_coverage_matches_inflected_words_by_prefix(index_files) -> None:
    """"studieren" in the question, "Studierenden" in the sentence with the date."""
    assistant = index_files({"uni.md": (
        "---\ntitle: Universität Lausitz\ntype: projekt\n---\n# Universität Lausitz\n\n## Studium\n\n"
        "In Cottbus kann man künftig Medizin studieren.\n"
        "Zum Wintersemester 2026/27 sollen in Cottbus die ersten Studierenden der Medizin beginnen.\n"
    )})
    assert assistant.search("Ab wann kann man in Cottbus Medizin studieren?").signals["fact_cov"] == 1.0


def test_confidence_drops_when_the_asked_for_fact_is_missing(small_assistant: Assistant) -> None:
    held = small_assistant.search("Wie hoch ist die Förderquote bei STARK?")
    missing = small_assistant.search("Wie lautet die Telefonnummer der STARK-Beratung beim BAFA?")
    assert held.signals["fact_cov"] == 1.0 and missing.signals["fact_cov"] == 0.0
    threshold = small_assistant.answers.abstain_threshold
    assert missing.confidence < threshold <= held.confidence
    # a question that asks for no particular fact is not judged by this signal
    assert small_assistant.search("Beratung für Projektträger").signals["fact_cov"] == 1.0


def test_similarity_signals_come_from_the_query_before_feedback(small_assistant: Assistant) -> None:
    # pseudo-relevance feedback moves the query vector towards the corpus; the off-topic
    # signal must still see the user's own query, so it matches dense-only search
    hybrid = small_assistant.search("Rezept für Apfelkuchen mit Streuseln")
    dense = small_assistant.search("Rezept für Apfelkuchen mit Streuseln", mode="dense")
    assert hybrid.signals["dense_top"] == pytest.approx(dense.signals["dense_top"], abs=1e-6)


def test_misspelled_word_finds_the_document(small_assistant: Assistant) -> None:
    result = small_assistant.search("Investitonsgesetz", mode="lexical")
    assert _ids(result) == ["invkg"]
    assert result.query_terms == ["investitionsgesetz"]


def test_project_descriptions_use_document_level_lexical_evidence(small_assistant: Assistant) -> None:
    # the facts sit in two sections of the InvKG document: Gemeinden + 14 Milliarden, Kitas + Tourismus
    description = (
        "Unsere Gemeinde möchte eine neue Kindertagesstätte bauen und den Tourismus am See stärken. "
        "Wir fragen uns, ob dafür Geld aus den 14 Milliarden Euro des Bundes bereitsteht."
    )
    result = small_assistant.search(description, mode="lexical")
    assert _ids(result)[0] == "invkg"
    passages = result.hits[0].passages
    assert len(passages) == 2 and passages[0].score == passages[1].score  # one score per document
    assert passages[0].lexical != passages[1].lexical  # each passage keeps its own BM25 score
    assert _ids(small_assistant.search(description))[0] == "invkg"


_PROGRAMME = """---
title: "Regionalbudget"
type: foerderprogramm
land: [Sachsen]
source_url: "https://example.org/"
zielgruppe: [{group}]
tags: [Netzwerk]
---
# Regionalbudget

Gefördert werden Personal und Veranstaltungen für Vorhaben im Strukturwandel.
"""


def test_project_descriptions_match_target_groups_in_front_matter(index_files) -> None:
    # identical texts: only the front matter says that one programme is for associations
    assistant = index_files({
        "a-unternehmen.md": _PROGRAMME.format(group="Unternehmen"),
        "b-vereine.md": _PROGRAMME.format(group="Vereine"),
    })
    description = (
        "Wir sind ein gemeinnütziger Verein und wollen ein Netzwerk für Jugendliche aufbauen. "
        "Dafür brauchen wir Geld für Personal und für Veranstaltungen in der Region."
    )
    assert _ids(assistant.search(description))[0] == "b-vereine"
    assert _ids(assistant.search(description, mode="lexical"))[0] == "b-vereine"


_LAND_PROGRAMME = """---
title: "Regionalbudget"
type: foerderprogramm
land: [{land}]
source_url: "https://example.org/"
---
# Regionalbudget

Gefördert werden Personal und Veranstaltungen für Vorhaben im Strukturwandel.
"""


def test_documents_of_other_laender_are_demoted_not_hidden(index_files) -> None:
    """Identical programmes (equal dense and BM25 scores) of two Länder and the Bund: only the town a
    question names tells them apart."""
    assistant = index_files({
        "a-brandenburg.md": _LAND_PROGRAMME.format(land="Brandenburg"),
        "b-sachsen.md": _LAND_PROGRAMME.format(land="Sachsen"),
        "c-bund.md": _LAND_PROGRAMME.format(land="Bund"),
    })

    def scores(query: str, mode: str = "hybrid") -> dict[str, float]:
        return {h.document.doc_id: h.score for h in assistant.search(query, mode=mode).hits}

    goerlitz = scores("Gibt es ein Regionalbudget für Vorhaben in Görlitz?")  # Görlitz is in Sachsen
    assert set(goerlitz) == {"a-brandenburg", "b-sachsen", "c-bund"}  # demoted, still listed
    assert goerlitz["b-sachsen"] - goerlitz["a-brandenburg"] == pytest.approx(0.2)
    assert goerlitz["c-bund"] == pytest.approx(goerlitz["b-sachsen"])  # nationwide documents keep their score
    spremberg = scores("Gibt es ein Regionalbudget für Vorhaben in Spremberg?")  # Brandenburg
    assert spremberg["a-brandenburg"] - spremberg["b-sachsen"] == pytest.approx(0.2)
    description = (  # project descriptions also name partners elsewhere: half the penalty
        "Wir sind ein Verein in Görlitz und wollen ein Netzwerk im Strukturwandel aufbauen. "
        "Dafür brauchen wir ein Regionalbudget für Personal und für Veranstaltungen."
    )
    project = scores(description)
    assert project["b-sachsen"] - project["a-brandenburg"] == pytest.approx(0.1)
    # Without a place, and in the single-retriever modes, the Länder are treated alike.
    plain = scores("Gibt es ein Regionalbudget für Vorhaben im Strukturwandel?")
    assert plain["a-brandenburg"] == pytest.approx(plain["b-sachsen"])
    dense = scores("Gibt es ein Regionalbudget für Vorhaben in Görlitz?", mode="dense")
    assert dense["a-brandenburg"] == pytest.approx(dense["b-sachsen"])
