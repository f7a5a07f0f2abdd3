"""Question files (JSON Lines) for the evaluation, and their fixed halves.

One object per line: ``{"id", "kind", "question", "relevant": [doc ids, best first],
"answer_hint": "…" | null, "context": "…" (optional)}``.  ``relevant: []`` marks a
question the knowledge base cannot answer.  ``context`` is the previous user turn of a
follow-up question ("Und wie lange läuft das?"): the evaluation asks it first in the same
conversation.

Every question belongs to one of two fixed halves, decided by a hash of its id (not by
its position, so adding questions never moves others): parameters are tuned on the
"train" half and reported on the "test" half, so over-fitting shows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from assistant.errors import RevierlotseError

Half = Literal["train", "test"]
HALVES: tuple[Half, ...] = ("train", "test")


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
    context: str | None = None

    @property
    def answerable(self) -> bool:
        return bool(self.relevant)

    @property
    def half(self) -> Half:
        """The fixed half of this question (by a hash of its id)."""
        return "train" if hashlib.sha256(self.id.encode("utf-8")).digest()[0] % 2 == 0 else "test"


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
            context = raw.get("context")
            questions.append(
                Question(
                    id=str(raw["id"]),
                    kind=str(raw.get("kind", "keyword")),
                    question=str(raw["question"]),
                    relevant=tuple(raw.get("relevant") or ()),
                    answer_hint=raw.get("answer_hint"),
                    context=str(context) if context else None,
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise QuestionFileError(f"{path}, Zeile {number}: ungültiger Eintrag ({exc}).") from exc
    if not questions:
        raise QuestionFileError(f"Die Fragendatei '{path}' enthält keine Fragen.")
    return questions


def select(questions: list[Question], half: Half | None) -> list[Question]:
    """The questions of one half (all for ``None``)."""
    return [q for q in questions if half is None or q.half == half]
