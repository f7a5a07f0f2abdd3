"""Measure rules for cutting the weak tail of a search: what relevant documents they would lose.

For every question of the files given, the search runs with the tail cut switched off
(``tail_ratio=0``) and a deep page (every document), and records for each listed document
its fused score relative to the best one and the gap of its best passage's raw cosine to
the best cosine.  Then, per candidate rule, it prints:

* ``lost``: relevant documents (found in the uncut top 10) the rule would drop;
* ``lost@all``: relevant documents found anywhere in the uncut list the rule would drop;
* ``hits (ans.)`` / ``hits (unans.)``: the median number of listed documents for answerable
  and unanswerable questions.

    REVIERLOTSE_INDEX_DIR=/tmp/x/index REVIERLOTSE_EMBEDDING_CACHE=/tmp/x/emb.sqlite \\
        .venv/bin/python bench/tail_cut.py tests/eval/questions.jsonl tests/eval/heldout.jsonl
"""

from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.config import Settings  # noqa: E402
from assistant.evaluation.questions import load_questions  # noqa: E402
from assistant.search.listing import keep_count  # noqa: E402
from assistant.service import Assistant  # noqa: E402

RATIOS = (0.0, 0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75)
KEEPS = (1, 3, 5)


@dataclass
class Row:
    question: str
    answerable: bool
    scores: list[float]
    relevant_ranks: list[int]  # 0-based ranks of relevant documents in the uncut list


def collect(assistant: Assistant, files: list[Path]) -> list[Row]:
    retriever = assistant.retriever()
    retriever.params = retriever.params.with_overrides(tail_ratio=0.0)
    rows: list[Row] = []
    for file in files:
        for q in load_questions(file):
            result = retriever.search(q.question, k=1000)
            ranked = [h.document.doc_id for h in result.hits]
            ranks = [i for i, d in enumerate(ranked) if d in set(q.relevant)]
            rows.append(Row(q.question, q.answerable, [h.score for h in result.hits], ranks))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args()
    rows = collect(Assistant(Settings()), args.files)
    answerable = [r for r in rows if r.answerable]
    unanswerable = [r for r in rows if not r.answerable]
    found10 = sum(1 for r in answerable for rank in r.relevant_ranks if rank < 10)
    found_all = sum(len(r.relevant_ranks) for r in answerable)
    print(f"{len(answerable)} answerable, {len(unanswerable)} unanswerable questions; "
          f"relevant documents in the uncut top 10: {found10}, anywhere: {found_all}")
    print(f"{'ratio':>6} {'min':>4} {'lost':>5} {'lost@all':>9} {'hits (ans.)':>12} {'hits (unans.)':>14} {'max':>5}")
    for keep in KEEPS:
        for ratio in RATIOS:
            lost = lost_all = 0
            counts_a, counts_u = [], []
            for r in rows:
                n = keep_count(r.scores, ratio, keep)
                (counts_a if r.answerable else counts_u).append(n)
                lost += sum(1 for rank in r.relevant_ranks if rank < 10 and rank >= n)
                lost_all += sum(1 for rank in r.relevant_ranks if rank >= n)
            med_u = statistics.median(counts_u) if counts_u else 0
            print(f"{ratio:>6.2f} {keep:>4} {lost:>5} {lost_all:>9} {statistics.median(counts_a):>12.0f} "
                  f"{med_u:>14.0f} {max(counts_a + counts_u):>5}")


if __name__ == "__main__":
    main()
