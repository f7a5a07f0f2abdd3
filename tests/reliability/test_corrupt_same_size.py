"""Same-size damage of a real index (issue #19, 1): random bytes overwrite 64 KB or 200 KB in the
middle of chunks.sqlite, vectors.faiss or a BM25 file, so every size check still passes.

On copies of a real three-generation index (tests/fixtures/damage.py) this proves, for the
Assistant, the API, the CLI and a real `revierlotse serve` process:

* damage present when a generation is opened is found by the manifest checksums, and the
  newest intact generation serves, answering exactly as it did;
* damage that appears while a generation is served is found by the first read that hits it
  (a `sqlite3.DatabaseError` at query time): the generation is skipped and the next intact
  one answers — never a 500;
* with no intact generation every reading route answers 503 in German, the server keeps
  running, and the CLI prints a German message instead of a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.doors.cli import app as cli_app
from assistant.doors.http.app import create_app
from assistant.errors import IndexCorrupt
from assistant.service import Assistant
from assistant.storage.generations import current_generation
from tests.fixtures.damage import KB, DamageKB, fingerprint, overwrite_middle
from tests.processes import stop_process

TARGETS = [
    ("chunks.sqlite", 64 * KB),
    ("chunks.sqlite", 200 * KB),
    ("vectors.faiss", 64 * KB),
    ("vectors.faiss", 200 * KB),
    ("bm25/data.csc.index.npy", 64 * KB),
    ("bm25/indices.csc.index.npy", 64 * KB),
    ("bm25/vocab.index.json", 64 * KB),
    ("rows.npy", 64 * KB),
    ("catalog.json", 64 * KB),
]
READ_ROUTES = [
    ("GET", "/api/search?q=F%C3%B6rderquote%20STARK", None),
    ("POST", "/api/ask", {"question": "Wie hoch ist die Förderquote bei STARK?"}),
    ("POST", "/api/project-check", {"description": "Die Stadtwerke Guben wollen ein Wärmenetz bauen."}),
    ("GET", "/api/documents", None),
    ("GET", "/api/documents/stark", None),
    ("GET", "/api/facets", None),
]


def _ids(targets: list[tuple[str, int]]) -> list[str]:
    return [f"{name}-{size // KB}KB" for name, size in targets]


@pytest.mark.parametrize(("name", "size"), TARGETS, ids=_ids(TARGETS))
def test_damage_on_disk_is_found_on_open_and_the_newest_intact_generation_answers(
    name: str, size: int, damage_kb: DamageKB, embedder
) -> None:
    live, previous = damage_kb.generations[-1], damage_kb.generations[-2]
    overwrite_middle(damage_kb.gen(live) / name, size)

    assistant = Assistant(damage_kb.settings, embedder)
    assert assistant.snapshot.name == previous
    assert fingerprint(assistant) == damage_kb.answers[previous]
    assert assistant.stats().fallback_from == live
    # A reader that is already serving the damaged generation cannot exist: it was never opened.
    assert current_generation(damage_kb.settings.index_dir) == live


def test_damaged_live_generation_over_the_api_serves_the_fallback(damage_kb: DamageKB, embedder) -> None:
    live, previous = damage_kb.generations[-1], damage_kb.generations[-2]
    overwrite_middle(damage_kb.gen(live) / "chunks.sqlite", 200 * KB)
    with TestClient(create_app(damage_kb.settings, Assistant(damage_kb.settings, embedder))) as client:
        health = client.get("/health")
        assert health.status_code == 200
        assert health.json()["status"] == "degraded" and health.json()["generation"] == previous
        assert live in health.json()["message"] and "beschädigt" in health.json()["message"]
        for method, path, body in READ_ROUTES:
            response = client.request(method, path, json=body)
            assert response.status_code == 200, (path, response.text)


def test_damage_while_serving_is_found_by_the_first_read_and_never_a_500(damage_kb: DamageKB, embedder) -> None:
    """The red team's first case: 64 KB overwritten under a running server (8 of 23 requests were 500)."""
    live, previous = damage_kb.generations[-1], damage_kb.generations[-2]
    assistant = Assistant(damage_kb.settings, embedder)
    with TestClient(create_app(damage_kb.settings, assistant)) as client:
        assert client.get("/api/search", params={"q": "STARK"}).status_code == 200
        assert assistant.snapshot.name == live
        overwrite_middle(damage_kb.gen(live) / "chunks.sqlite", 64 * KB)

        statuses = []
        for doc_id in sorted(assistant.snapshot.documents):  # every document: every page of the table
            statuses.append(client.get(f"/api/documents/{doc_id}").status_code)
        for query in ("Wärmenetz Guben", "Sporthalle Spremberg", "Förderquote STARK"):
            statuses.append(client.get("/api/search", params={"q": query}).status_code)
            statuses.append(client.post("/api/ask", json={"question": query}).status_code)
        assert set(statuses) == {200}, statuses
        health = client.get("/health").json()
        assert health["status"] == "degraded" and health["generation"] == previous
    assert fingerprint(assistant) == damage_kb.answers[previous]


def _damage_all(kb: DamageKB, name: str = "chunks.sqlite", size: int = 200 * KB) -> None:
    for gen in kb.generations:
        overwrite_middle(kb.gen(gen) / name, size)


@pytest.mark.parametrize("name", ["chunks.sqlite", "vectors.faiss", "bm25/data.csc.index.npy"])
def test_no_intact_generation_means_503_in_german_on_every_reading_route(
    name: str, damage_kb: DamageKB, embedder
) -> None:
    _damage_all(damage_kb, name)
    with TestClient(create_app(damage_kb.settings, Assistant(damage_kb.settings, embedder))) as client:
        health = client.get("/health")
        assert health.status_code == 503 and health.json()["code"] == "index_corrupt"
        for method, path, body in READ_ROUTES:
            response = client.request(method, path, json=body)
            assert response.status_code == 503, (path, response.text)
            assert response.json()["code"] == "index_corrupt"
            assert "beschädigt" in response.json()["message"] and "index --rebuild" in response.json()["message"]


def test_all_generations_damaged_while_serving_gives_503_not_500(damage_kb: DamageKB, embedder) -> None:
    assistant = Assistant(damage_kb.settings, embedder)
    with TestClient(create_app(damage_kb.settings, assistant)) as client:
        assert client.get("/api/search", params={"q": "STARK"}).status_code == 200
        _damage_all(damage_kb, "chunks.sqlite", 64 * KB)
        statuses = {client.get(f"/api/documents/{d}").status_code for d in sorted(assistant.snapshot.documents)}
        assert statuses <= {200, 503} and 503 in statuses, statuses
        # Once every generation is known damaged, every read is a 503 with a German message.
        response = client.get("/api/documents/stark")
        assert response.status_code == 503 and "beschädigt" in response.json()["message"]


# --- the command line -----------------------------------------------------------------------


@pytest.fixture
def cli(damage_kb: DamageKB, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("REVIERLOTSE_CORPUS_DIR", str(damage_kb.settings.corpus_dir))
    monkeypatch.setenv("REVIERLOTSE_INDEX_DIR", str(damage_kb.settings.index_dir))
    monkeypatch.setenv("REVIERLOTSE_EMBEDDING_CACHE", str(damage_kb.settings.embedding_cache_path))
    monkeypatch.chdir(damage_kb.root)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli_app, list(args))


def test_cli_serves_the_fallback_when_the_live_generation_is_damaged(damage_kb: DamageKB, cli) -> None:
    live, previous = damage_kb.generations[-1], damage_kb.generations[-2]
    overwrite_middle(damage_kb.gen(live) / "chunks.sqlite", 200 * KB)
    result = cli("search", "Wärmenetz Guben", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["hits"]
    stats = cli("stats")
    assert stats.exit_code == 0, stats.output
    assert previous in stats.output and live in stats.output and "beschädigt" in stats.output


@pytest.mark.parametrize("command", [["search", "Wärmenetz Guben"], ["stats"], ["ask", "Was fördert STARK?"]])
def test_cli_prints_a_german_message_instead_of_a_traceback(command: list[str], damage_kb: DamageKB, cli) -> None:
    _damage_all(damage_kb)
    result = cli(*command)
    assert result.exit_code == 2, result.output
    assert "Fehler:" in result.output and "beschädigt" in result.output
    assert "Traceback" not in result.output and "DatabaseError" not in result.output
    assert not isinstance(result.exception, IndexCorrupt | KeyError | ValueError)


# --- a real `revierlotse serve` process --------------------------------------------------------


def _serve(kb: DamageKB, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIERLOTSE_") and k != "TELEGRAM_BOT_TOKEN"}
    env |= {
        "REVIERLOTSE_INDEX_DIR": str(kb.settings.index_dir),
        "REVIERLOTSE_CORPUS_DIR": str(kb.settings.corpus_dir),
        "REVIERLOTSE_EMBEDDING_CACHE": str(kb.settings.embedding_cache_path),
        "HF_HUB_OFFLINE": "1",
    }
    return subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port)], cwd=kb.root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _health(process: subprocess.Popen, port: int) -> httpx.Response:
    deadline = time.monotonic() + 120  # a guard against a hung start on a busy machine, not a timing assertion
    while time.monotonic() < deadline:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/health", timeout=10)
        except httpx.TransportError:
            if process.poll() is not None:
                pytest.fail(f"server exited at start-up ({process.returncode}):\n{process.stdout.read()}")
            time.sleep(0.2)
    pytest.fail("server did not come up")


@pytest.mark.parametrize("everything", [False, True], ids=["live-damaged", "all-damaged"])
def test_serve_process_never_exits_at_start_up_because_of_a_damaged_index(
    everything: bool, damage_kb: DamageKB, free_port: int
) -> None:
    if everything:
        _damage_all(damage_kb)
    else:
        overwrite_middle(damage_kb.gen(damage_kb.live) / "chunks.sqlite", 200 * KB)
    process = _serve(damage_kb, free_port)
    try:
        health = _health(process, free_port)
        if everything:
            assert health.status_code == 503 and health.json()["code"] == "index_corrupt"
            search = httpx.get(f"http://127.0.0.1:{free_port}/api/search", params={"q": "STARK"}, timeout=30)
            assert search.status_code == 503 and "beschädigt" in search.json()["message"]
        else:
            assert health.status_code == 200 and health.json()["generation"] == damage_kb.generations[-2]
        assert process.poll() is None
    finally:
        stop_process(process)
    output = process.stdout.read()
    assert "Application startup failed" not in output and "Traceback" not in output, output
