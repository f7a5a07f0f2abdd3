"""Several question sets, each over its own corpus, run side by side and split into fixed halves.

The product is judged on documents we did not write, so one command reports our own set,
our held-out set and the development set of real documents (``../shared/devset``, when it
lies beside the repository) — each overall and per half, so a gain that exists only on
the tuning half shows.  Every corpus gets its own index under ``work_dir`` (incremental:
an unchanged corpus is not embedded again; one embedding cache for all).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.embedding.embedders import Embedder
from assistant.errors import RevierlotseError
from assistant.evaluation.questions import (
    HALVES,
    Half,
    Question,
    load_questions,
    select,
)
from assistant.evaluation.runner import QuestionRun, Summary, run_questions, summarise
from assistant.search.result import Mode
from assistant.service import Assistant


@dataclass(frozen=True)
class EvalSet:
    name: str
    corpus: Path
    questions: Path


def default_sets(repo: Path) -> list[EvalSet]:
    """Our set, our held-out set, and the development set of real documents beside the repository."""
    devset = repo.parent / "shared" / "devset"
    return [
        EvalSet("own", repo / "corpus", repo / "tests/eval/questions.jsonl"),
        EvalSet("own-heldout", repo / "corpus", repo / "tests/eval/heldout.jsonl"),
        EvalSet("devset", devset / "corpus", devset / "questions.jsonl"),
    ]


@dataclass
class SetResult:
    """One set's runs per mode, and its summaries per half."""

    eval_set: EvalSet
    runs: dict[str, list[QuestionRun]]  # mode → runs
    summaries: dict[str, dict[str, Summary]] = field(default_factory=dict)  # mode → half/"all" → summary

    def summarise(self) -> None:
        for mode, runs in self.runs.items():
            by_half: dict[str, Summary] = {"all": summarise(runs)}
            for half in HALVES:
                by_half[half] = summarise([r for r in runs if r.question.half == half])
            self.summaries[mode] = by_half

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.eval_set.name,
            "corpus": str(self.eval_set.corpus),
            "questions": str(self.eval_set.questions),
            "summaries": {m: {h: s.to_dict() for h, s in by_half.items()} for m, by_half in self.summaries.items()},
            "per_question": {m: [r.to_dict() for r in runs] for m, runs in self.runs.items()},
        }


def index_for(eval_set: EvalSet, work_dir: Path, embedder: Embedder | None, base: Settings | None = None) -> Assistant:
    """An Assistant over the set's corpus, indexed under ``work_dir`` (reused while the corpus is unchanged)."""
    if not eval_set.corpus.is_dir():
        raise RevierlotseError(f"Der Korpus '{eval_set.corpus}' des Fragensatzes „{eval_set.name}“ fehlt.")
    key = hashlib.sha1(str(eval_set.corpus.resolve()).encode()).hexdigest()[:10]
    overrides = {
        "corpus_dir": eval_set.corpus,
        "index_dir": work_dir / f"{eval_set.corpus.name}-{key}",
        "embedding_cache": work_dir / "embedding-cache.sqlite",
    }
    settings = (base or Settings()).model_copy(update=overrides)
    assistant = Assistant(settings, embedder)
    report = assistant.index([eval_set.corpus])
    if report.failed:
        names = ", ".join(o.path for o in report.failed[:3])
        raise RevierlotseError(f"Beim Indexieren von „{eval_set.name}“ sind Dateien gescheitert: {names}.")
    return assistant


def run_set(
    assistant: Assistant, eval_set: EvalSet, modes: tuple[Mode, ...], half: Half | None = None,
    questions: list[Question] | None = None,
) -> SetResult:
    items = select(questions if questions is not None else load_questions(eval_set.questions), half)
    result = SetResult(eval_set, {mode: run_questions(assistant, items, mode) for mode in modes})
    result.summarise()
    return result


def run_suite(
    sets: list[EvalSet],
    work_dir: Path,
    *,
    modes: tuple[Mode, ...] = ("hybrid",),
    embedder: Embedder | None = None,
    base: Settings | None = None,
    on_skip: Callable[[EvalSet, str], None] | None = None,
) -> list[SetResult]:
    """Run every set whose corpus and questions exist; ``on_skip`` hears why a set was left out."""
    results: list[SetResult] = []
    assistants: dict[Path, Assistant] = {}
    for eval_set in sets:
        if not eval_set.questions.is_file() or not eval_set.corpus.is_dir():
            if on_skip:
                on_skip(eval_set, f"'{eval_set.questions}' oder '{eval_set.corpus}' fehlt")
            continue
        corpus = eval_set.corpus.resolve()
        if corpus not in assistants:
            assistants[corpus] = index_for(eval_set, work_dir, embedder or _shared_embedder(assistants), base)
        results.append(run_set(assistants[corpus], eval_set, modes))
    for assistant in assistants.values():
        assistant.close()
    return results


def _shared_embedder(assistants: dict[Path, Assistant]) -> Embedder | None:
    """The embedder already loaded for another set (one model in memory for the whole suite)."""
    for assistant in assistants.values():
        return assistant.embedder
    return None
