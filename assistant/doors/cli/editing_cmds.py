"""Editor commands: `review` (what needs checking), `fetch` (an official source by URL), `recheck`."""

from __future__ import annotations

import json
from typing import Annotated, Any, Optional

import typer
from rich.markup import escape
from rich.table import Table

from assistant.doors.cli.app import (
    EXIT_OK,
    EXIT_PARTIAL,
    app,
    assistant_for_command,
    out,
)
from assistant.ingest.review import ReviewList
from assistant.ingest.sources import RecheckReport
from assistant.text.plural import count

_STATUS_LABELS = {"unveraendert": "unverändert", "geaendert": "geändert", "verschwunden": "verschwunden",
                  "fehler": "Fehler"}
_STATUS_STYLES = {"unveraendert": "green", "geaendert": "yellow", "verschwunden": "red", "fehler": "red"}


def _de(iso: str | None) -> str:
    if not iso:
        return "–"
    y, m, d = iso[:10].split("-")
    return f"{d}.{m}.{y}"


def _print_review(review: ReviewList) -> None:
    data = review.to_dict()
    docs = data["documents"]
    table = Table(title=f"Dokumente zu prüfen ({len(docs)})", show_lines=True)
    table.add_column("Dokument", overflow="fold", ratio=2)
    table.add_column("Stand", no_wrap=True)
    table.add_column("Was zu tun ist", overflow="fold", ratio=4)
    for d in docs:
        where = d["source_url"] or d["source_path"]
        table.add_row(f"{escape(d['title'])}\n[dim]{escape(d['doc_id'])} · {escape(where)}[/]", _de(d["stand"]),
                      escape("\n".join(f"• {r['text']}" for r in d["reasons"])))
    if docs:
        out.print(table)
    else:
        out.print(f"Keine Dokumente zu prüfen (Stand jünger als {count(review.stand_months, 'Monate')}, Angaben vollständig).")
    groups = data["questions"]
    if not groups:
        out.print(f"Keine abgelehnten oder als nicht hilfreich markierten Fragen in den letzten {count(review.days, 'Tagen')}.")
        return
    questions = Table(title=f"Fragen ohne gute Antwort (letzte {count(review.days, 'Tage')}), nach Thema", show_lines=True)
    questions.add_column("Thema (bestes Dokument)", overflow="fold", ratio=2)
    questions.add_column("Fragen", overflow="fold", ratio=4)
    questions.add_column("abgelehnt", justify="right")
    questions.add_column("nicht hilfreich", justify="right")
    for g in groups:
        lines = [escape(q["question"]) + "".join(f"\n  [dim]„{escape(c)}“[/]" for c in q["comments"])
                 for q in g["questions"]]
        questions.add_row(
            escape(g["topic"]) + (f"\n[dim]{escape(g['doc_id'])}[/]" if g["doc_id"] else ""), "\n".join(lines),
            str(sum(q["declined"] for q in g["questions"])), str(sum(q["not_helpful"] for q in g["questions"])),
        )
    out.print(questions)


@app.command()
def review(
    days: Annotated[int, typer.Option(min=1, max=3650, help="Fragen der letzten N Tage.")] = 90,
    as_json: Annotated[bool, typer.Option("--json", help="Prüfliste als JSON.")] = False,
) -> None:
    """Prüfliste für die Redaktion: alte oder unvollständige Dokumente, geänderte Quellen, Fragen ohne Antwort."""
    with assistant_for_command() as assistant:
        result = assistant.review(days=days)
    if as_json:
        out.print_json(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        _print_review(result)


@app.command()
def fetch(
    url: Annotated[str, typer.Argument(metavar="URL", help="Adresse der amtlichen Seite oder des PDFs (http/https).")],
    title: Annotated[Optional[str], typer.Option(help="Titel (sonst der Titel der Seite).")] = None,
    doc_type: Annotated[Optional[str], typer.Option("--type", help="Dokumenttyp, z. B. foerderprogramm.")] = None,
    land: Annotated[Optional[list[str]], typer.Option(help="Land (mehrfach möglich).")] = None,
    region: Annotated[Optional[list[str]], typer.Option(help="Region (mehrfach möglich).")] = None,
    programm: Annotated[Optional[list[str]], typer.Option(help="Programm-Kurzname (mehrfach möglich).")] = None,
    foerdergeber: Annotated[Optional[str], typer.Option(help="Fördergeber.")] = None,
    status: Annotated[Optional[str], typer.Option(help="offen, geschlossen oder ausgelaufen.")] = None,
    quelle_stand: Annotated[Optional[str], typer.Option("--quelle-stand", help="Fassung vom JJJJ-MM-TT.")] = None,
    gueltig_bis: Annotated[Optional[str], typer.Option("--gueltig-bis", help="Gültig bis JJJJ-MM-TT.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Ergebnis als JSON.")] = False,
) -> None:
    """Eine amtliche Quelle (HTML-Seite oder PDF) abrufen, unter corpus/quellen/ ablegen und indexieren."""
    metadata: dict[str, Any] = {
        "title": title, "type": doc_type, "land": land, "region": region, "programm": programm,
        "foerdergeber": foerdergeber, "status": status, "quelle_stand": quelle_stand, "gueltig_bis": gueltig_bis,
    }
    with assistant_for_command() as assistant:
        result = assistant.fetch_source(url, metadata)
    data = result.to_dict()
    if as_json:
        out.print_json(json.dumps(data, ensure_ascii=False))
        return
    verb = {None: "neu aufgenommen", True: "aktualisiert (Text geändert)", False: "erneut abgerufen (Text unverändert)"}
    out.print(f"„{data['title']}“ {verb[data['changed']]}: {data['doc_id']}, {count(data['chunks'], 'Abschnitte')}",
              highlight=False, markup=False)
    out.print(f"Datei: {data['path']} ({data['kind'].upper()}, {data['bytes']} Byte)", highlight=False, markup=False)
    out.print(f"Quelle: {data['source_url']} – abgerufen am {_de(data['abgerufen_am'])}", highlight=False, markup=False)
    if data["final_url"] != data["source_url"]:
        out.print(f"[dim]weitergeleitet nach {escape(data['final_url'])}[/]", highlight=False)
    for warning in data["warnings"]:
        out.print(f"[yellow]Hinweis[/] {escape(warning)}", highlight=False)


def _print_recheck(report: RecheckReport) -> None:
    data = report.to_dict()
    if not data["sources"]:
        out.print("Keine abgerufenen Quellen vorhanden (revierlotse fetch URL legt welche an).")
        return
    table = Table(title="Quellenprüfung" + (" (angewendet)" if report.applied else ""), show_lines=True)
    table.add_column("Quelle", overflow="fold", ratio=3)
    table.add_column("Ergebnis", no_wrap=True)
    table.add_column("Hinweis", overflow="fold", ratio=3)
    for c in data["sources"]:
        label = _STATUS_LABELS[c["status"]] + (" ✓" if c["applied"] else "")
        table.add_row(escape(c["source_url"]), f"[{_STATUS_STYLES[c['status']]}]{label}[/]", escape(c["message"]))
    out.print(table)
    counts = ", ".join(f"{n} {_STATUS_LABELS[s]}" for s, n in data["counts"].items())
    out.print(counts)
    pending = data["counts"]["geaendert"] + data["counts"]["verschwunden"]
    if pending and not report.applied:
        out.print("[dim]Der Index wurde nicht verändert. Mit --apply werden geänderte Quellen neu abgerufen und "
                  "indexiert, verschwundene aus dem Index genommen (Dateien nach quellen/.archiv/).[/]")


@app.command()
def recheck(
    apply: Annotated[bool, typer.Option("--apply", help="Änderungen übernehmen und neu indexieren.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Ergebnis als JSON.")] = False,
) -> None:
    """Alle abgerufenen Quellen neu laden: was hat sich geändert, was ist verschwunden, was schlug fehl?

    Exit-Code 0: alles unverändert (oder angewendet), 1: Änderungen, verschwundene oder fehlerhafte Quellen.
    """
    with assistant_for_command() as assistant:
        report = assistant.recheck_sources(apply=apply)
    if as_json:
        out.print_json(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        _print_recheck(report)
    needs_editor = report.count("fehler") + (0 if apply else report.count("geaendert") + report.count("verschwunden"))
    raise typer.Exit(EXIT_PARTIAL if needs_editor else EXIT_OK)
