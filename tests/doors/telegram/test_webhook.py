"""Webhook mode: Telegram's POSTs are accepted only with the secret-token header."""

from __future__ import annotations

import asyncio
import socket
import threading

import httpx

from assistant.doors.telegram.app import SECRET_HEADER, build_application, serve_webhook
from tests.doors.telegram.telegram_fake import FakeTelegram

TOKEN = "555:webhook-test-token"
SECRET = "s3cret_header-value"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_webhook_registers_checks_the_secret_and_answers(small_assistant):
    port = _free_port()
    with FakeTelegram() as tg:
        settings = small_assistant.settings.model_copy(update={"telegram_api_url": tg.base_url})
        application = build_application(settings, small_assistant, TOKEN)
        holder: dict = {}

        def run() -> None:
            async def main() -> None:
                holder["loop"] = asyncio.get_running_loop()
                holder["stop"] = asyncio.Event()
                await serve_webhook(
                    application,
                    url="https://bot.example.org/telegram/hook",
                    secret=SECRET,
                    port=port,
                    stop=holder["stop"],
                )

            asyncio.run(main())

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        try:
            registered = tg.wait_for("setWebhook")[-1]
            assert registered.params["url"] == "https://bot.example.org/telegram/hook"
            assert registered.params["secret_token"] == SECRET
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):  # the server starts right after setWebhook
                try:
                    if httpx.get(f"{base}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                threading.Event().wait(0.05)

            update = {
                "update_id": 1,
                "message": {
                    "message_id": 7,
                    "date": 0,
                    "chat": {"id": 77, "type": "private"},
                    "from": {"id": 77, "is_bot": False, "first_name": "Anna"},
                    "text": "/start",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }
            assert httpx.post(f"{base}/telegram/hook", json=update).status_code == 403
            assert httpx.post(f"{base}/telegram/hook", json=update, headers={SECRET_HEADER: "wrong"}).status_code == 403
            assert tg.requests("sendMessage", 77) == []
            ok = httpx.post(f"{base}/telegram/hook", json=update, headers={SECRET_HEADER: SECRET})
            assert ok.status_code == 200
            welcome = tg.wait_for("sendMessage", chat_id=77)[-1]
            assert "Willkommen" in welcome.text
        finally:
            if "loop" in holder:
                holder["loop"].call_soon_threadsafe(holder["stop"].set)
            thread.join(20)
        assert not thread.is_alive()
