"""Project check on a four-sentence description."""

from __future__ import annotations

from assistant.answering.project_check import description_sentences, truncate

DESCRIPTION = (
    "Wir sind ein mittelständisches Unternehmen aus Cottbus. "
    "Wir planen einen Elektrolyseur, der grünen Wasserstoff für unsere Lkw-Flotte erzeugt. "
    "Dazu gehört eine eigene Wasserstofftankstelle auf dem Betriebsgelände. "
    "Die Investition liegt bei etwa 2 Mio. Euro und soll 2027 beginnen."
)


def test_project_check_finds_programme_strategy_and_contact(answerer) -> None:
    check = answerer.check_project(DESCRIPTION, region="Lausitz")
    assert check.programmes[0].doc_id == "wasserstoff-lausitz"
    assert check.programmes[0].evidence, "a reason must be given"
    reason = check.programmes[0].evidence[0]
    assert reason.description_sentence in DESCRIPTION
    assert reason.document_sentence
    assert all(m.doc_type == "foerderprogramm" for m in check.programmes)
    assert "zukunftsfelder" in [m.doc_id for m in check.strategies]
    assert check.contacts and check.contacts[0].doc_id == "wirtschaftsregion-lausitz"
    assert "Passende Förderprogramme" in check.summary and "Wasserstoff-Modellregion" in check.summary
    payload = check.to_dict()
    assert payload["programmes"][0]["evidence"][0]["document_sentence"]


def test_region_demotes_programmes_of_other_regions(answerer) -> None:
    description = "Unser Verein in Thüringen will Projektträger vernetzen. Wir beraten Kommunen zum Strukturwandel. Dafür suchen wir Fördermittel für Personal."
    check = answerer.check_project(description, region="Thüringen")
    assert check.contacts[0].doc_id == "thueringen"


def test_long_description_is_cut_at_a_sentence_boundary() -> None:
    text = "Erster Satz über Wasserstoff. " * 100
    cut = truncate(text, 200)
    assert len(cut) <= 200 and cut.endswith(".")
    sentences = description_sentences("Wir bauen z. B. eine Halle. Sie kostet 2 Mio. Euro. Ja.")
    assert sentences == ["Wir bauen z. B. eine Halle.", "Sie kostet 2 Mio. Euro."]
