"""Searches keep answering, completely, while a re-index publishes a new generation (real uvicorn)."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from tests.conftest import BACKENDS

TOKEN = "test-admin-token-1"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
QUERIES = ["Förderung Zuschuss", "Renaturierung Tagebaue", "Werkstatt Innovation Lausitz", "Metropolregion Beratung"]


def _complete(body: dict) -> bool:
    if not body["hits"] or body["total_documents"] < len(body["hits"]):
        return False
    for hit in body["hits"]:
        if not (hit["doc_id"] and hit["title"] and hit["passages"]):
            return False
        if not all(p["text"].strip() and p["chunk_id"].startswith(hit["doc_id"]) for p in hit["passages"]):
            return False
    return True


@pytest.mark.parametrize("store_url", BACKENDS, indirect=True)
def test_searches_during_reindex_never_fail(live_server) -> None:
    settings = live_server.app.state.door.settings
    for i, topic in enumerate(["Grubenwasser", "Bergbaufolgelandschaft", "Fachkräftesicherung"]):
        (settings.corpus_dir / f"neu-{i}.md").write_text(
            f"---\ntitle: Neues Thema {i}\ntype: projekt\nland: [Sachsen]\n---\n# {topic}\n\n"
            f"Ein neues Projekt zu {topic} in der Lausitz mit Förderung aus dem Strukturwandel.",
            encoding="utf-8",
        )
    with httpx.Client(base_url=live_server.url, timeout=120) as c:
        before = c.get("/health").json()["generation"]

    stop = threading.Event()
    results: list[tuple[int, bool]] = []
    generations: set[str] = set()
    errors: list[str] = []
    lock = threading.Lock()

    def hammer(n: int) -> None:
        with httpx.Client(base_url=live_server.url, timeout=120) as c:
            i = n
            while not stop.is_set():
                try:
                    r = c.get("/api/search", params={"q": QUERIES[i % len(QUERIES)], "k": 5})
                    ok = r.status_code == 200 and _complete(r.json())
                    with lock:
                        results.append((r.status_code, ok))
                    health = c.get("/health").json()
                    with lock:
                        generations.add(health["generation"])
                except Exception as exc:  # noqa: BLE001 - every failure counts
                    with lock:
                        errors.append(repr(exc))
                i += 1

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.5)
        with httpx.Client(base_url=live_server.url, timeout=120, headers=AUTH) as c:
            job = c.post("/api/reindex").json()
            seen_running = False
            deadline = time.monotonic() + 300
            while job["state"] not in ("done", "failed") and time.monotonic() < deadline:
                seen_running = seen_running or job["state"] == "running"
                time.sleep(0.05)
                job = c.get(f"/api/jobs/{job['job_id']}").json()
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(180)

    assert job["state"] == "done", job
    assert job["report"]["counts"]["added"] == 3
    after = job["report"]["generation"]
    assert after != before
    assert errors == []
    assert len(results) >= 20
    assert all(code == 200 for code, _ in results), {code for code, _ in results}
    assert all(ok for _, ok in results)
    assert {before, after} <= generations  # answered from the old snapshot, then from the new one
    with httpx.Client(base_url=live_server.url, timeout=60) as c:
        hits = c.get("/api/search", params={"q": "Grubenwasser"}).json()["hits"]
        assert hits[0]["title"] == "Neues Thema 0"


@pytest.mark.parametrize("store_url", BACKENDS, indirect=True)
def test_a_slow_upload_does_not_hold_the_search_threads(make_app, tmp_path) -> None:
    """With one request thread, searches still answer while an upload's indexing is paused mid-write."""
    from tests.fixtures.http import start_server, stop_server
    from tests.stage_pause import pause_at

    marker = tmp_path / "paused"
    app = make_app(request_threads=1)
    app.state.door.assistant.on_stage = pause_at("writing", marker, 8)
    live = start_server(app)
    upload: dict[str, int] = {}

    def send_upload() -> None:
        with httpx.Client(base_url=live.url, timeout=120) as c:
            files = [("files", ("grubenwasser.md", "# Grubenwasser\n\nAufbereitung von Grubenwasser in der Lausitz.".encode(), "text/markdown"))]
            upload["status"] = c.post("/api/documents", files=files, headers=AUTH).status_code

    uploader = threading.Thread(target=send_upload)
    try:
        uploader.start()
        while not marker.exists():  # the upload is now paused inside the index run
            assert uploader.is_alive(), upload
            time.sleep(0.05)
        with httpx.Client(base_url=live.url, timeout=120) as c:
            for query in QUERIES:
                assert c.get("/api/search", params={"q": query}).status_code == 200
        assert uploader.is_alive()  # the searches were served while the upload still held its thread
        uploader.join(60)
        assert upload["status"] == 201
    finally:
        uploader.join(60)
        stop_server(live)
