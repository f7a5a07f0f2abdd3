"""The weak tail of a search is not listed: the rule, and what every door receives."""

from __future__ import annotations

import pytest

from assistant.search.confidence import UNCERTAIN_BELOW
from assistant.search.listing import keep_count


@pytest.mark.parametrize(
    ("scores", "ratio", "keep", "expected"),
    [
        ([1.0, 0.9, 0.6, 0.49, 0.4, 0.1], 0.5, 1, 3),  # 0.49 < 0.5 · 1.0: the tail starts there
        ([1.0, 0.9, 0.6, 0.49, 0.4, 0.1], 0.5, 5, 5),  # at least ``keep``
        ([1.0, 0.2, 0.9], 0.5, 1, 1),  # a listing is a prefix of the ranking
        ([0.6, 0.3, 0.29], 0.5, 1, 2),  # relative to the best score, whatever its size
        ([1.0, 0.1], 0.0, 1, 2),  # ratio 0: everything
        ([], 0.5, 5, 0),
        ([-0.1, -0.2, -0.3], 0.5, 2, 2),  # all demoted below zero: only ``keep``
    ],
)
def test_keep_count(scores: list[float], ratio: float, keep: int, expected: int) -> None:
    assert keep_count(scores, ratio, keep) == expected


def _doc(slug: str, title: str, body: str, stand: str = "2026-01-01", land: str = "Sachsen") -> dict[str, str]:
    front = f"title: {title}\ntype: projekt\nstand: {stand}\nland: [{land}]\nregion: [Lausitz]"
    return {f"{slug}.md": f"---\n{front}\n---\n# {title}\n\n{body}\n"}


TOPIC = _doc("grubenwasser", "Grubenwasser reinigen", "Die Anlage reinigt eisenhaltiges Grubenwasser aus Tagebauen.")
RELATED = [
    _doc("see", "Ökologie am Tagebausee", "Saures Grubenwasser färbt den Tagebausee; Kalk hebt den pH-Wert.",
         stand="2026-06-01", land="Brandenburg"),
    _doc("spree", "Eisenocker in der Spree", "Eisenhaltiges Wasser aus Tagebauen färbt die Spree braun.",
         stand="2025-03-01", land="Brandenburg"),
]
OTHERS = [
    _doc("kita", "Kita am Markt", "Die Gemeinde baut eine Kindertagesstätte mit vierzig Plätzen."),
    _doc("radweg", "Radweg an der Spree", "Ein Radweg verbindet zwei Dörfer entlang des Flusses."),
    _doc("museum", "Museum der Glasmacher", "Das Museum zeigt die Geschichte der Glashütten."),
    _doc("chor", "Chorfest im Sommer", "Vereine singen zum Sommerfest auf dem Dorfplatz."),
    _doc("bahnhof", "Bahnhof saniert", "Das Empfangsgebäude des Bahnhofs wird saniert und barrierefrei."),
    _doc("bibliothek", "Bibliothek digital", "Die Stadtbibliothek leiht E-Books und Tablets aus."),
    _doc("sportplatz", "Kunstrasen für den Sportplatz", "Der Fußballverein erhält einen Kunstrasenplatz."),
]


@pytest.fixture
def eight_documents(index_files):
    files: dict[str, str] = dict(TOPIC)
    for other in OTHERS:
        files |= other
    return index_files(files)


def test_weak_documents_are_not_listed_and_not_counted(eight_documents) -> None:
    cut = eight_documents.search("eisenhaltiges Grubenwasser reinigen", k=20)
    whole = eight_documents.search("eisenhaltiges Grubenwasser reinigen", k=20, cut_tail=False)
    assert whole.total_documents == len(whole.hits) == 8
    assert cut.hits[0].document.doc_id == "grubenwasser"
    assert cut.total_documents == len(cut.hits) < 8
    best = cut.hits[0].score
    params = eight_documents.search_params
    listed = [h.score for h in cut.hits[params.tail_keep:]]
    assert all(s >= params.tail_ratio * best for s in listed)
    # what is cut is the tail of the same ranking, and the confidence does not change
    assert [h.document.doc_id for h in cut.hits] == [h.document.doc_id for h in whole.hits][: len(cut.hits)]
    assert cut.confidence == whole.confidence


def test_paging_ends_where_the_listing_ends(eight_documents) -> None:
    first = eight_documents.search("eisenhaltiges Grubenwasser reinigen", k=3, page=1)
    n = first.total_documents
    pages = [eight_documents.search("eisenhaltiges Grubenwasser reinigen", k=3, page=p) for p in (1, 2, 3, 4)]
    listed = [h.document.doc_id for page in pages for h in page.hits]
    assert len(listed) == len(set(listed)) == n
    assert all(page.total_documents == n for page in pages)


def test_the_api_and_the_cli_json_list_the_same_cut(eight_documents, embedder) -> None:
    from fastapi.testclient import TestClient

    from assistant.doors.http.app import create_app
    from assistant.service import Assistant

    settings = eight_documents.settings
    with TestClient(create_app(settings, Assistant(settings, embedder))) as client:
        body = client.get("/api/search", params={"q": "eisenhaltiges Grubenwasser reinigen", "k": 20}).json()
    result = eight_documents.search("eisenhaltiges Grubenwasser reinigen", k=20).to_dict()
    assert body["total_documents"] == result["total_documents"] == len(body["hits"]) < 8
    assert [h["doc_id"] for h in body["hits"]] == [h["doc_id"] for h in result["hits"]]


@pytest.fixture
def water_documents(index_files):
    files: dict[str, str] = dict(TOPIC)
    for other in RELATED + OTHERS:
        files |= other
    return index_files(files)


def test_sorting_orders_the_whole_listing_not_one_page(water_documents) -> None:
    query = "eisenhaltiges Grubenwasser aus Tagebauen"
    relevance = water_documents.search(query, k=50)
    ids = [h.document.doc_id for h in relevance.hits]
    by_title = [h.document.title for h in water_documents.search(query, k=50, sort="title").hits]
    assert sorted(by_title, key=lambda t: t.replace("Ö", "O")) == by_title  # "Ökologie" sorts with O
    stands = [h.document.metadata.stand for h in water_documents.search(query, k=50, sort="stand").hits]
    assert stands == sorted(stands, reverse=True)
    # the same documents, only in another order; a page of the sorted listing comes from all of it
    assert set(by_title) == {h.document.title for h in relevance.hits}
    first_by_title = water_documents.search(query, k=1, sort="title").hits[0].document.title
    assert first_by_title == by_title[0]
    assert len(ids) == relevance.total_documents


def test_facet_counts_say_what_a_filter_would_list(water_documents) -> None:
    from assistant.search.filters import Filters

    query = "eisenhaltiges Grubenwasser aus Tagebauen"
    result = water_documents.search(query, k=1)
    facets = result.facets
    assert facets["type"] == {"projekt": result.total_documents}  # every document is a project
    for land, count in facets["land"].items():
        filtered = water_documents.search(query, k=50, filters=Filters(lands=(land,)))
        assert filtered.total_documents == count, (land, count, filtered.total_documents)


def test_passages_name_the_whole_words_to_highlight(water_documents) -> None:
    hit = water_documents.search("Grubenwasser Tagebau", k=1).hits[0]
    marks = hit.passages[0].marks
    assert "Grubenwasser" in marks and "Tagebauen" in marks
    assert "reinigt" not in marks


def test_low_confidence_marks_the_result_uncertain(water_documents) -> None:
    assert water_documents.search("xyzzy qwrt").uncertain
    sure = water_documents.search("Wo reinigt eine Anlage eisenhaltiges Grubenwasser aus Tagebauen?")
    assert sure.uncertain == (sure.confidence < UNCERTAIN_BELOW)
    assert sure.to_dict()["uncertain"] is sure.uncertain
