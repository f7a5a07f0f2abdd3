"""The `ask` and `projekt-check` commands, and the answer metrics hook for `revierlotse eval`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from assistant.doors.cli import app
from assistant.evaluation.answers import normalise


@pytest.fixture
def cli_env(answer_index, embedding_cache, monkeypatch):
    monkeypatch.setenv("REVIERLOTSE_INDEX_DIR", str(answer_index / "index"))
    monkeypatch.setenv("REVIERLOTSE_CORPUS_DIR", str(answer_index / "corpus"))
    monkeypatch.setenv("REVIERLOTSE_EMBEDDING_CACHE", str(embedding_cache))
    monkeypatch.delenv("REVIERLOTSE_LLM_BASE_URL", raising=False)
    return CliRunner()


def test_ask_json(cli_env) -> None:
    """The same shape as POST /api/ask (Answer.to_dict, documented by AnswerOut), the text under "text"."""
    from assistant.doors.http.schemas import AnswerOut

    result = cli_env.invoke(app, ["ask", "Wie hoch ist die Förderung bei STARK?", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert set(payload) == set(AnswerOut.model_fields)
    AnswerOut.model_validate(payload)
    assert "90 Prozent" in payload["text"] and payload["abstained"] is False
    assert 0 <= payload["confidence"] <= 1
    source = payload["sources"][0]
    assert source["doc_id"] == "stark" and source["source_path"].endswith("stark.md")
    assert {"title", "page", "number"} <= set(source)


def test_ask_text_with_filters(cli_env) -> None:
    result = cli_env.invoke(app, ["ask", "Wer berät in der Lausitz?", "--type", "akteur", "--region", "Lausitz"])
    assert result.exit_code == 0, result.output
    assert "Quellen" in result.output and "Wirtschaftsregion Lausitz" in result.output


def test_ask_unknown_filter_is_a_german_error(cli_env) -> None:
    result = cli_env.invoke(app, ["ask", "Förderung", "--land", "Bayern"])
    assert result.exit_code == 2
    assert "Bayern" in result.output


def test_projekt_check_from_file(cli_env, tmp_path) -> None:
    description = tmp_path / "projekt.txt"
    description.write_text(
        "Wir sind ein Unternehmen in Cottbus. Wir planen einen Elektrolyseur für grünen Wasserstoff. "
        "Dazu kommt eine Wasserstofftankstelle. Start ist 2027.",
        encoding="utf-8",
    )
    result = cli_env.invoke(app, ["projekt-check", str(description), "--region", "Lausitz", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["programmes"][0]["doc_id"] == "wasserstoff-lausitz"
    text = cli_env.invoke(app, ["projekt-check", description.read_text(encoding="utf-8")])
    assert text.exit_code == 0 and "Passende Förderprogramme" in text.output


def test_answer_metrics(answerer) -> None:
    from assistant.evaluation.questions import Question
    from assistant.evaluation.runner import run_questions, summarise

    questions = [
        Question("q1", "fact", "Wie hoch ist die Förderung bei STARK?", ("stark",), "90  prozent"),
        Question("q2", "fact", "Wie hoch ist die Förderquote der Revierwerkstatt?", ("revierwerkstatt",),
                 "200.000 Euro je Vorhaben"),
        Question("q3", "unanswerable", "Was kostet ein Döner in Berlin?", (), None),
    ]
    summary = summarise(run_questions(answerer, questions))
    assert summary.answers == {"hint": 1.0, "answered": 1.0, "declined": 1.0}
    assert summary.per_kind["fact"]["n"] == 2 and summary.per_kind["unanswerable"]["declined"] == 1.0
    assert normalise("Bis zu 90\u00a0Prozent [1].") == "bis zu 90 prozent."
    assert normalise("Der Bund trägt bis zu 90 % [2].") == normalise("Der Bund trägt bis zu 90 Prozent.")
    assert normalise("90%") == "90 prozent"
