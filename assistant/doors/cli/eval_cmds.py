"""`revierlotse eval`: measure retrieval (and answers) on a question file."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from assistant.doors.cli.app import app, fail, make_assistant, out
from assistant.errors import RevierlotseError
from assistant.evaluation.answers import answer_metrics
from assistant.evaluation.questions import load_questions
from assistant.evaluation.retrieval import RunResult, evaluate

DEFAULT_QUESTIONS = Path("tests/eval/questions.jsonl")
METRICS = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")


def _table(result: RunResult) -> Table:
    """All metrics per kind for one mode."""
    table = Table(title=f"Retrieval-Qualität ({result.mode}, Dokumentebene)")
    for col in ("Art", "n", *METRICS):
        table.add_column(col, justify="left" if col == "Art" else "right")
    for kind, values in [("gesamt", result.overall), *result.per_kind.items()]:
        table.add_row(kind, str(int(values.get("n", 0))), *(f"{values.get(m, 0):.3f}" for m in METRICS))
    return table


def _comparison(results: list[RunResult], metric: str) -> Table:
    """One metric, modes side by side, per kind: the view for choosing fusion settings."""
    table = Table(title=f"{metric} im Vergleich")
    table.add_column("Art")
    for r in results:
        table.add_column(r.mode, justify="right")
    for kind in ["gesamt", *results[0].per_kind]:
        cells = [(r.overall if kind == "gesamt" else r.per_kind.get(kind, {})).get(metric, 0.0) for r in results]
        table.add_row(kind, *(f"{c:.3f}" for c in cells))
    return table


@app.command("eval")
def eval_command(
    questions: Annotated[Path, typer.Option(help="Fragendatei (JSON Lines).")] = DEFAULT_QUESTIONS,
    compare: Annotated[bool, typer.Option("--compare", help="dense, lexical und hybrid nebeneinander.")] = False,
    report: Annotated[Path, typer.Option(help="JSON-Bericht schreiben nach …")] = Path("eval-report.json"),
    answers: Annotated[bool, typer.Option("--answers/--no-answers", help="Auch die Antworten messen.")] = True,
) -> None:
    """Retrieval auf einer Fragendatei messen (Recall, MRR, nDCG, AUROC der Konfidenz)."""
    assistant = make_assistant()
    try:
        items = load_questions(questions)
        modes = ("dense", "lexical", "hybrid") if compare else ("hybrid",)
        results = [evaluate(assistant, items, mode) for mode in modes]  # type: ignore[arg-type]
        answer_report = answer_metrics(assistant, [asdict(q) for q in items]) if answers else None
    except RevierlotseError as exc:
        raise fail(exc) from exc
    if compare:
        for metric in ("ndcg@10", "recall@5", "mrr@10"):
            out.print(_comparison(results, metric))
    else:
        out.print(_table(results[0]))
    for r in results:
        text = f"{r.auroc:.3f}" if r.auroc is not None else "– (keine unbeantwortbaren Fragen)"
        out.print(f"AUROC Konfidenz beantwortbar/unbeantwortbar ({r.mode}): {text}")
    if answer_report:
        out.print(
            f"Antworten: Hinweis enthalten {answer_report['answer_hint_rate']:.3f} (beantwortbare Fragen), "
            f"beantwortet {answer_report['answer_rate_answerable']:.3f}, "
            f"Enthaltung bei unbeantwortbaren {answer_report['abstention_rate_unanswerable']:.3f}"
        )
    payload = {
        "questions": str(questions),
        "answers": answer_report,
        "runs": [
            {"mode": r.mode, "overall": r.overall, "per_kind": r.per_kind, "auroc": r.auroc, "per_question": r.per_question}
            for r in results
        ],
    }
    report.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    out.print(f"Bericht: {report}")
