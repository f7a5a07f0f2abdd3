"""Issue #15, point 6 on the command line: an empty index, whole IDs, German throughout, progress in a pipe."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.doors.cli import app
from tests.conftest import REPO, write_tree

runner = CliRunner()

ONE = {"projekt/ein-sehr-langer-dateiname-fuer-ein-grubenwasser-projekt-in-der-lausitz.md": (
    "---\ntitle: Grubenwasser\ntype: projekt\n---\n# Grubenwasser\n\nEine Anlage reinigt Grubenwasser.\n"
)}
LONG_ID = "ein-sehr-langer-dateiname-fuer-ein-grubenwasser-projekt-in-der-lausitz"

# What English from click/typer/pydantic looked like in German output.
ENGLISH = re.compile(
    r"Show this message|Usage:|\bOptions\b|\bArguments\b|\bCommands\b|Missing|Error:|Try '|<bool>|<str>|<int|<list|"
    r"<path>|\[default|\[required\]|Input should|No such|Invalid value|Did you mean|Got unexpected|requires an argument|"
    r"does not take|\bAborted\b"
)


@pytest.fixture
def one_env(tmp_path: Path, embedding_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REVIERLOTSE_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setenv("REVIERLOTSE_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("REVIERLOTSE_EMBEDDING_CACHE", str(embedding_cache))
    monkeypatch.chdir(tmp_path)
    write_tree(tmp_path / "corpus", ONE)
    return tmp_path


def test_removing_the_only_document_leaves_an_empty_index_that_works(one_env: Path) -> None:
    indexed = runner.invoke(app, ["index"])
    assert indexed.exit_code == 0, indexed.output
    assert "1 Dokument, 1 Abschnitt –" in indexed.output  # not "1 Dokumente"

    removed = runner.invoke(app, ["remove", LONG_ID])
    assert removed.exit_code == 0, removed.output
    assert "0 Dokumente, 0 Abschnitte" in removed.output

    stats = runner.invoke(app, ["stats", "--documents"])
    assert stats.exit_code == 0 and "Dokumente: 0, Abschnitte: 0" in stats.output
    search = runner.invoke(app, ["search", "Grubenwasser"])
    assert search.exit_code == 0 and "Keine Treffer." in search.output
    ask = runner.invoke(app, ["ask", "Wer reinigt Grubenwasser?", "--json"])
    assert ask.exit_code == 0, ask.output
    assert '"abstained": true' in ask.output
    check = runner.invoke(app, ["projekt-check", "Unser Verein in Cottbus möchte Grubenwasser reinigen."])
    assert check.exit_code == 0, check.output

    again = runner.invoke(app, ["index"])  # the file is still in the corpus: it comes back
    assert again.exit_code == 0 and "1 Dokument," in again.output


def test_stats_lists_whole_ids_at_any_width(one_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert runner.invoke(app, ["index"]).exit_code == 0
    for columns in ("30", "200"):
        monkeypatch.setenv("COLUMNS", columns)
        out = runner.invoke(app, ["stats", "--documents"]).output
        assert LONG_ID in out.split(), out
    monkeypatch.delenv("COLUMNS")
    assert runner.invoke(app, ["remove", LONG_ID]).exit_code == 0  # copied from the list, it works


COMMANDS = ["index", "remove", "search", "ask", "projekt-check", "review", "fetch", "recheck", "stats", "eval",
            "serve", "bot"]


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS)])
def test_help_is_german(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"], prog_name="revierlotse")
    assert result.exit_code == 0, result.output
    assert "Aufruf: revierlotse" in result.output
    assert "Diese Hilfe anzeigen und beenden." in result.output
    assert not ENGLISH.search(result.output), ENGLISH.search(result.output)


@pytest.mark.parametrize(
    ("args", "german"),
    [
        (["search"], "Das Argument 'FRAGE' fehlt."),
        (["search", "x", "-k", "0"], "Ungültiger Wert für '-k': Der Wert muss mindestens 1 sein."),
        (["search", "x", "-k", "zwei"], "Der Wert muss eine ganze Zahl sein."),
        (["stats", "--foo"], "Die Option --foo gibt es nicht."),
        (["serch", "x"], "Den Befehl 'serch' gibt es nicht. Meinten Sie 'search'"),
        (["search", "a", "b"], "Zu viele Argumente: b"),
        (["search", "x", "--json=1"], "Die Option '--json' nimmt keinen Wert."),
        (["projekt-check", "x", "--region"], "Die Option '--region' braucht einen Wert."),
        (["search", "x", "--sort", "datum"], "--sort muss relevance, stand oder title sein."),
        ([], "Aufruf: revierlotse"),
    ],
)
def test_mistakes_are_explained_in_german(args: list[str], german: str) -> None:
    result = runner.invoke(app, args, prog_name="revierlotse")
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert german in text, text
    assert not ENGLISH.search(result.output), ENGLISH.search(result.output)


def test_projekt_check_refuses_unknown_regions_and_one_word(one_env: Path) -> None:
    assert runner.invoke(app, ["index"]).exit_code == 0
    bayern = runner.invoke(app, ["projekt-check", "Unser Verein möchte Grubenwasser reinigen.", "--region", "Bayern"])
    assert bayern.exit_code == 2
    assert "Die Region 'Bayern' kennt der Wissensbestand nicht" in " ".join(bayern.output.split())
    short = runner.invoke(app, ["projekt-check", "Kita"])
    assert short.exit_code == 2 and "zu kurz" in short.output


def test_search_marks_uncertain_hits(one_env: Path) -> None:
    assert runner.invoke(app, ["index"]).exit_code == 0
    out = " ".join(runner.invoke(app, ["search", "xyzzy qwrt"]).output.split())
    assert "Unsichere Treffer" in out and "1 Dokument gefunden" in out


def test_index_in_a_pipe_prints_progress_lines(one_env: Path) -> None:
    """`make run` without a terminal: rich's bar is invisible there, lines are not."""
    write_tree(one_env / "corpus", {f"notiz-{i}.md": f"# Notiz {i}\n\nGrubenwasser Nummer {i}.\n" for i in range(30)})
    env = os.environ | {"PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "assistant", "index"], capture_output=True, text=True, env=env,
                          cwd=one_env, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert "Dateien lesen: 31 Dateien …" in lines
    read = [line for line in lines if line.startswith("Dateien gelesen:")]
    assert len(read) >= 3 and read[-1] == "Dateien gelesen: 31 von 31 Dateien"
    assert any(line.startswith("Abschnitte eingebettet:") and line.endswith("von 31 Abschnitten") for line in lines)
    assert "\r" not in done.stderr and "\x1b[" not in done.stderr  # no bar redraws, no colour codes
