"""Project check quality on the eval set's project descriptions.

For each "project" question and each list of the check (programmes, strategies,
contacts) for which the question names a relevant document of that type: is a
relevant document in the list ("found"), and is one ranked first ("first")?
Also prints how many listed programmes a description's sponsor may not apply for
(their ``zielgruppe`` names none of the sponsor types the description states).

    REVIERLOTSE_INDEX_DIR=index .venv/bin/python bench/project_check_quality.py
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.config import Settings  # noqa: E402
from assistant.domain.eligibility import eligible, sponsor_groups  # noqa: E402
from assistant.evaluation.questions import load_questions  # noqa: E402
from assistant.service import Assistant  # noqa: E402

LISTS = {"foerderprogramm": "programmes", "strategie": "strategies", "akteur": "contacts"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=Path, default=Path("tests/eval/questions.jsonl"))
    args = parser.parse_args()
    assistant = Assistant(Settings())
    questions = [q for q in load_questions(args.questions) if q.kind == "project"]
    lists = found = first = listed = ineligible = 0
    for q in questions:
        check = assistant.check_project(q.question)
        groups = sponsor_groups(q.question)
        for doc_type, attr in LISTS.items():
            relevant = {d for d in q.relevant if assistant.snapshot.documents[d].doc_type == doc_type}
            matches = getattr(check, attr)
            if doc_type == "foerderprogramm":
                listed += len(matches)
                ineligible += sum(not eligible(assistant.snapshot.documents[m.doc_id].metadata, groups) for m in matches)
            if not relevant:
                continue
            ids = [m.doc_id for m in matches]
            if doc_type == "foerderprogramm":
                # Closed programmes are listed apart, after the open ones; finding one there still counts.
                ids += [m.doc_id for m in check.closed_programmes]
            lists += 1
            found += bool(relevant & set(ids))
            first += bool(ids) and ids[0] in relevant
    print(f"{len(questions)} project descriptions, {lists} lists with a relevant document")
    print(f"found {found}/{lists}, first {first}/{lists}")
    print(f"programmes listed {listed}, of them for other target groups {ineligible}")


if __name__ == "__main__":
    main()
