"""The README and docs/ against the code: curl examples that work as written, numbers that are current."""

from __future__ import annotations

import re
import shlex

from assistant.answering.answer_confidence import AnswerConfidence
from assistant.config import Settings
from assistant.search.result import SearchResult
from tests.conftest import REPO

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def _curl_commands(text: str) -> list[str]:
    """Every curl command of the shell examples, continuation lines joined."""
    commands, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if current:
            current += " " + stripped.rstrip("\\")
            if not stripped.endswith("\\"):
                commands.append(current)
                current = ""
        elif stripped.startswith("curl "):
            current = stripped.rstrip("\\")
            if not stripped.endswith("\\"):
                commands.append(current)
                current = ""
    return commands


def test_query_strings_with_umlauts_are_url_encoded() -> None:
    """`curl -G -d q=Förderung` sends a raw "ö" (a plain-text 400); `--data-urlencode` encodes it."""
    checked = 0
    for path in DOCS:
        for command in _curl_commands(path.read_text(encoding="utf-8")):
            words = shlex.split(command)
            if "-G" not in words:
                continue
            checked += 1
            for flag, value in zip(words, words[1:]):
                if flag in ("-d", "--data") and not value.isascii():
                    raise AssertionError(f"{path.name}: {command!r} needs --data-urlencode for {value!r}")
    assert checked >= 2


def test_documented_defaults_match_the_code() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    settings = Settings(_env_file=None)
    for variable, field in (("ANSWER_MAX_CHARS", "answer_max_chars"),
                            ("MAX_QUERY_CHARS", "max_query_chars"), ("MAX_UPLOAD_MB", "max_upload_mb")):
        row = re.search(rf"\| `REVIERLOTSE_{variable}` \| `([^`]+)` \|", readme)
        assert row, variable
        assert float(row.group(1)) == float(getattr(settings, field)), variable
    # Unset, the threshold is the fitted one: the README names its current value.
    row = re.search(r"\| `REVIERLOTSE_ABSTAIN_THRESHOLD` \| fitted \(([0-9.]+)\) \|", readme)
    assert row and settings.abstain_threshold is None
    assert float(row.group(1)) == AnswerConfidence.load(None, {}, None).threshold


def test_the_documented_search_json_is_the_real_one() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    shape = readme[readme.index("`search --json` prints"):]
    top = set(SearchResult("q", [], 0, 0.5, "hybrid").to_dict())
    for key in top:
        assert f'"{key}"' in shape, key


def test_question_counts_named_in_the_docs_are_current() -> None:
    """"139 questions" stayed in the README after the set grew to 153: every count named must be one of the set's."""
    import json

    rows = [json.loads(line) for line in (REPO / "tests/eval/questions.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    heldout = sum(1 for line in (REPO / "tests/eval/heldout.jsonl").read_text(encoding="utf-8").splitlines() if line.strip())
    valid = {len(rows), heldout, len(rows) + heldout, sum(r["kind"] != "project" for r in rows)}
    for path in [*DOCS, REPO / "bench" / "README.md", REPO / "corpus" / "README.md"]:
        for match in re.finditer(r"\b(\d{2,3}) (?:eval |distinct )?(?:questions|Fragen)\b", path.read_text(encoding="utf-8")):
            assert int(match.group(1)) in valid, f"{path.name}: {match.group(0)} (the sets have {sorted(valid)})"
