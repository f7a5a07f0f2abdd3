"""`revierlotse eval`: measure retrieval (and answers) on a question file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from assistant.cli.app import app, fail, make_assistant, out
from assistant.errors import RevierlotseError
from assistant.evaluation import RunResult, evaluate, load_questions

DEFAULT_QUESTIONS = Path("tests/eval/questions.jsonl")
METRICS = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")


def _table(results: list[RunResult]) -> Table:
    table = Table(title="Retrieval-Qualität (Dokumentebene)")
    table.add_column("Art")
    table.add_column("n", justify="right")
    for r in results:
        for m in METRICS:
            table.add_column(f"{m} {r.mode}" if len(results) > 1 else m, justify="right")
    kinds = ["gesamt", *results[0].per_kind]
    for kind in kinds:
        cells: list[str] = []
        n = 0
        for r in results:
            values = r.overall if kind == "gesamt" else r.per_kind.get(kind, {})
            n = int(values.get("n", 0))
            cells.extend(f"{values.get(m, 0):.3f}" for m in METRICS)
        table.add_row(kind, str(n), *cells)
    return table


@app.command("eval")
def eval_command(
    questions: Annotated[Path, typer.Option(help="Fragendatei (JSON Lines).")] = DEFAULT_QUESTIONS,
    compare: Annotated[bool, typer.Option("--compare", help="dense, lexical und hybrid nebeneinander.")] = False,
    report: Annotated[Path, typer.Option(help="JSON-Bericht schreiben nach …")] = Path("eval-report.json"),
) -> None:
    """Retrieval auf einer Fragendatei messen (Recall, MRR, nDCG, AUROC der Konfidenz)."""
    assistant = make_assistant()
    try:
        items = load_questions(questions)
        modes = ("dense", "lexical", "hybrid") if compare else ("hybrid",)
        results = [evaluate(assistant, items, mode) for mode in modes]  # type: ignore[arg-type]
    except RevierlotseError as exc:
        raise fail(exc) from exc
    out.print(_table(results))
    for r in results:
        text = f"{r.auroc:.3f}" if r.auroc is not None else "– (keine unbeantwortbaren Fragen)"
        out.print(f"AUROC Konfidenz beantwortbar/unbeantwortbar ({r.mode}): {text}")
    payload = {
        "questions": str(questions),
        "runs": [
            {"mode": r.mode, "overall": r.overall, "per_kind": r.per_kind, "auroc": r.auroc, "per_question": r.per_question}
            for r in results
        ],
    }
    report.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    out.print(f"Bericht: {report}")
