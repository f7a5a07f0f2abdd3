"""Uploads as a background job: 202 with a job, progress counts, per-file outcomes, all-or-nothing failures."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from tests.fixtures.http import AUTH

DOC = "---\ntitle: Handbuch Kalk\ntype: projekt\n---\n" + "\n".join(
    f"## Schritt {i}\n\nKalk hebt den pH-Wert des Grubenwassers in Schritt {i}.\n" for i in range(12)
)


def _wait(client: TestClient, job_id: str) -> dict:
    deadline = time.monotonic() + 120
    while True:
        job = client.get(f"/api/jobs/{job_id}", headers=AUTH).json()
        if job["state"] in ("done", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


def test_background_upload_reports_progress_and_outcomes(client: TestClient) -> None:
    r = client.post(
        "/api/documents", params={"background": "true"}, headers=AUTH,
        files={"files": ("kalk.md", DOC.encode(), "text/markdown")}, data={"region": "Lausitz"},
    )
    assert r.status_code == 202, r.text
    assert r.headers["location"] == f"/api/jobs/{r.json()['job_id']}"
    assert r.json()["kind"] == "upload"
    job = _wait(client, r.json()["job_id"])
    assert job["state"] == "done", job
    assert job["files_total"] == job["files_done"] == 1
    assert job["chunks_total"] and job["chunks_done"] == job["chunks_total"]
    [outcome] = job["files"]
    assert outcome["status"] == "added" and outcome["original_name"] == "kalk.md" and outcome["chunks"] >= 1
    assert client.get("/api/documents/" + outcome["doc_id"]).json()["metadata"]["region"] == ["Lausitz"]


def test_background_upload_of_unreadable_files_fails_with_reasons(client: TestClient) -> None:
    r = client.post(
        "/api/documents", params={"background": "true"}, headers=AUTH,
        files={"files": ("kaputt.pdf", b"%PDF-1.4 kein pdf", "application/pdf")},
    )
    assert r.status_code == 202
    job = _wait(client, r.json()["job_id"])
    assert job["state"] == "failed"
    assert job["error"]["code"] == "upload_failed"
    assert "kaputt.pdf" in job["error"]["details"]["files"][0]["file"]
    assert job["files"] is None
    assert not any(d["title"] == "kaputt" for d in client.get("/api/documents").json()["documents"])


def test_background_upload_still_checks_the_request_first(client: TestClient) -> None:
    r = client.post("/api/documents", params={"background": "true"}, headers=AUTH,
                    files={"files": ("bild.exe", b"MZ", "application/octet-stream")})
    assert r.status_code == 415 and r.json()["code"] == "unsupported_file_type"
    assert client.post("/api/documents", params={"background": "true"},
                       files={"files": ("a.md", b"# A", "text/markdown")}).status_code == 401
