"""Question files (JSON Lines) for the evaluation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import RevierlotseError


class QuestionFileError(RevierlotseError):
    code = "question_file"
    http_status = 422


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    question: str
    relevant: tuple[str, ...]
    answer_hint: str | None

    @property
    def answerable(self) -> bool:
        return bool(self.relevant)


def load_questions(path: Path) -> list[Question]:
    """Read and validate a JSONL question file (line numbers in errors)."""
    questions: list[Question] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise QuestionFileError(f"Fragendatei '{path}' ist nicht lesbar: {exc.strerror}.") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            questions.append(
                Question(
                    id=str(raw["id"]),
                    kind=str(raw.get("kind", "keyword")),
                    question=str(raw["question"]),
                    relevant=tuple(raw.get("relevant") or ()),
                    answer_hint=raw.get("answer_hint"),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise QuestionFileError(f"{path}, Zeile {number}: ungültiger Eintrag ({exc}).") from exc
    if not questions:
        raise QuestionFileError(f"Die Fragendatei '{path}' enthält keine Fragen.")
    return questions
