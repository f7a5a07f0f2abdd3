"""Issue #15, point 6 in the API: project-check input, the bearer scheme in /docs, an emptied index."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.fixtures.http import AUTH

DESCRIPTION = "Unsere Gemeinde in der Lausitz möchte eine Kindertagesstätte bauen und sucht Förderung."


def test_project_check_accepts_only_known_regions(client: TestClient) -> None:
    r = client.post("/api/project-check", json={"description": DESCRIPTION, "region": "Bayern"})
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "unknown_region"
    for place in ("Lausitz", "Mitteldeutsches Revier", "Brandenburg", "Sachsen", "Sachsen-Anhalt", "Thüringen"):
        assert place in body["message"]
    ok = client.post("/api/project-check", json={"description": DESCRIPTION, "region": "lausitz"})
    assert ok.status_code == 200 and ok.json()["region"] == "Lausitz"
    assert client.post("/api/project-check", json={"description": DESCRIPTION, "region": ""}).status_code == 200
    assert set(client.get("/api/facets").json()["check_regions"]) == {
        "Lausitz", "Mitteldeutsches Revier", "Brandenburg", "Sachsen", "Sachsen-Anhalt", "Thüringen"}


def test_project_check_refuses_a_description_too_short_to_check(client: TestClient) -> None:
    for text in ("Kita", "Makerspace Weißwasser", "die und der das"):
        r = client.post("/api/project-check", json={"description": text})
        assert r.status_code == 422, text
        assert r.json()["code"] in ("description_too_short", "empty_query")
        assert "zu kurz" in r.json()["message"] or "leer" in r.json()["message"]
    assert client.post("/api/project-check", json={"description": "Kita in Cottbus bauen"}).status_code == 200


def test_docs_offer_the_bearer_scheme_and_speak_german(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    scheme = spec["components"]["securitySchemes"]["Admin-Token"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    admin_routes = [("post", "/api/documents"), ("delete", "/api/documents/{doc_id}"), ("post", "/api/reindex"),
                    ("get", "/api/jobs/{job_id}"), ("get", "/api/stats"), ("get", "/api/review"),
                    ("post", "/api/sources")]
    for method, path in admin_routes:
        assert spec["paths"][path][method]["security"] == [{"Admin-Token": []}], path
    assert "security" not in spec["paths"]["/api/search"]["get"]
    texts = [r["description"] for ops in spec["paths"].values() for op in ops.values()
             for r in op["responses"].values()]
    assert not [t for t in texts if t in ("Successful Response", "Unauthorized", "Validation Error", "Not Found")]
    summaries = [op["summary"] for ops in spec["paths"].values() for op in ops.values()]
    assert all(s and s[0].isupper() for s in summaries)
    page = client.get("/docs")
    assert page.status_code == 200 and "swagger" in page.text.lower()
    # what "Authorize" sends works
    assert client.get("/api/stats", headers=AUTH).status_code == 200


def test_an_emptied_index_is_a_normal_state(client: TestClient) -> None:
    for doc in client.get("/api/documents").json()["documents"]:
        assert client.delete("/api/documents/" + doc["doc_id"], headers=AUTH).status_code == 200
    health = client.get("/health")
    assert health.status_code == 200 and health.json()["documents"] == 0
    search = client.get("/api/search", params={"q": "Förderung"})
    assert search.status_code == 200
    assert search.json()["hits"] == [] and search.json()["total_documents"] == 0
    answer = client.post("/api/ask", json={"question": "Wie hoch ist die Förderquote bei STARK?"})
    assert answer.status_code == 200 and answer.json()["abstained"] is True
    assert client.get("/api/facets").status_code == 200
    assert client.get("/api/documents").json()["documents"] == []
    assert client.post("/api/project-check", json={"description": DESCRIPTION}).status_code == 200
    # and documents can be added again
    r = client.post("/api/documents", headers=AUTH, files={"files": ("neu.md", b"# Neu\n\nGrubenwasser.\n", "text/markdown")})
    assert r.status_code == 201 and r.json()["documents"] == 1
