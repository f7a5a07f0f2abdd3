"""Index commands for staff: index, remove, search, stats."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from assistant.doors.cli.app import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_PARTIAL,
    app,
    err,
    fail,
    make_assistant,
    out,
    provenance,
)
from assistant.errors import RevierlotseError
from assistant.ingest.indexer import IndexReport
from assistant.ingest.indexer import Progress as IndexProgress
from assistant.search.filters import Filters
from assistant.search.listing import SORTS
from assistant.text.plural import count


class _RichProgress(IndexProgress):
    """Three bars: files read, chunks embedded, answer sentences prepared."""

    def __init__(self, progress: Progress) -> None:
        self._p = progress
        self._files = progress.add_task("Dateien", total=None)
        self._chunks = progress.add_task("Abschnitte einbetten", total=None, visible=False)
        self._statements = progress.add_task("Antwortsätze vorbereiten", total=None, visible=False)

    def files_total(self, n: int) -> None:
        self._p.update(self._files, total=n)

    def file_done(self, path: Path) -> None:
        self._p.advance(self._files)

    def chunks_total(self, n: int) -> None:
        self._p.update(self._chunks, total=n, visible=True)

    def chunks_done(self, n: int) -> None:
        self._p.advance(self._chunks, n)

    def statements_total(self, n: int) -> None:
        self._p.update(self._statements, total=n, visible=True)

    def statements_done(self, n: int) -> None:
        self._p.advance(self._statements, n)


class _LineProgress(IndexProgress):
    """Progress as plain lines, for output without a terminal (``make run`` in a pipe, a service log).

    rich's bars redraw one line in place, which a pipe never shows: indexing the corpus
    was two silent minutes.  A line every ``FILES_STEP`` files and every ``CHUNKS_STEP``
    passages (or every tenth of the work, if that comes first), and at each end.
    """

    FILES_STEP = 25
    CHUNKS_STEP = 200

    def __init__(self, console: Console) -> None:
        self._console = console
        self._totals: dict[str, int] = {}
        self._done: dict[str, int] = {}
        self._next: dict[str, int] = {}

    def _start(self, kind: str, total: int, step: int, what: str) -> None:
        self._totals[kind], self._done[kind] = total, 0
        self._next[kind] = max(1, min(step, -(-total // 10)))
        self._say(f"{what}: {count(total, _NOUNS[kind][0])} …")

    def _advance(self, kind: str, n: int, what: str) -> None:
        if kind not in self._totals:
            return
        before = self._done[kind]
        done = self._done[kind] = before + n
        total, step = self._totals[kind], self._next[kind]
        if done // step > before // step or (done >= total > before):
            self._say(f"{what}: {done} von {count(total, _NOUNS[kind][1])}")

    def _say(self, line: str) -> None:
        self._console.print(line, highlight=False, markup=False, soft_wrap=True)

    def files_total(self, n: int) -> None:
        self._start("files", n, self.FILES_STEP, "Dateien lesen")

    def file_done(self, path: Path) -> None:
        self._advance("files", 1, "Dateien gelesen")

    def chunks_total(self, n: int) -> None:
        self._start("chunks", n, self.CHUNKS_STEP, "Abschnitte einbetten")

    def chunks_done(self, n: int) -> None:
        self._advance("chunks", n, "Abschnitte eingebettet")

    def statements_total(self, n: int) -> None:
        self._start("statements", n, self.CHUNKS_STEP * 5, "Antwortsätze vorbereiten")

    def statements_done(self, n: int) -> None:
        self._advance("statements", n, "Antwortsätze vorbereitet")


# (nominative, dative) plural: "608 Abschnitte …", "200 von 608 Abschnitten"
_NOUNS = {"files": ("Dateien", "Dateien"), "chunks": ("Abschnitte", "Abschnitten"), "statements": ("Sätze", "Sätzen")}


def _print_report(report: IndexReport) -> None:
    table = Table(title="Indexierung", show_header=True)
    for label in ("neu", "aktualisiert", "unverändert", "entfernt", "fehlgeschlagen"):
        table.add_column(label, justify="right")
    c = report.counts
    table.add_row(*(str(c[s]) for s in ("added", "updated", "unchanged", "removed", "failed")))
    out.print(table)
    if report.failed:
        failed = Table(title="Nicht indexiert", show_header=True, title_style="bold red")
        failed.add_column("Datei", overflow="fold")
        failed.add_column("Grund", overflow="fold")
        for o in report.failed:
            failed.add_row(o.path, o.reason or "")
        out.print(failed)
    for o in report.outcomes:
        for warning in o.warnings:
            out.print(f"[yellow]Hinweis[/] {o.path}: {warning}", highlight=False)
    state = f"neuer Stand {report.generation}" if report.changed else f"keine Änderung, Stand {report.generation}"
    out.print(f"{count(report.documents, 'Dokumente')}, {count(report.chunks, 'Abschnitte')} – {state} ({report.seconds:.1f} s)")


@app.command()
def index(
    paths: Annotated[Optional[list[Path]], typer.Argument(metavar="PFAD", help="Dateien oder Ordner; ohne Angabe der Korpus-Ordner.")] = None,
    prune: Annotated[bool, typer.Option("--prune", help="Dokumente entfernen, deren Datei es nicht mehr gibt.")] = False,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Alles neu aufbauen (z. B. nach Modellwechsel).")] = False,
    if_missing: Annotated[bool, typer.Option("--if-missing", help="Nur bauen, wenn es noch keinen Index gibt.")] = False,
    wait: Annotated[float, typer.Option(help="Sekunden warten, falls gerade ein anderer Vorgang indexiert.")] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Bericht als JSON.")] = False,
) -> None:
    """Dateien aufnehmen oder aktualisieren (inkrementell, atomar umgeschaltet)."""
    assistant = make_assistant()
    try:
        live = assistant.backend.live_generation() if if_missing else None
    except RevierlotseError as exc:
        raise fail(exc) from exc
    if live:
        out.print(f"Index vorhanden ({live}), nichts zu tun.")
        raise typer.Exit(EXIT_OK)
    targets = paths or [assistant.settings.corpus_dir]
    missing = [p for p in targets if not p.exists()]
    if missing:
        err.print(f"[bold red]Fehler:[/] Pfad nicht gefunden: {', '.join(map(str, missing))}", highlight=False)
        raise typer.Exit(EXIT_ERROR)
    try:
        if as_json:
            report = assistant.index(targets, prune=prune, rebuild=rebuild, wait_s=wait)
        elif not err.is_terminal:
            report = assistant.index(targets, prune=prune, rebuild=rebuild, progress=_LineProgress(err), wait_s=wait)
        else:
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            with Progress(*columns, console=err, transient=True) as bar:
                report = assistant.index(
                    targets, prune=prune, rebuild=rebuild, progress=_RichProgress(bar), wait_s=wait
                )
    except RevierlotseError as exc:
        raise fail(exc) from exc
    if as_json:
        payload = {
            "generation": report.generation,
            "changed": report.changed,
            "documents": report.documents,
            "chunks": report.chunks,
            "counts": report.counts,
            "files": [o.__dict__ for o in report.outcomes],
        }
        out.print_json(json.dumps(payload, ensure_ascii=False))
    else:
        _print_report(report)
    raise typer.Exit(EXIT_PARTIAL if report.failed else EXIT_OK)


@app.command()
def remove(doc_ids: Annotated[list[str], typer.Argument(metavar="DOKUMENT_ID", help="Dokument-IDs (siehe 'stats --documents').")]) -> None:
    """Dokumente aus dem Index entfernen (die Dateien selbst bleiben liegen)."""
    assistant = make_assistant()
    try:
        report = assistant.remove(doc_ids)
    except RevierlotseError as exc:
        raise fail(exc) from exc
    for o in report.outcomes:
        out.print(f"entfernt: {o.doc_id} ({o.path})", highlight=False)
        if Path(o.path).exists():
            out.print(
                f"[yellow]Hinweis[/] Die Datei {o.path} liegt noch im Korpus und wird beim nächsten "
                "'index' wieder aufgenommen, wenn sie nicht gelöscht wird.",
                highlight=False,
            )
    out.print(f"Neuer Stand {report.generation}: {count(report.documents, 'Dokumente')}, {count(report.chunks, 'Abschnitte')}.")


def _filters(
    doc_type: list[str] | None,
    region: list[str] | None,
    land: list[str] | None,
    programm: list[str] | None,
    stand_ab: str | None,
) -> Filters:
    try:
        stand = dt.date.fromisoformat(stand_ab) if stand_ab else None
    except ValueError:
        err.print(f"[bold red]Fehler:[/] '--stand-ab {stand_ab}' ist kein Datum (JJJJ-MM-TT).", highlight=False)
        raise typer.Exit(EXIT_ERROR) from None
    return Filters(tuple(doc_type or ()), tuple(region or ()), tuple(land or ()), tuple(programm or ()), stand)


@app.command()
def search(
    query: Annotated[str, typer.Argument(metavar="FRAGE", help="Frage oder Suchbegriffe, z. B. \"Förderung Wasserstoff Lausitz\".")],
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="Anzahl Dokumente.")] = 5,
    doc_type: Annotated[Optional[list[str]], typer.Option("--type", help="Dokumenttyp (mehrfach möglich).")] = None,
    region: Annotated[Optional[list[str]], typer.Option(help="Region, z. B. Lausitz.")] = None,
    land: Annotated[Optional[list[str]], typer.Option(help="Land, z. B. Sachsen.")] = None,
    programm: Annotated[Optional[list[str]], typer.Option(help="Förderprogramm, z. B. STARK.")] = None,
    stand_ab: Annotated[Optional[str], typer.Option("--stand-ab", help="Nur Dokumente mit Stand ab JJJJ-MM-TT.")] = None,
    mode: Annotated[str, typer.Option(help="hybrid, dense oder lexical.")] = "hybrid",
    sort: Annotated[str, typer.Option(help="Reihenfolge: relevance, stand (neuester zuerst) oder title.")] = "relevance",
    as_json: Annotated[bool, typer.Option("--json", help="Treffer als JSON.")] = False,
) -> None:
    """Den Wissensbestand durchsuchen."""
    if mode not in ("hybrid", "dense", "lexical"):
        err.print("[bold red]Fehler:[/] --mode muss hybrid, dense oder lexical sein.")
        raise typer.Exit(EXIT_ERROR)
    if sort not in SORTS:
        err.print(f"[bold red]Fehler:[/] --sort muss {', '.join(SORTS[:-1])} oder {SORTS[-1]} sein.")
        raise typer.Exit(EXIT_ERROR)
    filters = _filters(doc_type, region, land, programm, stand_ab)
    assistant = make_assistant()
    try:
        result = assistant.search(query, k=k, filters=filters, mode=mode, sort=sort)  # type: ignore[arg-type]
    except RevierlotseError as exc:
        raise fail(exc) from exc
    if as_json:
        out.print_json(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    if not result.hits:
        out.print("Keine Treffer." if result.total_documents == 0 else "Keine weiteren Treffer.")
        return
    for rank, hit in enumerate(result.hits, 1):
        d = hit.document
        out.print(f"[bold]{rank}. {d.title}[/]  [dim]({d.doc_type}, {d.doc_id}, Score {hit.score:.3f})[/]", highlight=False)
        for p in hit.passages:
            where = " › ".join(p.chunk.heading_path)
            if p.chunk.page:
                where += f" S. {p.chunk.page}" + (f" (gedruckt {p.chunk.printed_page})" if p.chunk.printed_page else "")
            text = " ".join(p.chunk.text.split())
            out.print(f"   [cyan]{where}[/] {text[:300]}{'…' if len(text) > 300 else ''}", highlight=False)
        meta = d.metadata
        source = escape(provenance(meta.stand, meta.status, meta.source_url or d.source_path))
        out.print(f"   [dim]Quelle: {source}[/]", highlight=False)
    found = f"{count(result.total_documents, 'Dokumente')} gefunden"
    if result.uncertain:
        out.print(f"[yellow]Unsichere Treffer[/] – der Wissensbestand beantwortet diese Anfrage wahrscheinlich nicht "
                  f"(Sicherheit {result.confidence:.2f}, {found}).", highlight=False)
    else:
        out.print(f"[dim]Sicherheit {result.confidence:.2f} – {found}[/]", highlight=False)


@app.command()
def stats(
    documents: Annotated[bool, typer.Option("--documents", help="Alle Dokumente auflisten.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Zustand des Index: Stand, Dokumente, Abschnitte, Modell."""
    assistant = make_assistant()
    try:
        s = assistant.stats()
        docs = assistant.documents() if documents else []
    except RevierlotseError as exc:
        raise fail(exc) from exc
    if as_json:
        payload = s.__dict__ | {"document_list": [{"doc_id": d.doc_id, "title": d.title, "type": d.doc_type,
                                                   "source_path": d.source_path} for d in docs]}
        out.print_json(json.dumps(payload, ensure_ascii=False, default=str))
        return
    out.print(f"Stand: {s.generation} (erstellt {s.created_at})")
    if s.fallback_from:
        err.print(
            f"[yellow]Hinweis[/] Der Index-Stand {s.fallback_from} ist beschädigt; verwendet wird der ältere "
            f"Stand {s.generation}. Bitte mit 'revierlotse index' einen neuen Stand erzeugen.",
            highlight=False,
        )
    out.print(f"Dokumente: {s.documents}, Abschnitte: {s.chunks}")
    out.print(f"Embedding-Modell: {s.embedder}; Vektorindex: {_vector_index_line(s.vector_index)}")
    out.print("Nach Typ: " + (", ".join(f"{k} {v}" for k, v in s.by_type.items()) or "–"))
    if docs:
        # One line per document, never wrapped or cut: the ID is what `remove` needs, whole.
        out.print("\nID\tTyp\tTitel\tDatei", style="bold", highlight=False, soft_wrap=True)
        for d in sorted(docs, key=lambda d: d.doc_id):
            out.print(f"{d.doc_id}\t{d.doc_type}\t{d.title}\t{d.source_path}", highlight=False, markup=False,
                      soft_wrap=True)


def _vector_index_line(info: dict) -> str:
    """'flat', or IVF with its search width and the recall@10 measured when it was built."""
    if info.get("kind") != "ivf":
        return str(info.get("kind", "unbekannt"))
    recall = info.get("measured_recall")
    measured = f", gemessene Trefferquote (Recall@10) {recall:.3f}".replace(".", ",") if recall is not None else ""
    return f"IVF ({info.get('nlist')} Zellen, {info.get('nprobe')} durchsucht{measured})"
