"""Revierlotse on Telegram: a python-telegram-bot application that only talks to the Assistant.

Run it with ``revierlotse bot`` (long polling; the token comes from ``TELEGRAM_BOT_TOKEN``),
or with ``--webhook-url`` behind a TLS proxy (updates must carry the secret-token header).
This module translates between Telegram and :class:`assistant.service.Assistant`; rendering
of answers and search results as Telegram HTML lives in :mod:`assistant.chat_format`.

* Private chats: every text is a question.  Groups: only commands and messages that
  mention the bot (``@name``) or reply to one of its messages.
* Per-user rate limit with one friendly notice per window.
* Errors are logged with chat id and update type and answered with a German apology
  (a :class:`RevierlotseError` with its own German message); never a stack trace.
* The token never reaches the logs: ``httpx`` (which logs full request URLs) is held at
  WARNING and a filter on the root handlers redacts the token from every record.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)

from assistant.answering.models import Answer
from assistant.config import Settings
from assistant.doors.log_redaction import install_redaction
from assistant.doors.telegram.ratelimit import Decision, RateLimiter
from assistant.doors.telegram.render import (
    SearchHitView,
    esc,
    plain_text,
    render_answer,
    render_project_check,
    render_search,
    render_sources,
    split_html,
)
from assistant.errors import RevierlotseError
from assistant.service import Assistant

log = logging.getLogger("revierlotse.bot")

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
CHANNEL = "bot"
SEARCH_PAGE_SIZE = 5
REMEMBERED_ANSWERS = 20  # per chat, for the "Quellen" and "Mehr Treffer" buttons
REMEMBERED_QUERIES = 50
IDLE_CHAT_S = 2 * 3600  # a chat's remembered answers are dropped after this long without use
SWEEP_EVERY_S = 600  # at most this often, look for idle chats to forget

EXAMPLES = (
    "Wie hoch ist die Förderquote bei STARK?",
    "Was wird nach dem Investitionsgesetz Kohleregionen gefördert?",
    "Wer berät Projektträger im Mitteldeutschen Revier?",
)

COMMANDS = (
    ("start", "Begrüßung und Beispiele"),
    ("hilfe", "Was ich kann und wie man mich fragt"),
    ("suche", "Dokumente zu einem Begriff finden, z. B. /suche STARK"),
    ("projekt", "Ein Vorhaben beschreiben und passende Förderung finden"),
    ("quellen", "Quellen der letzten Antwort zeigen"),
    ("neu", "Gespräch vergessen und neu anfangen"),
)

WELCOME = (
    "<b>Willkommen beim Revierlotsen!</b>\n\n"
    "Ich beantworte Fragen zu Förderprogrammen, Strukturstrategien, Projekten und Ansprechpartnern "
    "im Strukturwandel der Kohleregionen – vor allem im Mitteldeutschen Revier und in der Lausitz. "
    "Jede Antwort nennt ihre Quellen; wenn ich etwas nicht sicher weiß, sage ich es.\n\n"
    "<b>Zum Beispiel:</b>\n" + "\n".join(f"• {esc(q)}" for q in EXAMPLES) + "\n\n"
    "Schreiben Sie einfach Ihre Frage. Mit /projekt prüfe ich ein Vorhaben, "
    "mit /suche finde ich Dokumente, /hilfe zeigt alle Befehle.\n\n"
    "<i>Datenschutz: Für die Nutzungsstatistik speichere ich nur die Texte der Fragen – "
    "keine Namen und keine Telefonnummern.</i>"
)

HELP = (
    "<b>So hilft Ihnen der Revierlotse</b>\n\n"
    "Stellen Sie eine Frage in ganzen Sätzen; Nachfragen wie „Und in der Lausitz?“ verstehe ich "
    "im Zusammenhang. Unter jeder Antwort finden Sie Schaltflächen für weitere Treffer, die Quellen "
    "und Ihre Bewertung.\n\n"
    + "\n".join(f"/{name} – {esc(text)}" for name, text in COMMANDS)
    + "\n\nIn Gruppen antworte ich auf Befehle, auf Nachrichten, die mich mit @Namen erwähnen, "
    "und auf Antworten auf meine Nachrichten.\n\n"
    "<i>Ich gebe Auskunft aus einem geprüften Wissensbestand, aber keine verbindliche Förderberatung. "
    "Maßgeblich sind die Richtlinien und die Förderstellen.</i>"
)

APOLOGY = "Entschuldigung, da ist bei mir etwas schiefgegangen. Bitte versuchen Sie es in einem Moment noch einmal."
RATE_LIMIT_NOTICE = (
    "Sie schreiben mir gerade sehr schnell. Bitte warten Sie etwa {seconds} Sekunden – "
    "dann beantworte ich gern die nächste Frage."
)
EXPIRED = "Diese Schaltfläche ist abgelaufen. Bitte stellen Sie die Frage noch einmal."
PROJECT_PROMPT = (
    "Beschreiben Sie Ihr Vorhaben in ein paar Sätzen: Was wollen Sie tun, wer ist Träger, wo "
    "(Landkreis oder Revier) und in welchem Umfang? Ich suche dann passende Förderprogramme "
    "und Ansprechpartner.{region}"
)


# --- logging: keep the token out of every log line -------------------------------


def install_log_redaction(token: str) -> None:
    """Keep the bot token out of every log line (see :mod:`assistant.log_redaction`)."""
    install_redaction(token)


# --- telegram helpers ----------------------------------------------------------


class _AddressedToBot(filters.MessageFilter):
    """Private chats: always.  Groups: a mention of the bot or a reply to one of its messages."""

    def filter(self, message: Message) -> bool:
        if message.chat.type == ChatType.PRIVATE:
            return True
        bot = message.get_bot()
        if bot.username and re.search(rf"@{re.escape(bot.username)}\b", message.text or "", re.IGNORECASE):
            return True
        replied = message.reply_to_message
        return bool(replied and replied.from_user and replied.from_user.id == bot.id)


ADDRESSED = _AddressedToBot(name="addressed_to_bot")


def _strip_mention(text: str, username: str | None) -> str:
    if username:
        text = re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE)
    return " ".join(text.split())


def _update_kind(update: object) -> str:
    if isinstance(update, Update):
        for kind in ("callback_query", "message", "edited_message", "channel_post", "inline_query"):
            if getattr(update, kind, None) is not None:
                if kind == "message" and update.message.text and update.message.text.startswith("/"):
                    return "command"
                return kind
        return "other"
    return type(update).__name__


def _remember(store: OrderedDict, key: str, value: Any, limit: int) -> None:
    store[key] = value
    store.move_to_end(key)
    while len(store) > limit:
        store.popitem(last=False)


Handler = Callable[["RevierlotseBot", Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


def guarded(handler: Handler) -> Handler:
    """Rate limit, then run the handler; errors become a German reply and a log line."""

    @functools.wraps(handler)
    async def wrapper(self: RevierlotseBot, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not await self._admit(update):
            return
        self._touch(context)
        try:
            await handler(self, update, context)
        except RevierlotseError as exc:
            log.info(
                "request refused (chat_id=%s, update=%s): %s",
                update.effective_chat and update.effective_chat.id,
                _update_kind(update),
                exc.code,
            )
            await self._reply_problem(update, esc(exc.message))
        except Exception:
            log.exception(
                "error while handling update (chat_id=%s, update=%s)",
                update.effective_chat and update.effective_chat.id,
                _update_kind(update),
            )
            await self._reply_problem(update, esc(APOLOGY))

    return wrapper


class RevierlotseBot:
    """The handlers; state per chat lives in ``context.chat_data`` (memory only)."""

    def __init__(self, assistant: Assistant, limiter: RateLimiter, *, page_size: int = SEARCH_PAGE_SIZE) -> None:
        self.assistant = assistant
        self.limiter = limiter
        self.page_size = page_size
        self._last_sweep = time.monotonic()

    # --- plumbing ------------------------------------------------------------------

    def _touch(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Mark the chat as active; every few minutes drop the state of chats idle for long."""
        now = time.monotonic()
        if context.chat_data is not None:
            context.chat_data["seen"] = now
        if now - self._last_sweep < SWEEP_EVERY_S:
            return
        self._last_sweep = now
        application = context.application
        for chat_id, data in list(application.chat_data.items()):
            if data.get("seen", now) < now - IDLE_CHAT_S:
                application.drop_chat_data(chat_id)

    async def _admit(self, update: Update) -> bool:
        user = update.effective_user
        key = user.id if user else (update.effective_chat.id if update.effective_chat else 0)
        decision = self.limiter.check(key)
        if decision is Decision.ALLOW:
            return True
        chat_id = update.effective_chat.id if update.effective_chat else None
        log.info("rate limit for a user in chat_id=%s (%s)", chat_id, decision.value)
        seconds = max(1, round(self.limiter.retry_after(key)))
        notice = RATE_LIMIT_NOTICE.format(seconds=seconds)
        with contextlib.suppress(Exception):
            if update.callback_query:
                # A button press must always be answered, or the client shows a spinner.
                await update.callback_query.answer(notice if decision is Decision.NOTIFY else None)
            elif decision is Decision.NOTIFY and update.effective_chat:
                await update.get_bot().send_message(update.effective_chat.id, esc(notice), parse_mode=ParseMode.HTML)
        return False

    async def _reply_problem(self, update: Update, html_text: str) -> None:
        with contextlib.suppress(Exception):
            if update.callback_query:
                await update.callback_query.answer()
            if update.effective_chat:
                await update.get_bot().send_message(update.effective_chat.id, html_text, parse_mode=ParseMode.HTML)

    async def _send(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        html_text: str,
        *,
        keyboard: InlineKeyboardMarkup | None = None,
        reply_to: Message | None = None,
    ) -> Message:
        """Send HTML, split into parts of at most 4096 characters; the keyboard goes on the last."""
        parts = split_html(html_text)
        sent: Message | None = None
        for i, part in enumerate(parts):
            reply = None
            if i == 0 and reply_to is not None and reply_to.chat.type != ChatType.PRIVATE:
                reply = ReplyParameters(message_id=reply_to.message_id, allow_sending_without_reply=True)
            markup = keyboard if i == len(parts) - 1 else None
            try:
                sent = await context.bot.send_message(
                    chat_id, part, parse_mode=ParseMode.HTML, reply_markup=markup, reply_parameters=reply
                )
            except BadRequest as exc:
                if "entit" not in str(exc).lower():  # "can't parse entities": send it as plain text
                    raise
                log.warning("Telegram refused our HTML (chat_id=%s): %s; sending plain text", chat_id, exc)
                sent = await context.bot.send_message(
                    chat_id, plain_text(part), reply_markup=markup, reply_parameters=reply
                )
        assert sent is not None
        return sent

    @contextlib.asynccontextmanager
    async def _typing(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int):
        """Show "typing…" now and every few seconds until the block ends."""

        async def keep_typing() -> None:
            while True:
                await asyncio.sleep(4.5)
                with contextlib.suppress(Exception):
                    await context.bot.send_chat_action(chat_id, ChatAction.TYPING)

        with contextlib.suppress(Exception):
            await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
        task = asyncio.create_task(keep_typing())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a (blocking) Assistant call in a worker thread so the event loop stays free."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    @staticmethod
    def _chat_state(context: ContextTypes.DEFAULT_TYPE) -> dict[str, Any]:
        data = context.chat_data
        data.setdefault("answers", OrderedDict())
        data.setdefault("queries", OrderedDict())
        data.setdefault("votes", set())
        return data

    def _query_key(self, context: ContextTypes.DEFAULT_TYPE, query: str) -> str:
        key = secrets.token_hex(4)
        _remember(self._chat_state(context)["queries"], key, query, REMEMBERED_QUERIES)
        return key

    def _answer_keyboard(self, context: ContextTypes.DEFAULT_TYPE, answer: Answer) -> InlineKeyboardMarkup:
        key = self._query_key(context, answer.resolved_question or answer.question)
        aid = answer.answer_id
        return InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("Mehr Treffer", callback_data=f"more:{key}:1:new"),
                    InlineKeyboardButton("Quellen", callback_data=f"src:{aid}"[:64]),
                ],
                [
                    InlineKeyboardButton("👍 hilfreich", callback_data=f"fb:1:{aid}"[:64]),
                    InlineKeyboardButton("👎 nicht hilfreich", callback_data=f"fb:0:{aid}"[:64]),
                ],
            ]
        )

    async def _search_page(self, context: ContextTypes.DEFAULT_TYPE, key: str, query: str, page: int):
        result = await self._call(
            self.assistant.search, query, k=self.page_size, page=page, channel=CHANNEL if page == 1 else None
        )
        views = [
            SearchHitView(
                title=hit.document.title,
                doc_type=hit.document.doc_type,
                source_url=hit.document.metadata.source_url,
                stand=hit.document.metadata.stand,
                snippet=hit.passages[0].chunk.text if hit.passages else "",
            )
            for hit in result.hits
        ]
        text = render_search(query, views, page=page, per_page=self.page_size, total=result.total_documents)
        buttons = []
        if page > 1:
            buttons.append(InlineKeyboardButton("◀ Zurück", callback_data=f"more:{key}:{page - 1}:edit"))
        if (page - 1) * self.page_size + len(result.hits) < result.total_documents:
            buttons.append(InlineKeyboardButton("Mehr Treffer ▶", callback_data=f"more:{key}:{page + 1}:edit"))
        return text, InlineKeyboardMarkup([buttons]) if buttons else None

    # --- commands ------------------------------------------------------------------

    @guarded
    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._send(context, update.effective_chat.id, WELCOME)

    @guarded
    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._send(context, update.effective_chat.id, HELP)

    @guarded
    async def search(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = update.effective_chat.id
        query = " ".join(context.args or []).strip()
        if not query:
            await self._send(context, chat_id, "Wonach soll ich suchen? Zum Beispiel: <code>/suche STARK</code>")
            return
        async with self._typing(context, chat_id):
            key = self._query_key(context, query)
            text, keyboard = await self._search_page(context, key, query, 1)
        await self._send(context, chat_id, text, keyboard=keyboard, reply_to=update.effective_message)

    @guarded
    async def project(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        region = " ".join(context.args or []).strip() or None
        self._chat_state(context)["awaiting_project"] = {"region": region}
        hint = f"\n\nRegion: <b>{esc(region)}</b>" if region else ""
        await self._send(context, update.effective_chat.id, PROJECT_PROMPT.format(region=hint))

    @guarded
    async def new(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        state = self._chat_state(context)
        state.pop("awaiting_project", None)
        state.pop("last_answer", None)
        state["answers"].clear()
        state["queries"].clear()
        await self._call(self._forget_conversation, str(update.effective_chat.id))
        await self._send(
            context, update.effective_chat.id, "Alles klar, ich habe unser Gespräch vergessen. Was möchten Sie wissen?"
        )

    def _forget_conversation(self, conversation: str) -> None:
        self.assistant.conversations.drop(conversation)

    @guarded
    async def unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._send(
            context, update.effective_chat.id, "Diesen Befehl kenne ich nicht. /hilfe zeigt, was ich kann."
        )

    @guarded
    async def not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._send(
            context,
            update.effective_chat.id,
            "Ich verstehe nur Textnachrichten. Bitte schreiben Sie Ihre Frage als Text.",
        )

    @guarded
    async def sources(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        answer = self._chat_state(context).get("last_answer")
        await self._send(context, update.effective_chat.id, render_sources(answer))

    # --- questions and project descriptions -------------------------------------------

    @guarded
    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        chat_id = update.effective_chat.id
        question = _strip_mention(message.text or "", context.bot.username)
        state = self._chat_state(context)
        if not question:
            await self._send(context, chat_id, "Wie kann ich helfen? Stellen Sie mir einfach eine Frage.")
            return
        pending = state.pop("awaiting_project", None)
        async with self._typing(context, chat_id):
            answer: Answer | None = None
            if pending is not None:
                check = await self._call(self.assistant.check_project, question, pending.get("region"), channel=CHANNEL)
                text = render_project_check(check)
            else:
                answer = await self._call(self.assistant.ask, question, conversation=str(chat_id), channel=CHANNEL)
                text = render_answer(answer)
        keyboard = None
        if answer is not None:
            state["last_answer"] = answer
            _remember(state["answers"], answer.answer_id, answer, REMEMBERED_ANSWERS)
            keyboard = self._answer_keyboard(context, answer)
        await self._send(context, chat_id, text, keyboard=keyboard, reply_to=message)

    # --- buttons -------------------------------------------------------------------

    @guarded
    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        data = query.data or ""
        state = self._chat_state(context)
        chat_id = update.effective_chat.id
        kind, _, rest = data.partition(":")
        if kind == "fb":
            flag, _, answer_id = rest.partition(":")
            vote = (answer_id, update.effective_user.id if update.effective_user else 0)
            if vote in state["votes"]:
                await query.answer("Ihre Bewertung haben wir schon – danke!")
                return
            await self._call(self.assistant.feedback, answer_id, flag == "1", channel=CHANNEL)
            state["votes"].add(vote)
            await query.answer(
                "Danke für Ihre Rückmeldung!" if flag == "1" else "Danke! Das hilft uns, besser zu werden."
            )
        elif kind == "src":
            answer = state["answers"].get(rest)
            if answer is None:
                await query.answer(EXPIRED, show_alert=True)
                return
            await query.answer()
            await self._send(context, chat_id, render_sources(answer))
        elif kind == "more":
            key, page_s, how = (rest.split(":") + ["", "", ""])[:3]
            search_query = state["queries"].get(key)
            if search_query is None or not page_s.isdigit():
                await query.answer(EXPIRED, show_alert=True)
                return
            await query.answer()
            page = max(1, int(page_s))
            async with self._typing(context, chat_id):
                text, keyboard = await self._search_page(context, key, search_query, page)
            if how == "edit" and query.message is not None and len(text) <= 4096:
                try:
                    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
                except BadRequest as exc:  # the same button pressed twice: nothing to change
                    if "not modified" not in str(exc).lower():
                        raise
            else:
                await self._send(context, chat_id, text, keyboard=keyboard)
        else:
            await query.answer(EXPIRED)

    # --- errors outside the handlers ---------------------------------------------------

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        log.error(
            "error outside a handler (chat_id=%s, update=%s)",
            chat.id if chat else None,
            _update_kind(update),
            exc_info=context.error,
        )
        if chat is not None:
            with contextlib.suppress(Exception):
                await context.bot.send_message(chat.id, esc(APOLOGY), parse_mode=ParseMode.HTML)


# --- building and running ------------------------------------------------------------


def file_url(api_url: str) -> str:
    """The Bot API file URL that belongs to ``api_url`` (``…/bot`` → ``…/file/bot``)."""
    base = api_url.rstrip("/")
    if base.endswith("/bot"):
        return base[: -len("/bot")] + "/file/bot"
    return base + "/file/bot"


async def _post_init(application: Application) -> None:
    await register_commands(application)


async def _post_shutdown(application: Application) -> None:
    application.bot_data["revierlotse"].assistant.close()  # writes the buffered usage log


async def register_commands(application: Application) -> None:
    """Publish the command list shown in Telegram's menu."""
    await application.bot.set_my_commands([BotCommand(name, text[:256]) for name, text in COMMANDS])


def build_application(
    settings: Settings,
    assistant: Assistant,
    token: str,
    *,
    concurrent_updates: bool | int = True,
    search_page_size: int = SEARCH_PAGE_SIZE,
) -> Application:
    """The configured Application (not started); ``settings.telegram_api_url`` picks the server."""
    install_log_redaction(token)
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_api_url)
        .base_file_url(file_url(settings.telegram_api_url))
        .defaults(Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(concurrent_updates)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    limiter = RateLimiter(settings.bot_rate_limit_messages, settings.bot_rate_limit_window_s)
    bot = RevierlotseBot(assistant, limiter, page_size=search_page_size)
    application.bot_data["revierlotse"] = bot
    application.add_handler(CommandHandler("start", bot.start))
    application.add_handler(CommandHandler(["hilfe", "help"], bot.help))
    application.add_handler(CommandHandler("suche", bot.search))
    application.add_handler(CommandHandler("projekt", bot.project))
    application.add_handler(CommandHandler("neu", bot.new))
    application.add_handler(CommandHandler("quellen", bot.sources))
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND & ADDRESSED, bot.text)
    )
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    application.add_handler(MessageHandler(private & filters.COMMAND, bot.unknown_command))
    media = filters.PHOTO | filters.VIDEO | filters.AUDIO | filters.VOICE | filters.Document.ALL | filters.Sticker.ALL
    application.add_handler(MessageHandler(private & media, bot.not_text))
    application.add_handler(CallbackQueryHandler(bot.button))
    application.add_error_handler(bot.on_error)
    return application


# --- webhook mode (optional; long polling needs no public address) ----------------------

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_app(application: Application, secret: str, path: str = "/telegram"):
    """An ASGI app that accepts Telegram's webhook POSTs carrying the secret-token header."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not secrets.compare_digest(given.encode(), secret.encode()):
            log.warning("webhook request without the right secret token refused")
            return Response(status_code=403)
        try:
            update = Update.de_json(await request.json(), application.bot)
        except Exception:
            return Response(status_code=400)
        await application.update_queue.put(update)
        return Response(status_code=200)

    async def health(_: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(routes=[Route(path, receive, methods=["POST"]), Route("/healthz", health)])


async def serve_webhook(
    application: Application,
    *,
    url: str,
    secret: str,
    host: str = "127.0.0.1",
    port: int = 8081,
    stop: asyncio.Event | None = None,
) -> None:
    """Register ``url`` with Telegram and serve the webhook on host:port until stopped.

    ``url`` is the public HTTPS address (a reverse proxy forwards it to host:port); its
    path is the route served here.  Updates are checked against ``secret``.
    """
    import urllib.parse

    import uvicorn

    install_log_redaction(secret)
    path = urllib.parse.urlparse(url).path or "/"
    server = uvicorn.Server(
        uvicorn.Config(
            webhook_app(application, secret, path), host=host, port=port, log_level="warning", lifespan="off"
        )
    )

    async def stop_on_event() -> None:
        assert stop is not None
        await stop.wait()
        server.should_exit = True

    async with application:
        await register_commands(application)
        await application.bot.set_webhook(url=url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
        await application.start()
        watcher = asyncio.create_task(stop_on_event()) if stop is not None else None
        try:
            log.info("Revierlotse bot serves its webhook on %s:%s%s", host, port, path)
            await server.serve()
        finally:
            if watcher is not None:
                watcher.cancel()
            await application.stop()


def token_from_env() -> str | None:
    token = os.environ.get(TOKEN_ENV, "").strip()
    return token or None


def run_bot(
    settings: Settings | None = None,
    token: str | None = None,
    assistant: Assistant | None = None,
    *,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    listen: str = "127.0.0.1",
    port: int = 8081,
) -> None:
    """Long polling (default) or, with ``webhook_url``, a webhook server; runs until interrupted."""
    settings = settings or Settings()
    token = token or token_from_env()
    if not token:
        raise RevierlotseError(
            f"Es ist kein Bot-Token gesetzt. Legen Sie bei @BotFather einen Bot an und setzen Sie "
            f"die Umgebungsvariable {TOKEN_ENV}."
        )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    assistant = assistant or Assistant(settings)
    application = build_application(settings, assistant, token)
    if webhook_url:
        secret = webhook_secret or secrets.token_urlsafe(32)
        asyncio.run(serve_webhook(application, url=webhook_url, secret=secret, host=listen, port=port))
        return
    log.info("Revierlotse bot starts long polling")
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":  # pragma: no cover - `revierlotse bot` is the documented way
    try:
        run_bot()
    except RevierlotseError as exc:
        raise SystemExit(f"Fehler: {exc.message}") from None
