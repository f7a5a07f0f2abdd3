"""Over HTTP on loopback (real uvicorn): searches and asks never fail while documents are
uploaded, deleted and the index is rebuilt.  (tests/api/test_api_concurrency.py covers a
re-index alone; this adds uploads and deletes, and asks.)"""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from assistant.doors.http.app import create_app
from assistant.service import Assistant
from tests.conftest import BACKENDS, SMALL_CORPUS, write_tree
from tests.fixtures.http import start_server, stop_server

TOKEN = "concurrency-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
QUERIES = ["Förderquote STARK", "Elektrolyse Zeitz", "Werkstatt Innovation Lausitz", "Renaturierung Tagebaue"]
UPLOAD = "# Elektrolyse Zeitz\n\nIn Zeitz entstehen Elektrolyseure für grünen Wasserstoff, gefördert aus dem Revierbudget.\n"


def _wait_job(c: httpx.Client, job_id: str) -> dict:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        job = c.get(f"/api/jobs/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError("job did not finish")


@pytest.mark.parametrize("store_url", BACKENDS, indirect=True)
def test_reads_never_fail_during_upload_delete_reindex(make_settings, embedder) -> None:
    settings = make_settings(admin_token=TOKEN, rate_limit_per_minute=0)
    write_tree(settings.corpus_dir, SMALL_CORPUS)
    assistant = Assistant(settings, embedder)
    assistant.index([settings.corpus_dir])
    live = start_server(create_app(settings, assistant))

    stop = threading.Event()
    lock = threading.Lock()
    failures: list[str] = []
    counts = {"search": 0, "ask": 0}

    def reader(n: int) -> None:
        with httpx.Client(base_url=live.url, timeout=120) as c:
            i = n
            while not stop.is_set():
                q = QUERIES[i % len(QUERIES)]
                try:
                    if i % 3 == 2:
                        r, kind = c.post("/api/ask", json={"question": q + "?"}), "ask"
                    else:
                        r, kind = c.get("/api/search", params={"q": q, "k": 5}), "search"
                    body = r.json()
                    if r.status_code != 200:
                        raise AssertionError(f"{kind} {q!r}: HTTP {r.status_code} {body}")
                    if kind == "search":
                        for hit in body["hits"]:
                            assert hit["passages"] and all(p["chunk_id"].startswith(hit["doc_id"]) for p in hit["passages"])
                except Exception as exc:  # noqa: BLE001 - every failure counts
                    with lock:
                        failures.append(repr(exc))
                with lock:
                    counts[kind] += 1
                i += 1

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    try:
        with httpx.Client(base_url=live.url, timeout=300, headers=AUTH) as c:
            for _round in range(2):
                files = {"files": ("zeitz.md", UPLOAD.encode(), "text/markdown")}
                r = c.post("/api/documents", files=files)
                assert r.status_code == 201, r.text
                doc_id = r.json()["files"][0]["doc_id"]
                assert c.delete(f"/api/documents/{doc_id}").status_code == 200
                job = _wait_job(c, c.post("/api/reindex").json()["job_id"])
                assert job["state"] == "done", job
            r = c.post("/api/documents", files={"files": ("zeitz.md", UPLOAD.encode(), "text/markdown")})
            assert r.status_code == 201, r.text
            time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join(180)
        stop_server(live)

    assert failures == []
    assert counts["search"] >= 4 and counts["ask"] >= 1, counts
    assert "zeitz" in assistant.snapshot.documents
    assert assistant.search("Elektrolyseure Zeitz").hits[0].document.doc_id == "zeitz"
