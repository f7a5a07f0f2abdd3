"""No secret in any log record: a full bot conversation and an API session (admin routes with the
right and a wrong token, upload, delete, search, ask) with DEBUG logging on everywhere."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.doors.http.app import create_app  # noqa: E402
from assistant.doors.telegram.app import build_application  # noqa: E402
from assistant.service import Assistant  # noqa: E402
from tests.conftest import SMALL_CORPUS, recording_root_logs, write_tree  # noqa: E402
from tests.doors.telegram.telegram_fake import BotRunner, FakeTelegram  # noqa: E402
from tests.processes import stop_process

BOT_TOKEN = "123456789:AAF-soak-secret-BOTTOKEN-qwertz"
ADMIN_TOKEN = "admin-secret-TOKEN-7f3a9c"
WRONG_TOKEN = "wrong-secret-TOKEN-b81d"
LLM_KEY = "sk-llm-secret-KEY-0042"


@pytest.fixture
def recorder():
    with recording_root_logs() as rec:
        yield rec


def test_no_token_or_key_in_any_log_record(make_settings, embedder, recorder, tmp_path) -> None:
    with FakeTelegram() as tg:
        settings = make_settings(
            admin_token=ADMIN_TOKEN,
            rate_limit_per_minute=0,
            telegram_api_url=tg.base_url,
            llm_api_key=LLM_KEY,  # configured but unused: no base URL, so answers stay extractive
        )
        write_tree(settings.corpus_dir, SMALL_CORPUS)
        assistant = Assistant(settings, embedder)
        assistant.index([settings.corpus_dir])

        # --- the bot: a conversation with a follow-up and a button -------------------------
        runner = BotRunner(build_application(settings, assistant, BOT_TOKEN)).start()
        try:
            chat = 777
            for n, text in enumerate(["/start", "Wie hoch ist die Förderquote bei STARK?", "Und wie lange läuft das?"]):
                tg.send_text(text, chat_id=chat)
                tg.wait_for("sendMessage", chat_id=chat, count=n + 1)
            answer = tg.requests("sendMessage", chat)[-1]
            if answer.keyboard:
                tg.press(answer, "Quellen", user_id=chat)
            tg.settle()
        finally:
            runner.stop()
        assert all(call.token == BOT_TOKEN for call in tg.requests())  # the bot really used the token

    # --- the API: reading, admin with right and wrong token, upload, delete ------------------
    with TestClient(create_app(settings, assistant)) as client:
        ok = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        bad = {"Authorization": f"Bearer {WRONG_TOKEN}"}
        assert client.get("/api/search", params={"q": "STARK"}).status_code == 200
        assert client.post("/api/ask", json={"question": "Was fördert STARK?"}).status_code == 200
        assert client.get("/api/stats", headers=bad).status_code in (401, 403)
        assert client.get("/api/stats").status_code in (401, 403)
        files = {"files": ("geheim.md", "# Upload\n\nEin hochgeladenes Dokument über Radwege.".encode(), "text/markdown")}
        upload = client.post("/api/documents", files=files, headers=ok)
        assert upload.status_code == 201, upload.text
        assert client.delete("/api/documents/geheim", headers=ok).status_code == 200
        assert client.get("/api/stats", headers=ok).status_code == 200
        for path in ("/health", "/api/stats", "/openapi.json"):
            body = client.get(path, headers=ok).text
            assert ADMIN_TOKEN not in body and BOT_TOKEN not in body and LLM_KEY not in body

    assert len(recorder.lines) > 20, "DEBUG logging was on for the whole session"
    secrets = [BOT_TOKEN, BOT_TOKEN.split(":", 1)[1], ADMIN_TOKEN, WRONG_TOKEN, LLM_KEY]
    leaked = [(s, line[:300]) for line in recorder.lines for s in secrets if s in line]
    assert leaked == []


def test_no_token_in_the_access_log_of_a_real_server(small_assistant, free_port: int) -> None:
    """uvicorn logs every URL; a token sent as a query parameter (refused, but logged) must not
    appear, nor a search question — everything `revierlotse serve` prints is scanned."""
    import os
    import subprocess
    import sys
    import time

    import httpx

    settings = small_assistant.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIERLOTSE_")}
    env |= {
        "REVIERLOTSE_INDEX_DIR": str(settings.index_dir),
        "REVIERLOTSE_CORPUS_DIR": str(settings.corpus_dir),
        "REVIERLOTSE_EMBEDDING_CACHE": str(settings.embedding_cache_path),
        "REVIERLOTSE_ADMIN_TOKEN": ADMIN_TOKEN,
        "REVIERLOTSE_RATE_LIMIT_PER_MINUTE": "0",
        "HF_HUB_OFFLINE": "1",
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    process = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(free_port)],
                               cwd=settings.corpus_dir.parent, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{free_port}"
    try:
        deadline = time.monotonic() + 120  # a guard against a hung start, not a timing assertion
        while True:
            try:
                httpx.get(f"{base}/health", timeout=10)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, "server did not come up"
                time.sleep(0.2)
        assert httpx.get(f"{base}/api/stats", params={"token": ADMIN_TOKEN}).status_code in (401, 403)
        assert httpx.get(f"{base}/api/stats", params={"access_token": WRONG_TOKEN}).status_code in (401, 403)
        assert httpx.get(f"{base}/api/search", params={"q": "Geheimfrage STARK", "key": LLM_KEY}).status_code == 200
        ok = httpx.get(f"{base}/api/stats", params={"days": 7}, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert ok.status_code == 200
    finally:
        stop_process(process)
    output = process.stdout.read()
    assert '"GET /api/stats?[REDACTED] HTTP/1.1" 401' in output or "GET /api/stats?[REDACTED]" in output, output
    assert "GET /api/search?[REDACTED]" in output
    for secret in (ADMIN_TOKEN, WRONG_TOKEN, LLM_KEY, "Geheimfrage"):
        assert secret not in output, secret
