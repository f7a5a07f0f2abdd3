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
