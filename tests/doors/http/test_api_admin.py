"""Admin routes: auth, uploads (limits, types, names, metadata), delete, re-index jobs, usage stats."""

from __future__ import annotations

import json
import time

import pytest
import yaml
from fastapi.testclient import TestClient

from assistant.ingest.uploads import safe_filename
from assistant.ingest.upload_journal import UploadJournal
from assistant.storage.generations import writer_lock

TOKEN = "test-admin-token-1"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

NEW_DOC = """---
title: "Wasserstoff-Werkstatt Zeitz"
type: projekt
region: [Mitteldeutsches Revier]
land: [Sachsen-Anhalt]
source_url: "https://www.example.org/zeitz"
stand: 2026-08-01
---
# Wasserstoff-Werkstatt Zeitz

Die Werkstatt in Zeitz erprobt Elektrolyseure für grünen Wasserstoff im Burgenlandkreis.
"""

ADMIN_ROUTES = [
    ("post", "/api/reindex", {}),
    ("get", "/api/jobs/abc", {}),
    ("get", "/api/stats", {}),
    ("delete", "/api/documents/stark", {}),
    ("post", "/api/documents", {"files": {"files": ("a.md", b"# A\n\nText", "text/markdown")}}),
]


def stored_uploads(settings) -> list[str]:
    """Files kept in the upload folder (its hidden journal aside); none of them may still be pending."""
    if not settings.upload_dir.exists():
        return []
    assert [e for e in UploadJournal(settings.upload_dir).entries() if e.state == "pending"] == []
    return sorted(p.name for p in settings.upload_dir.iterdir() if not p.name.startswith("."))


def _upload(client: TestClient, files: list[tuple[str, bytes]], headers=AUTH, **data) -> object:
    return client.post(
        "/api/documents",
        files=[("files", (name, content, "application/octet-stream")) for name, content in files],
        data=data,
        headers=headers,
    )


def _wait_job(client: TestClient, job_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}", headers=AUTH).json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError("job did not finish")


# --- auth -------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "kwargs"), ADMIN_ROUTES)
def test_admin_routes_need_the_token(client: TestClient, method: str, path: str, kwargs: dict) -> None:
    r = getattr(client, method)(path, **kwargs)
    assert r.status_code == 401
    assert r.json()["code"] == "unauthorized"
    assert r.headers["www-authenticate"].startswith("Bearer")
    for header in ({"Authorization": "Bearer falsch"}, {"Authorization": f"Basic {TOKEN}"},
                   {"Authorization": "Bearer"}, {"Authorization": f"Bearer {TOKEN}x"}):
        r = getattr(client, method)(path, headers=header, **kwargs)
        assert r.status_code == 401, header
        assert "www-authenticate" in r.headers


@pytest.mark.parametrize(("method", "path", "kwargs"), ADMIN_ROUTES)
def test_admin_routes_disabled_without_configured_token(make_app, method: str, path: str, kwargs: dict) -> None:
    with TestClient(make_app(admin_token=None)) as c:
        for headers in ({}, AUTH, {"Authorization": "Bearer "}):
            r = getattr(c, method)(path, headers=headers, **kwargs)
            assert r.status_code == 403
            assert r.json()["code"] == "admin_disabled"
            assert "deaktiviert" in r.json()["message"]
        assert c.get("/api/search", params={"q": "STARK"}).status_code == 200  # public routes still work


# --- uploads ------------------------------------------------------------------------


def test_upload_indexes_file_with_metadata(client: TestClient) -> None:
    settings = client.app.state.door.settings
    r = _upload(
        client, [("Bericht Zeitz.md", NEW_DOC.encode())],
        metadata=json.dumps({"tags": ["Wasserstoff"]}), programm="STARK",
    )
    assert r.status_code == 201, r.text
    out = r.json()
    f = out["files"][0]
    assert f["status"] == "added" and f["chunks"] >= 1 and f["file"] == "Bericht Zeitz.md"
    stored = settings.upload_dir / "Bericht Zeitz.md"
    assert stored.read_text(encoding="utf-8") == NEW_DOC
    sidecar = yaml.safe_load((settings.upload_dir / "Bericht Zeitz.meta.yaml").read_text(encoding="utf-8"))
    assert sidecar == {"programm": ["STARK"], "tags": ["Wasserstoff"]}
    assert out["documents"] == 5

    hits = client.get("/api/search", params={"q": "Elektrolyseure Zeitz"}).json()["hits"]
    assert hits[0]["doc_id"] == f["doc_id"]
    doc = client.get(f"/api/documents/{f['doc_id']}").json()
    assert doc["document"]["uploaded"] is True
    assert doc["document"]["programm"] == ["STARK"]
    assert client.get("/health").json()["documents"] == 5


def test_upload_several_files_and_name_collisions(client: TestClient) -> None:
    settings = client.app.state.door.settings
    body = b"Die Stadt Weisswasser plant ein Besucherzentrum zur Industriekultur."
    r = _upload(client, [("notiz.txt", body), ("notiz.txt", body + b" Zweite Fassung.")])
    assert r.status_code == 201, r.text
    r2 = _upload(client, [("NOTIZ.md", b"# Notiz\n\nDritte Datei zum Besucherzentrum.")])
    assert r2.status_code == 201
    names = stored_uploads(settings)
    assert names == ["NOTIZ-3.md", "notiz-2.txt", "notiz.txt"]
    assert len({f["doc_id"] for f in r.json()["files"] + r2.json()["files"]}) == 3


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd.md", "passwd.md"),
        ("..\\..\\windows\\boot.md", "boot.md"),
        ("/abs/path/x.md", "x.md"),
        (".hidden.md", "hidden.md"),
        ("  Bericht   2026 .md", "Bericht 2026.md"),
        ("README.md", "README-2.md"),
        ("Fo\u0308rderung.md", "Förderung.md"),  # decomposed umlaut → NFC
        ("a\u202eevil.md", "aevil.md"),  # bidi override removed
        ('bad<>:"|?*.md', "bad_______.md"),
    ],
)
def test_upload_file_names_are_sanitised(client: TestClient, raw: str, expected: str) -> None:
    settings = client.app.state.door.settings
    r = _upload(client, [(raw, "# Titel\n\nEin kurzer Text über Strukturwandel.".encode())])
    assert r.status_code == 201, r.text
    assert r.json()["files"][0]["file"] == expected
    assert r.json()["files"][0]["original_name"] is not None
    assert (settings.upload_dir / expected).is_file()
    root = settings.corpus_dir.parent
    assert not (root / "etc").exists() and not (root.parent / "etc" / "passwd.md").exists()
    assert [p for p in settings.upload_dir.rglob("*") if p.is_dir()] == []


def test_safe_filename_drops_control_characters() -> None:
    assert safe_filename("a\x00b\x1f\u200bc.md") == "abc.md"
    assert safe_filename(None) == "upload"
    assert safe_filename("x" * 400 + ".pdf").endswith("x.pdf")
    assert len(safe_filename("ä" * 400 + ".pdf").encode()) <= 150


def test_oversize_upload_is_413_and_nothing_is_stored(make_app) -> None:
    with TestClient(make_app(max_upload_mb=0.01)) as c:  # 10 KiB per file
        settings = c.app.state.door.settings
        r = _upload(c, [("klein.md", b"# Klein\n\nText."), ("gross.md", b"# Gross\n\n" + b"x" * 20_000)])
        assert r.status_code == 413
        assert r.json()["code"] == "file_too_large"
        assert "gross.md" in r.json()["message"]
        # A body over the request limit is refused from its Content-Length, before parsing …
        r = _upload(c, [("riesig.md", b"x" * 1_300_000)])
        assert (r.status_code, r.json()["code"]) == (413, "file_too_large")
        # … and a chunked body without Content-Length is cut off while streaming.
        boundary = "grenze"
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="s.md"\r\n'
                "Content-Type: text/markdown\r\n\r\n").encode()
        chunks = [head] + [b"y" * 65536] * 20 + [f"\r\n--{boundary}--\r\n".encode()]
        r = c.post("/api/documents", content=iter(chunks), headers=AUTH | {
            "Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert (r.status_code, r.json()["code"]) == (413, "file_too_large")
        assert stored_uploads(settings) == []


def test_unknown_type_is_415_and_nothing_is_stored(client: TestClient) -> None:
    settings = client.app.state.door.settings
    for name in ("programm.exe", "ohne-endung", "daten.meta.yaml", "..md", "..."):
        r = _upload(client, [("ok.md", b"# OK\n\nText."), (name, b"MZ\x90\x00")])
        assert r.status_code == 415, name
        assert r.json()["code"] == "unsupported_file_type"
        assert ".pdf" in r.json()["message"]
    assert stored_uploads(settings) == []


def test_bad_upload_requests(client: TestClient) -> None:
    r = client.post("/api/documents", data={"title": "x"}, headers=AUTH)
    assert (r.status_code, r.json()["code"]) == (422, "bad_upload")
    r = client.post("/api/documents", headers=AUTH)
    assert r.status_code == 422
    r = _upload(client, [("a.md", b"# A\n\nText.")], metadata="{kein json")
    assert (r.status_code, r.json()["code"]) == (422, "bad_upload")
    r = _upload(client, [("a.md", b"# A\n\nText.")], metadata="[1, 2]")
    assert (r.status_code, r.json()["code"]) == (422, "bad_upload")
    r = _upload(client, [("a.md", b"# A\n\nText.")], type="kochrezept")
    assert (r.status_code, r.json()["code"]) == (422, "metadata_error")
    r = _upload(client, [("a.md", b"# A\n\nText.")], stand="letzte Woche")
    assert (r.status_code, r.json()["code"]) == (422, "metadata_error")
    for n in (11, 12):  # docs/api.md: more than 10 files in one request → 413
        r = _upload(client, [(f"f{i}.md", b"# F\n\nText.") for i in range(n)])
        assert (r.status_code, r.json()["code"]) == (413, "too_many_files"), r.text
        assert "höchstens 10" in r.json()["message"] and "nichts gespeichert" in r.json()["message"]
    settings = client.app.state.door.settings
    assert stored_uploads(settings) == []
    r = _upload(client, [(f"f{i}.md", f"# F{i}\n\nText {i}.".encode()) for i in range(10)])
    assert r.status_code == 201, r.text
    assert len(stored_uploads(settings)) == 10


def test_unreadable_upload_is_reported_and_not_kept(client: TestClient) -> None:
    settings = client.app.state.door.settings
    r = _upload(client, [("kaputt.pdf", b"%PDF-1.7 das ist kein PDF"), ("leer.md", b"")])
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "upload_failed"
    reasons = {f["file"]: f["reason"] for f in body["details"]["files"]}
    assert set(reasons) == {"kaputt.pdf", "leer.md"} and all(reasons.values())
    assert stored_uploads(settings) == []

    r = _upload(client, [("gut.md", b"# Gut\n\nLesbarer Text zur Lausitz."), ("kaputt.pdf", b"%PDF-1.7 kaputt")])
    assert r.status_code == 201
    status = {f["file"]: f["status"] for f in r.json()["files"]}
    assert status == {"gut.md": "added", "kaputt.pdf": "failed"}
    assert stored_uploads(settings) == ["gut.md"]


def test_upload_while_index_is_busy_is_409(client: TestClient) -> None:
    settings = client.app.state.door.settings
    with writer_lock(settings.index_dir):
        r = _upload(client, [("spaeter.md", b"# Spaeter\n\nText.")])
    assert r.status_code == 409
    assert r.json()["code"] == "index_locked"
    assert "gerade" in r.json()["message"]
    assert stored_uploads(settings) == []
    assert _upload(client, [("spaeter.md", b"# Spaeter\n\nText.")]).status_code == 201


# --- delete ---------------------------------------------------------------------------


def test_delete_uploaded_document_deletes_file(client: TestClient) -> None:
    settings = client.app.state.door.settings
    r = _upload(client, [("weg.md", NEW_DOC.encode())], land="Sachsen-Anhalt")
    doc_id = r.json()["files"][0]["doc_id"]
    r = client.delete(f"/api/documents/{doc_id}", headers=AUTH)
    assert r.status_code == 200
    assert r.json()["file_deleted"] is True
    assert stored_uploads(settings) == []  # file and sidecar gone
    assert client.get(f"/api/documents/{doc_id}").status_code == 404
    # a re-index does not bring it back
    job = _wait_job(client, client.post("/api/reindex", headers=AUTH).json()["job_id"])
    assert job["state"] == "done"
    assert client.get(f"/api/documents/{doc_id}").status_code == 404


def test_delete_corpus_document_keeps_file_and_says_so(client: TestClient) -> None:
    settings = client.app.state.door.settings
    r = client.delete("/api/documents/werkstatt-2", headers=AUTH)
    assert r.status_code == 200
    assert r.json()["file_deleted"] is False and "nicht gelöscht" in r.json()["notice"]
    assert (settings.corpus_dir / "strategie" / "werkstatt-2.md").is_file()
    assert client.get("/api/documents/werkstatt-2").status_code == 404
    r = client.delete("/api/documents/werkstatt-2", headers=AUTH)
    assert (r.status_code, r.json()["code"]) == (404, "document_not_found")


# --- re-index jobs ----------------------------------------------------------------------


def test_reindex_job_reports_progress(client: TestClient) -> None:
    settings = client.app.state.door.settings
    (settings.corpus_dir / "projekt").mkdir()
    (settings.corpus_dir / "projekt" / "zeitz.md").write_text(NEW_DOC, encoding="utf-8")
    (settings.corpus_dir / "akteur" / "metropolregion.md").unlink()
    r = client.post("/api/reindex", headers=AUTH)
    assert r.status_code == 202
    assert r.headers["location"] == f"/api/jobs/{r.json()['job_id']}"
    assert r.json()["state"] in ("queued", "running", "done")
    job = _wait_job(client, r.json()["job_id"])
    assert job["state"] == "done", job
    assert job["files_total"] == job["files_done"] == 4
    assert job["chunks_total"] and job["chunks_done"] == job["chunks_total"]
    report = job["report"]
    assert report["counts"]["added"] == 1 and report["counts"]["removed"] == 1 and report["counts"]["unchanged"] == 3
    assert report["changed"] is True and report["documents"] == 4
    assert {f["status"] for f in report["files"]} == {"added", "removed"}
    assert job["finished_at"]
    assert client.get("/health").json()["generation"] == report["generation"]

    r = client.get("/api/jobs/unbekannt", headers=AUTH)
    assert (r.status_code, r.json()["code"]) == (404, "job_not_found")


def test_second_reindex_while_running_is_409(client: TestClient) -> None:
    settings = client.app.state.door.settings
    with writer_lock(settings.index_dir):  # another writer holds the index: the job fails fast
        first = client.post("/api/reindex", headers=AUTH).json()
        job = _wait_job(client, first["job_id"])
    assert job["state"] == "failed" and job["error"]["code"] == "index_locked"

    # a job that is still running blocks a second one
    for i in range(3):
        text = f"# Neu {i}\n\nText Nummer {i} über Tagebaue."
        (settings.corpus_dir / f"neu-{i}.md").write_text(text, encoding="utf-8")
    first = client.post("/api/reindex", headers=AUTH).json()
    second = client.post("/api/reindex", headers=AUTH)
    if second.status_code == 409:  # the first one may already be done on a fast machine
        assert second.json()["code"] == "job_running"
        assert second.json()["details"]["job_id"] == first["job_id"]
    assert _wait_job(client, first["job_id"])["state"] == "done"


# --- usage statistics -----------------------------------------------------------------------


def test_usage_stats(client: TestClient) -> None:
    client.get("/api/search", params={"q": "STARK Zuschuss"})
    answer = client.post("/api/ask", json={"question": "Wie backe ich einen Apfelkuchen?"}).json()
    client.post("/api/ask", json={"question": "Wie backe ich einen Apfelkuchen?"})
    client.post("/api/feedback", json={"answer_id": answer["answer_id"], "helpful": False, "comment": "Thema fehlt"})
    r = client.get("/api/stats", headers=AUTH, params={"days": 7})
    assert r.status_code == 200
    stats = r.json()
    assert stats["days"] == 7
    assert stats["total_queries"] >= 3 and sum(stats["queries_per_day"].values()) == stats["total_queries"]
    assert stats["abstention_rate"] == 1.0
    assert stats["top_unanswered"][0] == ["wie backe ich einen apfelkuchen?", 2]
    assert stats["feedback_not_helpful"] == 1 and stats["recent_comments"] == ["Thema fehlt"]
    assert client.get("/api/stats", headers=AUTH, params={"days": 0}).status_code == 422


