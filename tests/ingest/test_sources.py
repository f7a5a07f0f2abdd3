"""Fetch → index → recheck → apply, and the review list, through the real Assistant on loopback."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assistant.errors import FetchContentType, SourceGone
from assistant.ingest.recheck import load_state
from assistant.service import Assistant
from tests.conftest import write_tree
from tests.fixtures.sources import PROGRAMME_PAGE, Route, SourceServer

TODAY = dt.date.today()


def _programme(url: str, stand: dt.date, **extra: str) -> str:
    lines = "".join(f"{k}: {v}\n" for k, v in extra.items())
    return f"""---
title: "Revierbonus Lausitz (Zusammenfassung)"
type: foerderprogramm
region: [Lausitz]
land: [Brandenburg]
status: offen
source_url: "{url}"
stand: {stand.isoformat()}
{lines}---
# Revierbonus Lausitz

## Förderung
Der Revierbonus fördert Handwerksbetriebe in der Lausitz beim Umstieg auf erneuerbare Wärme mit einem Zuschuss.
"""


@pytest.fixture
def editor(make_settings, embedder, source_server: SourceServer):
    """An Assistant over a small corpus whose programme summary cites a page on the local server."""
    settings = make_settings(fetch_timeout_s=5.0)
    url = source_server.page("/foerderung/revierbonus.html", PROGRAMME_PAGE.format(rate=50))
    old = TODAY - dt.timedelta(days=500)
    write_tree(settings.corpus_dir, {
        "foerderprogramm/revierbonus.md": _programme(url, TODAY - dt.timedelta(days=10)),
        "foerderprogramm/alt.md": _programme("https://example.org/foerderung/alt", old).replace(
            "Revierbonus Lausitz (Zusammenfassung)", "Altprogramm Werkstattwärme"),
        "foerderprogramm/endet.md": _programme(
            "https://example.org/foerderung/endet", TODAY, gueltig_bis=(TODAY + dt.timedelta(days=20)).isoformat()
        ).replace("Revierbonus Lausitz (Zusammenfassung)", "Wärmebonus endet bald"),
    })
    assistant = Assistant(settings, embedder)
    assert not assistant.index([settings.corpus_dir]).failed
    yield assistant, url
    assistant.close()


def test_fetch_indexes_the_source_and_refetch_updates_it(editor, source_server: SourceServer) -> None:
    assistant, url = editor
    result = assistant.fetch_source(url, {"type": "foerderprogramm", "land": ["Brandenburg"], "status": "offen"})
    data = result.to_dict()
    assert data["status"] == "added" and data["changed"] is None and data["warnings"] == []
    doc_id = data["doc_id"]
    assert doc_id.startswith("quelle-")
    hits = assistant.search("Zuschuss Wärmepumpe Handwerksbetrieb Lausitz Prozent", k=5).hits
    assert doc_id in [h.document.doc_id for h in hits]
    record, _ = assistant.document(doc_id)
    assert record.metadata.source_url == url and record.metadata.stand == TODAY

    again = assistant.fetch_source(url, None).to_dict()
    assert again["doc_id"] == doc_id and again["changed"] is False
    assert again["status"] in ("updated", "unchanged")  # the sidecar's abgerufen_am moves on (unless same second)


def test_fetch_errors_leave_nothing_behind(editor, source_server: SourceServer) -> None:
    assistant, _ = editor
    source_server.routes["/bild.png"] = Route(b"\x89PNG", headers={"Content-Type": "image/png"})
    with pytest.raises(FetchContentType):
        assistant.fetch_source(source_server.url("/bild.png"))
    with pytest.raises(SourceGone):
        assistant.fetch_source(source_server.url("/gibt-es-nicht.html"))
    assert not assistant.settings.sources_dir.exists() or not any(assistant.settings.sources_dir.iterdir())


def test_recheck_reports_without_touching_the_index_then_applies(editor, source_server: SourceServer) -> None:
    assistant, url = editor
    fetched = assistant.fetch_source(url).to_dict()
    gone_url = source_server.page("/foerderung/alt-aufruf.html", PROGRAMME_PAGE.format(rate=30).replace(
        "Revierbonus Lausitz", "Altaufruf Werkstattwärme"))
    gone = assistant.fetch_source(gone_url).to_dict()
    generation = assistant.stats().generation

    assert assistant.recheck_sources().count("unveraendert") == 2
    source_server.page("/foerderung/revierbonus.html", PROGRAMME_PAGE.format(rate=65))  # the guideline changed
    source_server.routes["/foerderung/alt-aufruf.html"] = Route(status=410)
    before = Path(fetched["path"]).read_bytes()
    report = assistant.recheck_sources()
    by_url = {c.source_url: c for c in report.checks}
    assert by_url[url].status == "geaendert" and by_url[gone_url].status == "verschwunden"
    assert not report.applied and assistant.stats().generation == generation  # index untouched
    assert Path(fetched["path"]).read_bytes() == before  # corpus untouched
    assert load_state(assistant.settings)[url]["status"] == "geaendert"

    # The review list names the changed source and the Markdown summary that cites the same URL.
    review = assistant.review()
    reasons = {d.doc_id: {r.kind for r in d.reasons} for d in review.documents}
    assert "quelle_geaendert" in reasons[fetched["doc_id"]]
    assert "quelle_geaendert" in reasons["revierbonus"]
    assert "quelle_verschwunden" in reasons[gone["doc_id"]]

    applied = assistant.recheck_sources(apply=True)
    assert applied.applied and all(c.applied for c in applied.checks if c.status != "unveraendert")
    assert assistant.stats().generation != generation
    assert "65 Prozent" in " ".join(c.chunk.text for c in assistant.document(fetched["doc_id"])[1])
    assert gone["doc_id"] not in {d.doc_id for d in assistant.documents()}
    archived = list((assistant.settings.sources_dir / ".archiv").iterdir())
    assert len(archived) == 2  # the page and its sidecar, kept but no longer indexed
    after = {d.doc_id: {r.kind for r in d.reasons} for d in assistant.review().documents}
    assert not any(k.startswith("quelle_") for kinds in after.values() for k in kinds)


def test_review_lists_old_ending_and_incomplete_documents(editor) -> None:
    assistant, _ = editor
    review = assistant.review()
    reasons = {d.doc_id: {r.kind: r.text for r in d.reasons} for d in review.documents}
    assert "stand_alt" in reasons["alt"] and "12 Monate" in reasons["alt"]["stand_alt"]
    assert "laeuft_aus" in reasons["endet"] and "in 20 Tagen" in reasons["endet"]["laeuft_aus"]
    assert "revierbonus" not in reasons  # fresh, deep link, open
    assert review.to_dict()["stand_months"] == 12
    # A stricter age makes the fresh one due too.
    strict = Assistant(assistant.settings.model_copy(update={"review_after_months": 1}), assistant.embedder)
    assert "revierbonus" not in {d.doc_id for d in strict.review().documents}  # 10 days old
    strict.answers.today = lambda: TODAY + dt.timedelta(days=60)
    assert "revierbonus" in {d.doc_id for d in strict.review().documents}


def test_review_groups_declined_and_unhelpful_questions(editor) -> None:
    assistant, _ = editor
    for question in ("Was kostet ein Döner in Berlin?", "was kostet ein döner in berlin? ",
                     "Wie hoch ist die Hundesteuer in Cottbus?"):
        assert assistant.ask(question, channel="api").abstained
    answered = assistant.ask("Was fördert der Revierbonus?", channel="api")
    assert not answered.abstained
    assistant.feedback(answered.answer_id, helpful=False, comment="Fördersatz fehlt")
    groups = assistant.review(days=30).to_dict()["questions"]
    questions = {q["question"].casefold().strip(): (g["topic"], q) for g in groups for q in g["questions"]}
    doener = questions["was kostet ein döner in berlin?"][1]
    assert doener["declined"] == 2  # the same question, folded
    topic, bonus = questions["was fördert der revierbonus?"]
    assert bonus["not_helpful"] == 1 and bonus["comments"] == ["Fördersatz fehlt"]
    assert "Revierbonus" in topic
