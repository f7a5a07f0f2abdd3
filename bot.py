"""Telegram entry point: ``python bot.py`` from the repository root (``revierlotse bot`` does the same).

The bot itself is built in :mod:`assistant.doors.telegram.app`.
"""

from __future__ import annotations

from assistant.doors.telegram.app import build_application, run_bot
from assistant.errors import RevierlotseError

__all__ = ["build_application", "run_bot"]

if __name__ == "__main__":
    try:
        run_bot()
    except RevierlotseError as exc:
        raise SystemExit(f"Fehler: {exc.message}") from None
