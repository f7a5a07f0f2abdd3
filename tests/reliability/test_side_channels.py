"""Never a 500 for bad input or a side channel (issue #19, 4).

* upload metadata nested 100,000 deep, "circular-reference-like" 900 levels, lone surrogates → 422;
* lone surrogates anywhere in a JSON body → a German 422 or a normal answer, never a 500;
* a read-only index folder: search, ask, feedback and stats work without usage.sqlite, and
  DELETE, uploads and re-index jobs say which path they cannot write (real permissions: a
  child process runs as an unprivileged user, since root may write anywhere);
* feedback for an answer id the service never gave is refused and not counted.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.service import Assistant
from tests.conftest import REPO, SMALL_CORPUS, settings_for, write_tree
from tests.data.nasty.make_nasty import METADATA_CASES
from tests.fixtures.http import AUTH

def _upload(client: TestClient, metadata: str):
    files = {"files": ("meta.md", b"# Meta\n\nEin Dokument mit Metadaten.", "text/markdown")}
    return client.post("/api/documents", files=files, data={"metadata": metadata}, headers=AUTH)


@pytest.mark.parametrize("label", list(METADATA_CASES))
def test_hostile_upload_metadata_is_a_german_422(label: str, client: TestClient) -> None:
    metadata, message = METADATA_CASES[label]
    r = _upload(client, metadata)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "bad_upload" and message in r.json()["message"]
    uploads = client.app.state.door.settings.upload_dir
    assert not uploads.exists() or not [p for p in uploads.iterdir() if not p.name.startswith(".")]


SURROGATE_BODIES = [
    ("/api/ask", {"question": "Förderquote STARK \ud800?"}, "question"),
    ("/api/ask", {"question": "Förderquote STARK?", "conversation_id": "chat-\udc00"}, "conversation_id"),
    ("/api/ask", {"question": "Förderquote?", "filters": {"land": ["Sachsen\ud800"]}}, "filters.land.0"),
    ("/api/project-check", {"description": "Wir bauen eine Kita \ud83d in der Lausitz."}, "description"),
    ("/api/project-check", {"description": "Wir bauen eine Kita.", "region": "Laus\udfffitz"}, "region"),
    ("/api/feedback", {"answer_id": "x\ud800", "helpful": True}, "answer_id"),
    ("/api/feedback", {"answer_id": "x", "helpful": True, "comment": "zu knapp \ud800"}, "comment"),
]


@pytest.mark.parametrize(("path", "body", "field"), SURROGATE_BODIES)
def test_lone_surrogates_in_json_bodies_are_a_german_422(path: str, body: dict, field: str, client: TestClient) -> None:
    raw = json.dumps(body)  # ensure_ascii: the surrogate travels as "\ud800", as a hostile client sends it
    r = client.post(path, content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_request"
    assert f"Feld '{field}' enthält ein ungültiges Zeichen" in r.json()["message"]


def test_the_service_scrubs_surrogates_the_json_schema_cannot_see(client: TestClient) -> None:
    """The bot and the CLI reach the service without the API's schemas (a CLI argument of invalid
    UTF-8 arrives as surrogate escapes): questions and comments are scrubbed, stored and answered."""
    assistant = client.app.state.door.assistant
    answer = assistant.ask("Wie hoch ist die Förderquote bei STARK? \udcff", conversation="cli-\udcff", channel="cli")
    assert "\ufffd" in answer.question and not answer.abstained
    assert assistant.feedback(answer.answer_id, False, "zu knapp \udcff", channel="cli")
    assert assistant.usage_stats().recent_comments == ["zu knapp \ufffd"]
    json.dumps(answer.to_dict(), ensure_ascii=False).encode("utf-8")


def test_feedback_for_an_unknown_answer_is_refused_and_not_counted(client: TestClient) -> None:
    r = client.post("/api/feedback", json={"answer_id": "erfunden-123", "helpful": True})
    assert r.status_code == 404 and r.json()["code"] == "answer_not_found"
    assert "erfunden-123" in r.json()["message"] and "nicht gezählt" in r.json()["message"]
    stats = client.get("/api/stats", headers=AUTH).json()
    assert stats["feedback_helpful"] == 0 and stats["feedback_not_helpful"] == 0

    answer = client.post("/api/ask", json={"question": "Wie hoch ist die Förderquote bei STARK?"}).json()
    assert client.post("/api/feedback", json={"answer_id": answer["answer_id"], "helpful": True}).status_code == 200
    assert client.get("/api/stats", headers=AUTH).json()["feedback_helpful"] == 1


def test_feedback_is_known_after_a_restart_from_the_usage_log(make_app, embedder) -> None:
    with TestClient(make_app()) as first:
        answer_id = first.post("/api/ask", json={"question": "Was fördert STARK?"}).json()["answer_id"]
    with TestClient(make_app()) as second:  # a new process would have an empty memory: the file knows it
        r = second.post("/api/feedback", json={"answer_id": answer_id, "helpful": True})
        assert r.status_code == 200, r.text


# --- a read-only index folder ---------------------------------------------------------------


@pytest.fixture
def readonly_kb(embedder, embedding_cache: Path, tmp_path: Path):
    root = tmp_path / "kb"
    settings = settings_for(root, embedding_cache)  # built with the session's cache …
    write_tree(settings.corpus_dir, SMALL_CORPUS)
    Assistant(settings, embedder).index([settings.corpus_dir])
    yield root, settings_for(root, None)  # … served with the default one in index/, which cannot be created
    for path in [root, *root.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755)


def _readonly_command(root: Path) -> list[str]:
    """The scenario, with ``root`` read-only for it.

    As a normal user the folders are made read-only (chmod); root may write anyway, so as
    root the scenario runs in a private mount namespace where ``root`` is a read-only bind
    mount (the kernel then refuses every write with EROFS, root included).
    """
    scenario = [sys.executable, "-m", "tests.reliability.readonly_scenario"]
    if os.geteuid() != 0:
        for path in [root, *root.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        return scenario
    if not shutil.which("unshare"):
        pytest.skip("as root a read-only folder needs unshare(1) and a mount namespace; neither is available")
    mount = f"mount --bind -o ro {shlex.quote(str(root))} {shlex.quote(str(root))}"
    return ["unshare", "--mount", "--", "sh", "-c", f"{mount} && exec {shlex.join(scenario)}"]


def test_read_only_index_folder_reads_work_and_writes_name_the_path(readonly_kb) -> None:
    root, settings = readonly_kb
    assert not (settings.index_dir / "usage.sqlite").exists()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIERLOTSE_")}
    env |= {
        "REVIERLOTSE_CORPUS_DIR": str(settings.corpus_dir),
        "REVIERLOTSE_INDEX_DIR": str(settings.index_dir),
        "REVIERLOTSE_ADMIN_TOKEN": "ro-token",
        "REVIERLOTSE_RATE_LIMIT_PER_MINUTE": "0",
        "PYTHONPATH": str(REPO),
        "HF_HUB_OFFLINE": "1",
    }
    proc = subprocess.run(_readonly_command(root), cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0 and "mount" in proc.stderr and "permission denied" in proc.stderr.lower():
        pytest.skip(f"no mount namespace for a read-only folder here: {proc.stderr.strip()[:200]}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout)

    for route in ("search", "ask", "feedback", "stats", "health"):
        assert out[route][0] == 200, (route, out[route])
    assert out["feedback"][1]["status"] == "not_recorded" and "nicht gespeichert" in out["feedback"][1]["message"]
    assert out["feedback_unknown"][0] == 404
    assert "usage.sqlite" in out["stats"][1]["notice"] and "Schreibrechte" in out["stats"][1]["notice"]
    assert not (settings.index_dir / "usage.sqlite").exists()

    status, body = out["delete"]
    assert status == 503 and body["code"] == "index_not_writable"
    assert str(settings.index_dir) in body["message"] and "Kein Schreibzugriff" in body["message"]
    status, body = out["upload"]
    assert status == 503 and body["code"] == "index_not_writable" and str(settings.corpus_dir) in body["message"]
    job = out["job"][1]
    assert job["state"] == "failed" and job["error"]["code"] == "index_not_writable"
    assert str(settings.index_dir) in job["error"]["message"]
    assert "stark" in Assistant(settings).snapshot.documents  # nothing was removed
