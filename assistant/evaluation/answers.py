"""Answer-level metrics for `revierlotse eval` (retrieval metrics live with the lead's eval code).

Why these three: a cited answer is only useful when it (a) contains the fact
the question asks for, (b) is given at all for answerable questions, and (c) is
withheld for questions the knowledge base cannot answer.  The answer hint check
is a plain substring test on normalised text: cheap, strict, and easy to audit.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Iterable
from typing import Any, Protocol

from assistant.answering.models import Answer
from assistant.errors import RevierlotseError

_SPACE = re.compile(r"\s+")
_CITATION = re.compile(r"\s?\[\d{1,3}\]")
_PERCENT_SIGN = re.compile(r"\s*%")


class _Asks(Protocol):
    def ask(self, question: str) -> Answer: ...


def normalise(text: str) -> str:
    """Casefolded, NFKC, citations removed, whitespace collapsed (also '\u00a0' and line breaks),
    and "%" spelled "Prozent": "90 %" and "90 Prozent" state the same fact."""
    text = unicodedata.normalize("NFKC", text)
    text = _CITATION.sub("", text)
    text = _PERCENT_SIGN.sub(" Prozent", text)
    return _SPACE.sub(" ", text).strip().casefold()


def answer_metrics(assistant: _Asks, questions: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Hint rate, answer rate and abstention rate over eval questions.

    Each question is a dict with ``id``, ``kind``, ``question``, ``relevant`` (doc ids;
    [] = unanswerable) and ``answer_hint`` (str or None).  Returns the rates plus
    counts, the median latency and the ids that failed each check, for the report.
    """
    answerable = unanswerable = answered = abstained_unanswerable = 0
    with_hint = hint_found = 0
    missed_hint: list[str] = []
    wrongly_abstained: list[str] = []
    wrongly_answered: list[str] = []
    errors: list[str] = []
    latencies: list[float] = []
    for q in questions:
        qid = str(q.get("id"))
        t0 = time.perf_counter()
        try:
            answer = assistant.ask(q["question"])
        except RevierlotseError:
            errors.append(qid)
            continue
        latencies.append(time.perf_counter() - t0)
        if q.get("relevant"):
            answerable += 1
            if answer.abstained:
                wrongly_abstained.append(qid)
            else:
                answered += 1
            hint = q.get("answer_hint")
            if hint:
                with_hint += 1
                if not answer.abstained and normalise(hint) in normalise(answer.text):
                    hint_found += 1
                else:
                    missed_hint.append(qid)
        else:
            unanswerable += 1
            if answer.abstained:
                abstained_unanswerable += 1
            else:
                wrongly_answered.append(qid)
    latencies.sort()
    return {
        "answer_hint_rate": hint_found / with_hint if with_hint else None,
        "answer_rate_answerable": answered / answerable if answerable else None,
        "abstention_rate_unanswerable": abstained_unanswerable / unanswerable if unanswerable else None,
        "answerable": answerable,
        "unanswerable": unanswerable,
        "with_hint": with_hint,
        "median_latency_s": round(latencies[len(latencies) // 2], 3) if latencies else None,
        "missed_hint": missed_hint,
        "wrongly_abstained": wrongly_abstained,
        "wrongly_answered": wrongly_answered,
        "errors": errors,
    }
