"""How the provenance lines behave on the evaluation questions over a built index.

Asks every question of the given files and counts: answers with the binding line, answers
that state an amount or a full date *without* it (should be 0), binding lines on answers quoting
only events or projects (should be 0), and notices by kind. Runs the project check on the
"project" questions and counts closed programmes kept out of the recommendations. Also prints
what the review list holds for the index. Usage (an index of corpus/ must exist):

    REVIERLOTSE_INDEX_DIR=/tmp/x/index REVIERLOTSE_EMBEDDING_CACHE=/tmp/x/emb.sqlite \\
        .venv/bin/python bench/provenance_answers.py [--questions tests/eval/questions.jsonl ...]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

from assistant.answering.binding import quoted_statements
from assistant.config import Settings
from assistant.evaluation.questions import load_questions
from assistant.service import Assistant
from assistant.text.facts import fact_kinds, fact_tokens

_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
HISTORY = {"veranstaltung", "projekt"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", nargs="+", type=Path,
                        default=[Path("tests/eval/questions.jsonl"), Path("tests/eval/heldout.jsonl")])
    args = parser.parse_args()
    assistant = Assistant(Settings())
    counts: Counter[str] = Counter()
    misses: list[str] = []
    for path in args.questions:
        for q in load_questions(path):
            if q.kind == "project":
                check = assistant.check_project(q.question)
                counts["project checks"] += 1
                counts["closed programmes listed apart"] += len(check.closed_programmes)
                counts["checks with a closed programme"] += bool(check.closed_programmes)
                for m in check.closed_programmes:
                    counts[f"  apart: {m.doc_id}"] += 1
                continue
            answer = assistant.ask(q.question)
            counts["questions"] += 1
            if answer.abstained:
                counts["abstained"] += 1
                continue
            counts["answered"] += 1
            types = {s.number: s.doc_type for s in answer.sources}
            # statements with an amount or a full date, quoted from a document that is not an event/project
            factual = [
                s for s, numbers in quoted_statements(answer.body)
                if ("amount" in fact_kinds(s) or any(_FULL_DATE.match(t) for t in fact_tokens(s)))
                and any(types.get(n) not in HISTORY for n in numbers)
            ]
            if answer.binding_note:
                counts["with binding line"] += 1
                if set(types.values()) <= HISTORY:
                    misses.append(f"binding line on events/projects only: {q.id} {q.question}")
            if factual:
                counts["stating an amount or date"] += 1
                if not answer.binding_note:
                    misses.append(f"amount/date without binding line: {q.id} {q.question}")
            for notice in answer.notices:
                kind = ("closed/expired" if "keine Anträge möglich" in notice else "ending soon"
                        if "läuft laut Wissensbestand" in notice else "old stand")
                counts[f"notice: {kind}"] += 1
            if all(s.stand for s in answer.sources) and all(s.source_url for s in answer.sources):
                counts["all sources with stand and link"] += 1
    for key, value in counts.items():
        print(f"{key:40s} {value}")
    print(f"{'misses':40s} {len(misses)}")
    for line in misses:
        print("  " + line)
    review = assistant.review(days=3650)
    kinds = Counter(r.kind for d in review.documents for r in d.reasons)
    print(f"review list: {len(review.documents)} documents {dict(kinds)}; "
          f"{sum(len(g.questions) for g in review.questions)} questions in {len(review.questions)} groups")
    assistant.close()


if __name__ == "__main__":
    main()
