"""Revierlotse on Telegram: build the python-telegram-bot application and run it.

Run it with ``revierlotse bot`` (long polling; the token comes from ``TELEGRAM_BOT_TOKEN``),
or with ``--webhook-url`` behind a TLS proxy (updates must carry the secret-token header).
The handlers (``handlers.py``) only talk to :class:`assistant.service.Assistant`;
rendering as Telegram HTML lives in ``render.py``, the bot's own texts in ``texts.py``.
The token never reaches the logs: ``httpx`` (which logs full request URLs) is held at
WARNING and a filter on the root handlers redacts the token from every record.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets

from telegram import (
    BotCommand,
    LinkPreviewOptions,
    Update,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    filters,
)

from assistant.config import TELEGRAM_TOKEN_ENV as TOKEN_ENV
from assistant.config import Settings
from assistant.doors.log_redaction import install_redaction
from assistant.doors.telegram.chat import ADDRESSED
from assistant.doors.telegram.handlers import SEARCH_PAGE_SIZE, RevierlotseBot
from assistant.doors.telegram.ratelimit import RateLimiter
from assistant.doors.telegram.texts import COMMANDS
from assistant.errors import RevierlotseError
from assistant.service import Assistant

log = logging.getLogger("revierlotse.bot")



# --- logging: keep the token out of every log line -------------------------------


def install_log_redaction(token: str) -> None:
    """Keep the bot token out of every log line (see :mod:`assistant.doors.log_redaction`)."""
    install_redaction(token)


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
