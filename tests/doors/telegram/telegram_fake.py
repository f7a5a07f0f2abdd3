"""A small Bot-API-compatible server on 127.0.0.1 for running the real bot in tests.

It implements what the bot calls (getMe, getUpdates as a long poll fed by the test,
sendMessage, editMessageText, sendChatAction, answerCallbackQuery, setMyCommands,
deleteWebhook, getWebhookInfo, …) and records every request with its decoded parameters.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BOT_ID = 4242
BOT_USERNAME = "revierlotse_test_bot"
BOT_USER = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Revierlotse",
    "username": BOT_USERNAME,
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str
    at: float = field(default_factory=time.monotonic)
    ok: bool = True  # False: the fake answered with an error (as Telegram would)

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def keyboard(self) -> list[list[dict[str, Any]]]:
        markup = self.params.get("reply_markup") or {}
        return markup.get("inline_keyboard", []) if isinstance(markup, dict) else []

    def button(self, label_start: str) -> dict[str, Any]:
        for row in self.keyboard:
            for button in row:
                if button["text"].startswith(label_start):
                    return button
        raise AssertionError(f"no button {label_start!r} in {self.keyboard}")


def _decode(value: str) -> Any:
    try:
        return json.loads(value)
    except (json.JSONDecodeError, TypeError):
        return value


class FakeTelegram:
    """Start with ``with FakeTelegram() as tg:``; the bot's base_url is ``tg.base_url``."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._next_message_id = 1000
        self._cond = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.fail_methods: set[str] = set()
        self._texts: dict[tuple[int, int], str] = {}  # (chat, message) → current text
        self.refuse_html_with: str | None = None  # HTML texts containing this get "can't parse entities"

    # --- lifecycle ---------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def __enter__(self) -> FakeTelegram:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()

    _closing = False

    # --- feeding updates -----------------------------------------------------------

    def _push(self, payload: dict[str, Any]) -> int:
        with self._cond:
            update_id = self._next_update_id
            self._next_update_id += 1
            self._updates.append({"update_id": update_id, **payload})
            self._cond.notify_all()
            return update_id

    def _message_id(self) -> int:
        with self._cond:
            self._next_message_id += 1
            return self._next_message_id

    def send_text(
        self,
        text: str,
        *,
        chat_id: int,
        user_id: int | None = None,
        chat_type: str = "private",
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A user writes ``text``; command and @mention entities are added like Telegram does."""
        user_id = user_id if user_id is not None else chat_id
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = "Anna"
        else:
            chat["title"] = "Projektgruppe Revier"
        entities = []
        if text.startswith("/"):
            entities.append({"type": "bot_command", "offset": 0, "length": len(text.split()[0])})
        mention = f"@{BOT_USERNAME}"
        at = text.find(mention)
        if at >= 0 and not text.startswith("/"):
            entities.append({"type": "mention", "offset": at, "length": len(mention)})
        message: dict[str, Any] = {
            "message_id": self._message_id(),
            "date": int(time.time()),
            "chat": chat,
            "from": {"id": user_id, "is_bot": False, "first_name": "Anna", "language_code": "de"},
            "text": text,
        }
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        self._push({"message": message})
        return message

    def press(self, call: Call, label_start: str, *, user_id: int | None = None) -> str:
        """The user presses the inline button starting with ``label_start`` under a sent message."""
        button = call.button(label_start)
        message = call.params["_message"]
        query_id = f"cbq-{self._message_id()}"
        self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": {"id": user_id or call.chat_id, "is_bot": False, "first_name": "Anna"},
                    "chat_instance": f"ci-{call.chat_id}",
                    "data": button["callback_data"],
                    "message": message,
                }
            }
        )
        return query_id

    # --- inspecting ----------------------------------------------------------------------

    def requests(self, method: str | None = None, chat_id: int | None = None, *, failed: bool = False) -> list[Call]:
        """Recorded requests: the successful ones, or with ``failed=True`` those the fake refused."""
        with self._cond:
            calls = list(self.calls)
        return [
            c
            for c in calls
            if (method is None or c.method == method) and (chat_id is None or c.chat_id == chat_id) and c.ok != failed
        ]

    def wait_for(
        self,
        method: str,
        *,
        chat_id: int | None = None,
        count: int = 1,
        where: Callable[[Call], bool] | None = None,
        timeout: float = 30.0,
        failed: bool = False,
    ) -> list[Call]:
        """Wait until at least ``count`` matching requests arrived; return all matching ones."""
        deadline = time.monotonic() + timeout
        while True:
            found = [c for c in self.requests(method, chat_id, failed=failed) if where is None or where(c)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                seen = [(c.method, c.chat_id, c.text[:80]) for c in self.requests()]
                raise AssertionError(f"timed out waiting for {count}× {method} (chat {chat_id}); saw {seen[-15:]}")
            time.sleep(0.02)

    def settle(self, quiet_s: float = 0.6, timeout: float = 20.0) -> None:
        """Wait until no request came in for ``quiet_s`` (getUpdates polls excepted)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                active = [c for c in self.calls if c.method != "getUpdates"]
            if not active or time.monotonic() - active[-1].at >= quiet_s:
                return
            time.sleep(0.05)

    # --- the API -----------------------------------------------------------------------

    def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method in self.fail_methods:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {method} fails in this test"}
        if method == "getMe":
            return 200, {"ok": True, "result": BOT_USER}
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        if method in ("sendMessage", "editMessageText"):
            marker = self.refuse_html_with
            if marker and params.get("parse_mode") == "HTML" and marker in str(params.get("text", "")):
                return 400, {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: can't parse entities: unsupported start tag at byte offset 3",
                }
            if len(str(params.get("text", ""))) > 4096:
                return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}
            chat_id = int(params["chat_id"]) if "chat_id" in params else 0
            message_id = int(params.get("message_id") or 0) or self._message_id()
            if method == "editMessageText" and self._texts.get((chat_id, message_id)) == params.get("text"):
                return 400, {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: message is not modified: specified new message content and "
                    "reply markup are exactly the same as a current content and reply markup of the message",
                }
            self._texts[(chat_id, message_id)] = str(params.get("text", ""))
            message: dict[str, Any] = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
            if isinstance(params.get("reply_markup"), dict):
                message["reply_markup"] = params["reply_markup"]
            params["_message"] = message
            return 200, {"ok": True, "result": message}
        if method == "getWebhookInfo":
            return 200, {"ok": True, "result": {"url": "", "has_custom_certificate": False, "pending_update_count": 0}}
        if method == "getMyCommands":
            return 200, {"ok": True, "result": []}
        return 200, {"ok": True, "result": True}

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 2.0)
        deadline = time.monotonic() + timeout
        with self._cond:
            # Telegram semantics: an offset confirms (drops) every update before it.
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._closing:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return list(self._updates[: int(params.get("limit") or 100)])

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                self._handle()

            def do_GET(self) -> None:
                self._handle()

            def _handle(self) -> None:
                path = urllib.parse.urlparse(self.path).path
                prefix, _, method = path.rpartition("/")
                token = prefix.removeprefix("/bot")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8") if length else ""
                ctype = self.headers.get("Content-Type", "")
                if "application/json" in ctype and body:
                    params = json.loads(body)
                else:
                    params = {k: _decode(v) if k != "text" else v for k, v in urllib.parse.parse_qsl(body)}
                status, payload = fake._answer(method, params)
                call = Call(method=method, params=params, token=token, ok=status == 200)
                if method != "getUpdates" or payload.get("result"):
                    with fake._cond:
                        fake.calls.append(call)
                data = json.dumps(payload).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                try:
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the bot gave up on a long poll
                    pass

        return Handler


class BotRunner:
    """Runs a python-telegram-bot Application (long polling) on its own event loop in a thread."""

    def __init__(self, application: Any) -> None:
        self.application = application
        self._thread = threading.Thread(target=self._run, name="bot-under-test", daemon=True)
        self._started = threading.Event()
        self._loop: Any = None
        self._stop: Any = None
        self.error: BaseException | None = None

    def start(self, timeout: float = 30.0) -> BotRunner:
        self._thread.start()
        if not self._started.wait(timeout):
            raise AssertionError(f"bot did not start: {self.error!r}")
        if self.error:
            raise AssertionError(f"bot did not start: {self.error!r}")
        return self

    def stop(self, timeout: float = 30.0) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)

    def _run(self) -> None:
        import asyncio

        async def main() -> None:
            app = self.application
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            await app.initialize()
            if app.post_init:
                await app.post_init(app)
            await app.updater.start_polling(poll_interval=0.0, timeout=1, bootstrap_retries=0)
            await app.start()
            self._started.set()
            await self._stop.wait()
            await app.updater.stop()
            await app.stop()
            await app.shutdown()

        try:
            asyncio.run(main())
        except BaseException as exc:  # surfaced by start()
            self.error = exc
            self._started.set()
