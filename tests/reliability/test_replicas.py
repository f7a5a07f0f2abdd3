"""Replicas: two `revierlotse serve` processes and the bot against one PostgreSQL database.

Real processes on loopback (two API servers on different ports, the bot against the
fake Bot API): an upload through one API process and a deletion through the other are
served by all three without a restart, and two uploads at the same moment through the
two processes end in a clear answer each (one waits or is refused with the lock message).
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.service import Assistant
from tests.conftest import (
    REPO,
    SMALL_CORPUS,
    drop_database,
    fresh_database,
    settings_for,
    share_vector_cache,
    write_tree,
)
from tests.doors.telegram.telegram_fake import FakeTelegram
from tests.pg_server import free_port
from tests.processes import stop_process

pytestmark = [pytest.mark.integration, pytest.mark.postgres]
TOKEN = "replica-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
START_TIMEOUT_S = 120  # a guard against a hung process on a busy machine, not a speed assertion
SEEN_TIMEOUT_S = 30
QUESTION = "Wo wird Grubenwasser in Welzow aufbereitet?"
UPLOAD = ("# Grubenwasser Welzow\n\nIn Welzow bereitet eine neue Anlage Grubenwasser aus dem Tagebau auf; "
          "die Aufbereitung wird aus dem Revierbudget gefördert.\n")


def _env(settings, index_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REVIERLOTSE_", "TELEGRAM_"))}
    return env | {
        "REVIERLOTSE_STORE_URL": settings.store_url.get_secret_value(),
        "REVIERLOTSE_CORPUS_DIR": str(settings.corpus_dir),  # a shared folder, as on one host or over NFS
        "REVIERLOTSE_INDEX_DIR": str(index_dir),  # per process: only its usage log lives there
        "REVIERLOTSE_ADMIN_TOKEN": TOKEN,
        "REVIERLOTSE_RATE_LIMIT_PER_MINUTE": "0",
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(REPO),
    }


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "assistant", *args], env=env, cwd=log.parent,
                                stdout=out, stderr=subprocess.STDOUT)


def _wait_healthy(base: str, process: subprocess.Popen, log: Path) -> dict:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")
        try:
            health = httpx.get(f"{base}/health", timeout=10)
            if health.status_code == 200:
                return health.json()
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{base} never became healthy:\n{log.read_text(errors='replace')}")


def _top(base: str, query: str) -> str | None:
    hits = httpx.get(f"{base}/api/search", params={"q": query, "k": 3}, timeout=60).json()["hits"]
    return hits[0]["doc_id"] if hits else None


def _eventually(check, what: str) -> None:
    """Replicas and the bot notice another process's switch within LIVE_CHECK_S (a fraction of a second:
    the live generation is read at most that often); allow a busy machine."""
    deadline = time.monotonic() + SEEN_TIMEOUT_S
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


@pytest.fixture(scope="module")
def replicas(pg_cluster, embedder, embedding_cache, tmp_path_factory) -> Iterator[tuple[list[str], FakeTelegram, object]]:
    """Started once for the module (three Python processes take a while on a busy machine)."""
    tmp_path = tmp_path_factory.mktemp("replicas")
    url = fresh_database(pg_cluster)
    share_vector_cache(url, embedding_cache, into_database=True)
    settings = settings_for(tmp_path, embedding_cache, store_url=url)
    write_tree(settings.corpus_dir, SMALL_CORPUS)
    assert not Assistant(settings, embedder).index([settings.corpus_dir]).failed
    processes: list[subprocess.Popen] = []
    with FakeTelegram() as tg:
        try:
            bases = []
            for name in ("a", "b"):
                port = free_port()
                log = tmp_path / f"serve-{name}.log"
                processes.append(_start(["serve", "--port", str(port)], _env(settings, tmp_path / f"index-{name}"), log))
                bases.append((f"http://127.0.0.1:{port}", processes[-1], log))
            bot_env = _env(settings, tmp_path / "index-bot") | {"TELEGRAM_BOT_TOKEN": "4242:replica-test",
                                                                  "REVIERLOTSE_TELEGRAM_API_URL": tg.base_url}
            processes.append(_start(["bot"], bot_env, tmp_path / "bot.log"))
            for base, process, log in bases:
                _wait_healthy(base, process, log)
            yield [b for b, _, _ in bases], tg, settings
        finally:
            for process in processes:
                stop_process(process, signal.SIGINT)
            drop_database(url)


def _bot_answer(tg: FakeTelegram, chat_id: int, text: str) -> str:
    before = len(tg.requests("sendMessage", chat_id))
    tg.send_text(text, chat_id=chat_id)
    return tg.wait_for("sendMessage", chat_id=chat_id, count=before + 1, timeout=START_TIMEOUT_S)[before].text


def test_an_upload_through_one_replica_is_served_by_all(replicas) -> None:
    (a, b), tg, _ = replicas
    generation = httpx.get(f"{a}/health").json()["generation"]
    _eventually(lambda: httpx.get(f"{b}/health").json()["generation"] == generation, "replicas disagree")
    chats = itertools.count(501)  # a new chat per question: no conversation carries a subject over
    assert "Welzow" not in _bot_answer(tg, next(chats), QUESTION)

    upload = httpx.post(f"{a}/api/documents", files={"files": ("welzow.md", UPLOAD.encode(), "text/markdown")},
                        headers=AUTH, timeout=300)
    assert upload.status_code == 201, upload.text
    doc_id = upload.json()["files"][0]["doc_id"]
    new_generation = upload.json()["generation"]
    assert new_generation != generation
    assert _top(a, "Grubenwasser Welzow") == doc_id  # the writer knows at once
    _eventually(lambda: _top(b, "Grubenwasser Welzow") == doc_id, "replica b never served the upload")
    assert httpx.get(f"{b}/health").json()["generation"] == new_generation
    _eventually(lambda: "Welzow" in _bot_answer(tg, next(chats), QUESTION), "the bot never served the upload")

    deleted = httpx.delete(f"{b}/api/documents/{doc_id}", headers=AUTH, timeout=300)
    assert deleted.status_code == 200, deleted.text
    _eventually(lambda: _top(a, "Grubenwasser Welzow") != doc_id, "replica a still served the deleted document")
    _eventually(lambda: "Welzow" not in _bot_answer(tg, next(chats), QUESTION), "the bot still served the deleted document")


def test_two_uploads_at_once_through_two_replicas_each_get_a_clear_answer(replicas) -> None:
    (a, b), _, _ = replicas
    answers: dict[str, httpx.Response] = {}

    def upload(base: str, name: str) -> None:
        text = f"# Projekt {name}\n\nEin Projekt namens {name} zur Fachkräftesicherung in der Lausitz.\n"
        answers[name] = httpx.post(f"{base}/api/documents", headers=AUTH, timeout=300,
                                   files={"files": (f"{name}.md", text.encode(), "text/markdown")})

    threads = [threading.Thread(target=upload, args=(a, "Kranich")), threading.Thread(target=upload, args=(b, "Reiher"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    codes = sorted(r.status_code for r in answers.values())
    assert codes in ([201, 201], [201, 409]), {k: (r.status_code, r.text) for k, r in answers.items()}
    for response in answers.values():
        if response.status_code == 409:
            assert response.json()["code"] == "index_locked"
            assert "gerade von einem anderen Vorgang aktualisiert" in response.json()["message"]
    for name, response in answers.items():
        if response.status_code == 201:
            for base in (a, b):
                _eventually(lambda base=base, name=name: _top(base, f"Projekt {name}") == name.lower(),
                            f"{base} never served {name}")
