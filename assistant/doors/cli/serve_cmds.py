"""`revierlotse serve`: the HTTP API and staff page (uvicorn), plus the Telegram bot when configured."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
from types import FrameType
from typing import Annotated

import typer

from assistant.config import TELEGRAM_TOKEN_ENV as TOKEN_ENV
from assistant.config import Settings
from assistant.doors.cli.app import EXIT_ERROR, app, err, out
from assistant.errors import RevierlotseError
from assistant.storage.backends import open_backend

BOT_STOP_TIMEOUT_S = 10.0
_PR_SET_PDEATHSIG = 1


class _Stopped(Exception):
    """SIGTERM or SIGINT arrived (raised by our handler once uvicorn has shut down)."""


def _stop(signum: int, frame: FrameType | None) -> None:
    raise _Stopped(signal.Signals(signum).name)


def _die_with_parent() -> None:
    """In the bot child (Linux): get SIGTERM when the server dies, even by SIGKILL."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def start_bot() -> subprocess.Popen | None:
    """Start ``python -m assistant bot`` as a child process if TELEGRAM_BOT_TOKEN is set."""
    if not os.environ.get(TOKEN_ENV):
        return None
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant", "bot"],
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,  # noqa: PLW1509
    )
    out.print(f"Telegram-Bot gestartet (Prozess {process.pid}).")
    return process


def stop_bot(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(BOT_STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _warn_without_index(settings: Settings) -> None:
    """Say at start-up when searches will answer 503 (no index yet, or the database is unreachable)."""
    try:
        backend = open_backend(settings)
        try:
            live = backend.live_generation()
        finally:
            backend.close()
    except RevierlotseError as exc:
        err.print(f"[yellow]Hinweis[/] {exc.message} Suchen antworten mit 503, bis das behoben ist.", highlight=False)
        return
    if live is None:
        err.print(
            f"[yellow]Hinweis[/] In '{backend.label}' gibt es noch keinen Index; Suchen antworten mit 503, "
            "bis 'revierlotse index corpus' gelaufen ist.",
            highlight=False,
        )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Adresse; Standard aus REVIERLOTSE_HOST (127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port; Standard REVIERLOTSE_PORT (8000).")] = None,
) -> None:
    """API und Mitarbeiter-Suchseite starten (und den Telegram-Bot, wenn TELEGRAM_BOT_TOKEN gesetzt ist)."""
    import uvicorn

    settings = Settings()
    host, port = host or settings.host, port or settings.port
    _warn_without_index(settings)
    if not settings.admin_token:
        out.print("Verwaltung (Upload, Löschen, Neuaufbau) ist aus: REVIERLOTSE_ADMIN_TOKEN ist nicht gesetzt.")
    out.print(f"Revierlotse läuft auf http://{host}:{port}/  (API-Doku: /docs)", highlight=False)
    bot = start_bot()
    # uvicorn shuts down on SIGTERM/SIGINT and then re-raises the signal with the handler that was
    # installed before it: with the default SIGTERM handler the process died there and the bot child
    # was left running.  Ours raises _Stopped instead, so the bot is stopped below.
    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        uvicorn.run("assistant.doors.http.app:create_app", factory=True, host=host, port=port, log_level="info")
    except _Stopped as stopped:
        out.print(f"Revierlotse beendet ({stopped}).")
    except OSError as exc:  # e.g. port in use
        err.print(f"[bold red]Fehler:[/] Der Server konnte nicht starten: {exc}", highlight=False)
        raise typer.Exit(EXIT_ERROR) from exc
    finally:
        for sig, handler in previous.items():  # a second signal now ends us; the bot then gets SIGTERM too
            signal.signal(sig, handler)
        stop_bot(bot)
