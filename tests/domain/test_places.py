"""Where a question is: Länder, districts and towns → Land and Revier, and the one rule for other places."""

from __future__ import annotations

import pytest

from assistant.domain.places import locate


@pytest.mark.parametrize(
    ("text", "lands", "regions"),
    [
        ("Wir sind eine Gemeinde im Landkreis Spree-Neiße.", {"Brandenburg"}, {"Lausitz"}),
        ("Drei Wissenschaftler an der BTU Cottbus-Senftenberg", {"Brandenburg"}, {"Lausitz"}),
        ("Ein gemeinnütziger Verein in Weißwasser", {"Sachsen"}, {"Lausitz"}),
        ("Unser Leipziger Start-up", {"Sachsen"}, {"Mitteldeutsches Revier"}),
        ("Chemie-Mittelständler im Saalekreis", {"Sachsen-Anhalt"}, {"Mitteldeutsches Revier"}),
        ("Handelsunternehmen aus Bitterfeld-Wolfen", {"Sachsen-Anhalt"}, {"Mitteldeutsches Revier"}),
        ("Firma sitzt in Halle", {"Sachsen-Anhalt"}, {"Mitteldeutsches Revier"}),
        ("Das Revier um Leipzig und Halle", {"Sachsen", "Sachsen-Anhalt"}, {"Mitteldeutsches Revier"}),
        ("Projekte im Altenburger Land", {"Thüringen"}, {"Mitteldeutsches Revier"}),
        # Länder by name or adjective; Sachsen has parts of both Reviere, so it names none.
        ("Gilt das auch für Sachsen-Anhalt?", {"Sachsen-Anhalt"}, {"Mitteldeutsches Revier"}),
        ("Wo krieg ich in Sachsen Zuschuss?", {"Sachsen"}, set()),
        ("die sächsische Messeförderung", {"Sachsen"}, set()),
        ("in der brandenburgischen Lausitz", {"Brandenburg"}, {"Lausitz"}),
    ],
)
def test_places_name_their_land_and_revier(text: str, lands: set[str], regions: set[str]) -> None:
    location = locate(text)
    assert (set(location.lands), set(location.regions)) == (lands, regions)


@pytest.mark.parametrize(
    "text",
    [
        "Wir wollen eine neue Halle bauen.",  # the noun, not the town
        "Unsere Produktionshalle ist zu klein.",
        "Der Forst soll aufgeforstet werden.",  # the town is "Forst (Lausitz)"
        "Wie hoch ist die Förderquote bei STARK?",
        "Which districts belong to the Lusatian lignite area?",
    ],
)
def test_words_that_only_look_like_places_name_none(text: str) -> None:
    assert not locate(text)


def test_a_location_excludes_documents_of_other_laender_only() -> None:
    weisswasser = locate("Ein Verein in Weißwasser")
    assert weisswasser.excludes(["Sachsen-Anhalt"]) and weisswasser.excludes(["Brandenburg", "EU"])
    assert not weisswasser.excludes(["Sachsen", "Sachsen-Anhalt"])  # names the located Land too
    assert not weisswasser.excludes(["Bund"]) and not weisswasser.excludes([])  # nationwide or untagged
    assert not locate("Ein Verein").excludes(["Sachsen-Anhalt"])  # no place named: nothing excluded


def test_a_location_excludes_documents_of_other_reviere_when_it_names_one() -> None:
    lausitz = locate("Und in der Lausitz?")
    assert lausitz.regions == {"Lausitz"} and not lausitz.lands
    assert lausitz.excludes(["Sachsen-Anhalt"], ["Mitteldeutsches Revier"])  # only the other Revier
    assert not lausitz.excludes(["Sachsen"], ["Mitteldeutsches Revier", "Lausitz"])  # both Reviere
    assert not lausitz.excludes(["Bund"], [])  # nationwide


def test_the_vector_form_of_the_rule_agrees_with_the_scalar_one() -> None:
    import numpy as np

    from assistant.domain.regions import LANDS, REVIERE, Location, excluded_documents

    docs = [
        (["Sachsen"], ["Lausitz"]), (["Brandenburg", "EU"], ["Lausitz"]), (["Bund"], []), ([], []),
        (["Sachsen-Anhalt"], ["Mitteldeutsches Revier"]), (["Sachsen", "Sachsen-Anhalt"], ["Mitteldeutsches Revier"]),
    ]

    def masks(values: tuple[str, ...], index: int) -> dict[str, np.ndarray]:
        return {v: np.array([v in d[index] for d in docs]) for v in {*values, "Bund", "EU"}}

    lands, regions = masks(LANDS, 0), masks(REVIERE, 1)
    for where in ("Görlitz", "Halle", "Lausitz", "Thüringen", "nirgends", "Cottbus und Leipzig"):
        location = locate(where)
        vector = excluded_documents(lands, regions, len(docs), location)
        assert vector.tolist() == [location.excludes(*d) for d in docs], where
    assert Location.named(["lausitz", "Sachsen", "Bayern"]) == Location(frozenset({"Sachsen"}), frozenset({"Lausitz"}))
