"""One real index for the answering tests: the small corpus plus contacts, an outdated programme and
a passage full of German abbreviations.  Built once per session with the real embedder.

Dates are relative to today so the staleness and deadline checks stay true whatever day the suite runs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assistant.service import Assistant
from tests.conftest import SMALL_CORPUS, settings_for, write_tree

TODAY = dt.date.today()
OLD_STAND = (TODAY - dt.timedelta(days=3 * 365)).isoformat()
PASSED_FRIST = (TODAY - dt.timedelta(days=30)).isoformat()
RECENT = (TODAY - dt.timedelta(days=20)).isoformat()

ANSWER_CORPUS = {
    **SMALL_CORPUS,
    "foerderprogramm/revierwerkstatt.md": f"""---
title: "Revierwerkstatt-Richtlinie – Modellvorhaben im Revier"
type: foerderprogramm
region: [Lausitz]
land: [Brandenburg]
programm: [Revierwerkstatt]
source_url: "https://example.org/revierwerkstatt"
stand: {OLD_STAND}
frist: "{PASSED_FRIST}"
foerdergeber: "Wirtschaftsministerium Brandenburg"
---
# Revierwerkstatt-Richtlinie

## Zuwendungsempfänger
Antragsberechtigt sind z. B. Vereine, Kommunen u. a. gemeinnützige Träger nach § 4 Abs. 2 der Richtlinie.

## Förderquote
Die Förderquote der Revierwerkstatt beträgt 75 Prozent der förderfähigen Kosten, höchstens 200.000 Euro je Vorhaben.
Modellvorhaben dauern in der Regel zwei Jahre.

## Antragsfrist
Anträge für Modellvorhaben der Revierwerkstatt waren bis zum {dt.date.fromisoformat(PASSED_FRIST).strftime('%d.%m.%Y')} einzureichen.
""",
    "foerderprogramm/wasserstoff-lausitz.md": f"""---
title: "Wasserstoff-Modellregion Lausitz – Förderung von Elektrolyseuren"
type: foerderprogramm
region: [Lausitz]
land: [Brandenburg, Sachsen]
programm: [H2-Lausitz]
source_url: "https://example.org/h2-lausitz"
stand: {RECENT}
frist: laufend
---
# Wasserstoff-Modellregion Lausitz

## Gegenstand
Gefördert werden Elektrolyseure, Wasserstofftankstellen und Speicher für grünen Wasserstoff in der Lausitz.
Unternehmen erhalten einen Zuschuss von bis zu 45 Prozent der Investitionskosten.

## Antrag
Anträge stellen kleine und mittlere Unternehmen bei der Investitionsbank des Landes.
""",
    "strategie/zukunftsfelder.md": f"""---
title: "Zukunftsfelder des Lausitzer Reviers – Leitbild"
type: strategie
region: [Lausitz]
land: [Brandenburg, Sachsen]
source_url: "https://example.org/leitbild"
stand: {RECENT}
---
# Leitbild und Zukunftsfelder

Das Leitbild der Lausitz nennt als Zukunftsfelder Energie und Wasserstoff, Gesundheit, Tourismus sowie Wissenschaft.
Die Lausitz soll eine europäische Modellregion für grüne Energie und Wasserstoffwirtschaft werden.
""",
    "akteur/wirtschaftsregion-lausitz.md": f"""---
title: "Wirtschaftsregion Lausitz GmbH"
type: akteur
region: [Lausitz]
land: [Brandenburg, Sachsen]
source_url: "https://example.org/wrl"
stand: {RECENT}
---
# Wirtschaftsregion Lausitz GmbH

Die Wirtschaftsregion Lausitz berät Kommunen, Unternehmen und Vereine in der Lausitz zu Fördermitteln,
Projektideen und Strukturwandel.
In ihren Werkstätten arbeiten rund 120 Fachleute aus Kommunen, Kammern und Hochschulen mit.
""",
    "akteur/thueringen.md": f"""---
title: "Strukturwandelbüro Altenburger Land"
type: akteur
region: [Mitteldeutsches Revier]
land: [Thüringen]
source_url: "https://example.org/altenburg"
stand: {RECENT}
---
# Strukturwandelbüro Altenburger Land

Das Büro im Landratsamt berät Projektträger in Thüringen zu Fördermitteln im Strukturwandel.
""",
}


@pytest.fixture(scope="session")
def answer_index(tmp_path_factory: pytest.TempPathFactory, embedding_cache: Path, embedder) -> Path:
    """Directory with corpus/ and index/ of ANSWER_CORPUS, built once."""
    root = tmp_path_factory.mktemp("answering")
    settings = settings_for(root, embedding_cache)
    write_tree(settings.corpus_dir, ANSWER_CORPUS)
    report = Assistant(settings, embedder).index([settings.corpus_dir])
    assert not report.failed, report.failed
    return root


@pytest.fixture
def answer_settings(answer_index: Path, embedding_cache: Path):
    """Settings over the shared answering index; keyword overrides (e.g. LLM URL) per test."""

    return lambda **overrides: settings_for(answer_index, embedding_cache, **overrides)


@pytest.fixture
def answerer(answer_settings, embedder) -> Assistant:
    """A fresh Assistant (own conversations and caches) over the shared answering index."""
    return Assistant(answer_settings(), embedder)
