"""The typer app and the helpers every command module shares (consoles, exit codes, errors)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from assistant.config import Settings
from assistant.errors import RevierlotseError
from assistant.service import Assistant

app = typer.Typer(
    help="Revierlotse: Wissensbestand zu Förderung und Strukturwandel in den Kohleregionen indexieren und durchsuchen.",
    no_args_is_help=True,
    add_completion=False,
)
out = Console()
# Error messages are never hard-wrapped: a long path must not split "Zeile 1" across lines.
err = Console(stderr=True, soft_wrap=True)

EXIT_OK, EXIT_PARTIAL, EXIT_ERROR = 0, 1, 2


def provenance(stand: dt.date | None, status: str | None, link: str) -> str:
    """"Stand 03.12.2026 – https://…" (plus "geschlossen – keine Anträge möglich"): every source shows where
    its facts come from and how old they are."""
    parts = [f"Stand {stand.strftime('%d.%m.%Y')}" if stand else "Stand unbekannt"]
    if status in ("geschlossen", "ausgelaufen"):
        parts.append(f"{status} – keine Anträge möglich")
    return ", ".join(parts) + f" – {link}"


def fail(exc: RevierlotseError) -> typer.Exit:
    """Print a user-facing error (German) and return the exit to raise."""
    err.print(f"[bold red]Fehler:[/] {exc.message}", highlight=False)
    return typer.Exit(EXIT_ERROR)


def make_assistant() -> Assistant:
    # Per-file problems are shown in the report table; the log only needs real errors.
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    return Assistant(Settings())


@contextmanager
def assistant_for_command() -> Iterator[Assistant]:
    """The Assistant of a one-shot command: errors become a German message and exit 2, and the
    buffered usage log is written before the command returns."""
    assistant = make_assistant()
    try:
        yield assistant
    except RevierlotseError as exc:
        raise fail(exc) from exc
    finally:
        assistant.close()
