"""Answer commands: `ask` (cited answer) and `projekt-check` (programmes for a project description)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from assistant.answering.models import Answer, ProjectCheck
from assistant.doors.cli.app import (
    EXIT_ERROR,
    app,
    assistant_for_command,
    err,
    out,
    provenance,
)
from assistant.search.filters import Filters


def _print_answer(answer: Answer) -> None:
    out.print(answer.body, highlight=False, markup=False)
    for notice in answer.notices:
        out.print(f"\n{notice}", style="yellow", highlight=False, markup=False)
    if answer.sources:
        out.print("\n[bold]Quellen[/]")
        for s in answer.sources:
            where = f" › {s.heading}" if s.heading else ""
            if s.page:
                where += f", S. {s.printed_page or s.page}"
            line = f"[{s.number}] {s.title}{where}, {provenance(s.stand, s.status, s.source_url or s.source_path)}"
            out.print(line, highlight=False, markup=False)
    if answer.binding_note:  # the closing line
        out.print(f"\n{answer.binding_note}", style="bold", highlight=False, markup=False)
    out.print(
        f"\n[dim]Sicherheit {answer.confidence:.2f} · {answer.generator}"
        + (f" · {answer.fallback_reason}" if answer.fallback_reason else "")
        + "[/]",
        highlight=False,
    )


@app.command()
def ask(
    question: Annotated[str, typer.Argument(metavar="FRAGE", help="Frage, z. B. \"Wie hoch ist die Förderung bei STARK?\"")],
    doc_type: Annotated[Optional[list[str]], typer.Option("--type", help="Dokumenttyp (mehrfach möglich).")] = None,
    region: Annotated[Optional[list[str]], typer.Option(help="Region, z. B. Lausitz.")] = None,
    land: Annotated[Optional[list[str]], typer.Option(help="Land, z. B. Sachsen.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Antwort als JSON.")] = False,
) -> None:
    """Eine Frage beantworten, mit Quellenangaben wie [1] – oder ehrlich: weiß ich nicht."""
    filters = Filters(tuple(doc_type or ()), tuple(region or ()), tuple(land or ()))
    with assistant_for_command() as assistant:
        answer = assistant.ask(question, filters=filters, channel="cli")
    if as_json:
        # The same JSON as POST /api/ask: Answer.to_dict(), the text under "text".
        out.print_json(json.dumps(answer.to_dict(), ensure_ascii=False))
    else:
        _print_answer(answer)


def _read_description(file_or_text: str) -> str:
    path = Path(file_or_text)
    try:
        if len(file_or_text) < 4096 and path.is_file():
            return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        err.print(f"[bold red]Fehler:[/] Die Datei {path} kann nicht gelesen werden ({exc}).", highlight=False)
        raise typer.Exit(EXIT_ERROR) from None
    return file_or_text


def _print_check(check: ProjectCheck) -> None:
    out.print(check.summary, highlight=False, markup=False)


@app.command("projekt-check")
def projekt_check(
    file_or_text: Annotated[str, typer.Argument(metavar="TEXT_ODER_DATEI", help="Projektbeschreibung (3–15 Sätze) oder Pfad zu einer Textdatei.")],
    region: Annotated[Optional[str], typer.Option(help="Region oder Land des Projekts, z. B. Lausitz.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Ergebnis als JSON.")] = False,
) -> None:
    """Passende Förderprogramme, Strategiefelder und Ansprechpartner zu einem Projekt finden."""
    description = _read_description(file_or_text)
    with assistant_for_command() as assistant:
        check = assistant.check_project(description, region=region, channel="cli")
    if as_json:
        out.print_json(json.dumps(check.to_dict(), ensure_ascii=False))
    else:
        _print_check(check)
