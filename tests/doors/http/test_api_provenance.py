"""API: Stand and link per source, binding line, closed programmes; the review, fetch and recheck routes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from assistant.doors.http.app import create_app
from assistant.service import Assistant
from tests.conftest import write_tree
from tests.fixtures.http import AUTH, TOKEN
from tests.fixtures.provenance import RECENT
from tests.fixtures.sources import PROGRAMME_PAGE, Route, SourceServer


@pytest.fixture
def prov_client(provenance_settings, embedder) -> Iterator[TestClient]:
    settings = provenance_settings(admin_token=TOKEN, rate_limit_per_minute=0)
    with TestClient(create_app(settings, Assistant(settings, embedder))) as c:
        yield c


@pytest.fixture
def editor_client(make_settings, embedder) -> Iterator[TestClient]:
    """An app over a fresh knowledge base the fetch routes may write to."""
    settings = make_settings(admin_token=TOKEN, rate_limit_per_minute=0, fetch_timeout_s=0.5)
    write_tree(settings.corpus_dir, {"strategie/leitbild.md": (
        "---\ntitle: Leitbild\ntype: strategie\nsource_url: https://example.org/strategie/leitbild\n"
        f"stand: {RECENT.isoformat()}\n---\n# Leitbild\n\nDie Lausitz wird Modellregion für Energie.\n")})
    assistant = Assistant(settings, embedder)
    assistant.index([settings.corpus_dir])
    with TestClient(create_app(settings, assistant)) as c:
        yield c


def test_ask_sources_carry_stand_link_status_and_the_binding_line(prov_client: TestClient) -> None:
    r = prov_client.post("/api/ask", json={"question": "Wie viel Förderung gibt es für einen Dorfladen in Sachsen?"})
    assert r.status_code == 200, r.text
    answer = r.json()
    source = answer["sources"][0]
    assert source["stand"] == RECENT.isoformat() and source["source_url"] == "https://example.org/foerderung/dorfladen"
    assert source["status"] == "geschlossen"
    assert any("keine Anträge möglich" in n for n in answer["notices"])
    assert answer["binding_note"].startswith("Verbindlich ist allein die aktuelle Richtlinie des Fördergebers")
    assert answer["text"].endswith(answer["binding_note"])

    event = prov_client.post("/api/ask", json={"question": "Wann fand das Revierforum statt?"}).json()
    assert event["binding_note"] is None and event["sources"][0]["stand"]


def test_search_hits_and_documents_carry_provenance(prov_client: TestClient) -> None:
    hit = prov_client.get("/api/search", params={"q": "Gründerbonus Zuschuss", "k": 1}).json()["hits"][0]
    assert hit["doc_id"] == "gruenderbonus" and hit["status"] == "ausgelaufen" and hit["gueltig_bis"]
    assert hit["stand"] == RECENT.isoformat() and hit["source_url"].startswith("https://example.org/")
    doc = prov_client.get("/api/documents/kita-bau").json()["document"]
    assert (doc["status"], doc["quelle_stand"], doc["stand"]) == ("offen", "2025-03-01", RECENT.isoformat())


def test_project_check_lists_closed_programmes_apart(prov_client: TestClient) -> None:
    r = prov_client.post("/api/project-check", json={"description": (
        "Unsere Gemeinde in Sachsen möchte einen Dorfladen mit Café eröffnen. Der Laden soll die Nahversorgung "
        "sichern. Ein Verein betreibt ihn ehrenamtlich.")})
    check = r.json()
    assert "dorfladen" not in [m["doc_id"] for m in check["programmes"]]
    closed = check["closed_programmes"][0]
    assert closed["doc_id"] == "dorfladen" and closed["status"] == "geschlossen"
    assert closed["availability_note"].startswith("Keine Anträge möglich") and closed["stand"]


def test_review_needs_the_token_and_lists_what_to_check(prov_client: TestClient) -> None:
    assert prov_client.get("/api/review").status_code == 401
    r = prov_client.get("/api/review", params={"days": 30}, headers=AUTH)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["stand_months"] == 12 and data["days"] == 30
    assert {d["doc_id"]: [x["kind"] for x in d["reasons"]] for d in data["documents"]} == {"radwege": ["laeuft_aus"]}
    bad = prov_client.get("/api/review", params={"days": 0}, headers=AUTH)
    assert bad.status_code == 422 and "days" in bad.json()["message"]


def test_fetch_route_and_its_errors(editor_client: TestClient, source_server: SourceServer) -> None:
    url = source_server.page("/foerderung/revierbonus.html", PROGRAMME_PAGE.format(rate=50))
    assert editor_client.post("/api/sources", json={"url": url}).status_code == 401
    r = editor_client.post("/api/sources", headers=AUTH, json={
        "url": url, "type": "foerderprogramm", "land": ["Brandenburg"], "status": "offen"})
    assert r.status_code == 201, r.text
    fetched = r.json()
    assert fetched["status"] == "added" and fetched["kind"] == "html" and fetched["changed"] is None
    doc = editor_client.get(f"/api/documents/{fetched['doc_id']}").json()["document"]
    assert doc["source_url"] == url and doc["status"] == "offen" and doc["stand"]
    listed = editor_client.get("/api/sources", headers=AUTH).json()
    assert [s["source_url"] for s in listed] == [url] and listed[0]["last_check"] is None

    source_server.routes["/bild.png"] = Route(b"\x89PNG", headers={"Content-Type": "image/png"})
    source_server.routes["/langsam"] = Route(b"<p>x</p>", headers={"Content-Type": "text/html"}, delay_s=3)
    cases = {
        source_server.url("/bild.png"): (415, "fetch_content_type"),
        source_server.url("/weg.html"): (422, "source_gone"),
        source_server.url("/langsam"): (504, "fetch_timeout"),
        "ftp://127.0.0.1/x.pdf": (422, "bad_source_url"),
    }
    for bad_url, (status, code) in cases.items():
        r = editor_client.post("/api/sources", headers=AUTH, json={"url": bad_url})
        assert (r.status_code, r.json()["code"]) == (status, code), (bad_url, r.text)
        assert r.json()["message"]  # German, names the cause
    unknown = editor_client.post("/api/sources", headers=AUTH, json={"url": url, "stand": "2026-01-01"})
    assert unknown.status_code == 422 and unknown.json()["code"] == "invalid_request"


def test_recheck_route_reports_then_applies(editor_client: TestClient, source_server: SourceServer) -> None:
    url = source_server.page("/p.html", PROGRAMME_PAGE.format(rate=50))
    doc_id = editor_client.post("/api/sources", headers=AUTH, json={"url": url}).json()["doc_id"]
    source_server.page("/p.html", PROGRAMME_PAGE.format(rate=80))
    generation = editor_client.get("/health").json()["generation"]
    report = editor_client.post("/api/sources/recheck", headers=AUTH).json()
    assert report["counts"]["geaendert"] == 1 and not report["applied"]
    assert editor_client.get("/health").json()["generation"] == generation
    review = editor_client.get("/api/review", headers=AUTH).json()
    assert [r["kind"] for d in review["documents"] if d["doc_id"] == doc_id for r in d["reasons"]] == ["quelle_geaendert"]
    applied = editor_client.post("/api/sources/recheck", params={"apply": "true"}, headers=AUTH).json()
    assert applied["applied"] and applied["sources"][0]["applied"]
    assert editor_client.get("/health").json()["generation"] != generation
    chunks = editor_client.get(f"/api/documents/{doc_id}").json()["chunks"]
    assert any("80 Prozent" in c["text"] for c in chunks)
