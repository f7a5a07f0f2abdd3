"""`revierlotse bot`: run the Telegram bot (long polling by default, optionally a webhook).

The door module ``bot`` is imported only when the command runs: nothing in the
package imports a door at import time.
"""

from __future__ import annotations

import os
import re
from typing import Annotated

import typer

from assistant.config import TELEGRAM_TOKEN_ENV as TOKEN_ENV
from assistant.config import Settings
from assistant.doors.cli.app import EXIT_ERROR, app, err, fail
from assistant.errors import RevierlotseError


@app.command("bot")
def bot_command(
    webhook_url: Annotated[
        str | None,
        typer.Option(
            "--webhook-url",
            envvar="TELEGRAM_WEBHOOK_URL",
            help="Öffentliche HTTPS-Adresse für den Webhook-Betrieb (sonst Long Polling).",
        ),
    ] = None,
    webhook_secret: Annotated[
        str | None,
        typer.Option(
            "--webhook-secret",
            envvar="TELEGRAM_WEBHOOK_SECRET",
            help="Geheimnis für den Header X-Telegram-Bot-Api-Secret-Token (Standard: zufällig).",
        ),
    ] = None,
    listen: Annotated[str, typer.Option("--listen", help="Adresse des Webhook-Servers.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port des Webhook-Servers.")] = 8081,
) -> None:
    """Telegram-Bot starten. Der Token kommt aus der Umgebungsvariable TELEGRAM_BOT_TOKEN."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        err.print(
            f"[bold red]Fehler:[/] Die Umgebungsvariable {TOKEN_ENV} ist nicht gesetzt. "
            "Legen Sie bei @BotFather einen Bot an und setzen Sie dessen Token, z. B. "
            f"[bold]export {TOKEN_ENV}=…[/] (siehe README, Abschnitt „Telegram bot“).",
            highlight=False,
        )
        raise typer.Exit(EXIT_ERROR)
    if webhook_url and not webhook_url.startswith("https://"):
        err.print("[bold red]Fehler:[/] Telegram liefert Webhooks nur an https://-Adressen.", highlight=False)
        raise typer.Exit(EXIT_ERROR)
    if webhook_secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", webhook_secret):
        err.print(
            "[bold red]Fehler:[/] Das Webhook-Geheimnis darf nur A–Z, a–z, 0–9, _ und - enthalten (1 bis 256 Zeichen).",
            highlight=False,
        )
        raise typer.Exit(EXIT_ERROR)
    # Imported here: python-telegram-bot costs every other command start-up time it does not need.
    from assistant.doors.telegram.app import run_bot

    try:
        run_bot(
            Settings(), token=token, webhook_url=webhook_url, webhook_secret=webhook_secret, listen=listen, port=port
        )
    except RevierlotseError as exc:
        raise fail(exc) from None
    except KeyboardInterrupt:
        pass
