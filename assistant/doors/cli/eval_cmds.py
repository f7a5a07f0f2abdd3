"""`revierlotse eval`: measure retrieval and answers on question sets, per kind and per fixed half."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from assistant.doors.cli.app import app, fail, make_assistant, out
from assistant.errors import RevierlotseError
from assistant.evaluation.fit import fit_all, write_fitted
from assistant.evaluation.questions import HALVES, Half
from assistant.evaluation.suite import (
    EvalSet,
    SetResult,
    default_sets,
    run_set,
    run_suite,
)
from assistant.search.params import packaged_fitted_path
from assistant.search.result import Mode

DEFAULT_QUESTIONS = Path("tests/eval/questions.jsonl")
COLUMNS = (("ndcg@10", "nDCG@10"), ("recall@5", "R@5"), ("hint", "Hinweis"), ("answered", "beantw."),
           ("declined", "abgelehnt"), ("auroc", "AUROC"))


def _value(summary, key: str) -> str:  # noqa: ANN001 - a Summary
    if key in ("hint", "answered", "declined"):
        value = summary.answers.get(key)
    elif key == "auroc":
        value = summary.auroc
    else:
        value = summary.ranking.get(key)
    return "–" if value is None else f"{value:.3f}"


def _overview(results: list[SetResult], mode: str) -> Table:
    """Every set, every half, the headline metrics side by side."""
    table = Table(title=f"Überblick ({mode}); „train“ = Hälfte zum Abstimmen, „test“ = nie zum Abstimmen benutzt")
    for col in ("Satz", "Hälfte", "n", *(label for _, label in COLUMNS)):
        table.add_column(col, justify="left" if col in ("Satz", "Hälfte") else "right")
    for r in results:
        for half in ("all", *HALVES):
            s = r.summaries[mode][half]
            table.add_row(r.eval_set.name, "alle" if half == "all" else half, str(s.n), *(_value(s, k) for k, _ in COLUMNS))
    return table


def _per_kind(result: SetResult, mode: str) -> Table:
    """nDCG@10 and the hint rate per question kind, on both halves."""
    table = Table(title=f"{result.eval_set.name}: je Art ({mode})")
    for col in ("Art", "n", "nDCG train", "nDCG test", "nDCG alle", "Hinweis train", "Hinweis test", "Hinweis alle"):
        table.add_column(col, justify="left" if col == "Art" else "right")
    by_half = result.summaries[mode]
    for kind, values in by_half["all"].per_kind.items():
        def cell(half: str, key: str) -> str:
            value = by_half[half].per_kind.get(kind, {}).get(key)
            return "–" if value is None else f"{value:.3f}"

        table.add_row(kind, str(values["n"]), cell("train", "ndcg@10"), cell("test", "ndcg@10"),
                      cell("all", "ndcg@10"), cell("train", "hint"), cell("test", "hint"), cell("all", "hint"))
    return table


@app.command("eval")
def eval_command(
    questions: Annotated[
        Path | None, typer.Option(help="Fragendatei (JSON Lines) gegen den eingestellten Index.")
    ] = None,
    suite: Annotated[
        bool, typer.Option("--suite", help="Alle Fragensätze (eigener, zurückgehaltener, Entwicklungssatz) mit eigenen Indizes.")
    ] = False,
    half: Annotated[str, typer.Option(help="Nur eine Hälfte: train, test oder all.")] = "all",
    compare: Annotated[bool, typer.Option("--compare", help="dense, lexical und hybrid nebeneinander.")] = False,
    work_dir: Annotated[Path, typer.Option(help="Ordner für die Indizes der Fragensätze (--suite).")] = Path(".cache/eval"),
    report: Annotated[Path, typer.Option(help="JSON-Bericht schreiben nach …")] = Path("eval-report.json"),
) -> None:
    """Suche und Antworten messen: nDCG, Recall, Hinweis in der Antwort, beantwortet/abgelehnt, AUROC – je Art und Hälfte."""
    if half not in ("all", *HALVES):
        out.print(f"[bold red]Fehler:[/] --half muss train, test oder all sein, nicht „{half}“.", highlight=False)
        raise typer.Exit(2)
    modes: tuple[Mode, ...] = ("dense", "lexical", "hybrid") if compare else ("hybrid",)
    try:
        if suite:
            def skipped(eval_set: EvalSet, why: str) -> None:
                out.print(f"Fragensatz „{eval_set.name}“ übersprungen: {why}.", highlight=False)

            results = run_suite(default_sets(Path.cwd()), work_dir, modes=modes, on_skip=skipped)
        else:
            assistant = make_assistant()
            path = questions or DEFAULT_QUESTIONS
            chosen: Half | None = None if half == "all" else half  # type: ignore[assignment]
            try:
                results = [run_set(assistant, EvalSet(path.stem, assistant.settings.corpus_dir, path), modes, chosen)]
            finally:
                assistant.close()
    except RevierlotseError as exc:
        raise fail(exc) from exc
    for mode in modes:
        out.print(_overview(results, mode))
    for r in results:
        out.print(_per_kind(r, "hybrid"))
    report.write_text(json.dumps({"sets": [r.to_dict() for r in results]}, ensure_ascii=False, indent=1), encoding="utf-8")
    out.print(f"Bericht: {report}")


@app.command("fit")
def fit_command(
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Wohin die angepassten Werte geschrieben werden (Standard: die mitgelieferte Datei).")
    ] = None,
    work_dir: Annotated[Path, typer.Option(help="Ordner für die Indizes der Fragensätze.")] = Path(".cache/eval"),
) -> None:
    """Gewichte, Satzmodell, Konfidenz und Schwelle auf den Trainingshälften anpassen (mit Kreuzvalidierung)."""
    target = out_file or packaged_fitted_path()
    try:
        content = fit_all(default_sets(Path.cwd()), work_dir, on_step=lambda m: out.print(m, highlight=False))
    except RevierlotseError as exc:
        raise fail(exc) from exc
    write_fitted(content, target)
    fit = content["fit"]
    for name, scores in fit["search_ndcg_train"].items():
        out.print(f"Suche {name}: {content['params'][name]} (nDCG@10 Training je Wert: {scores})", highlight=False)
    s = fit["sentence_model"]
    used = "angepasste" if s["kept"] == "fitted" else "von Hand gesetzte"
    out.print(
        f"Satzmodell: Antworten mit Hinweis – von Hand gesetzte Gewichte {s['simulated_hint_hand']}, "
        f"angepasste (Kreuzvalidierung) {s['simulated_hint_fitted_cv']}; verwendet: {used} Gewichte, "
        f"Marge {content['sentence_model']['margin']}, höchstens {content['sentence_model']['max_sentences']} Sätze"
    )
    c = fit["confidence"]
    out.print(f"Konfidenz: AUROC (Kreuzvalidierung) {c['auroc_cv']}, Schwelle {content['abstain_threshold']}")
    out.print(f"Geschrieben: {target}. Prüfen mit: revierlotse eval --suite")
