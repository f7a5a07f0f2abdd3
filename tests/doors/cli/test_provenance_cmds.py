"""CLI: Stand and link per source, the binding line, closed programmes; `review`, `fetch`, `recheck`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.doors.cli import app
from tests.fixtures.provenance import RECENT, de_date
from tests.fixtures.sources import PROGRAMME_PAGE, Route, SourceServer

runner = CliRunner()


@pytest.fixture
def prov_env(provenance_index: Path, embedding_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REVIERLOTSE_INDEX_DIR", str(provenance_index / "index"))
    monkeypatch.setenv("REVIERLOTSE_CORPUS_DIR", str(provenance_index / "corpus"))
    monkeypatch.setenv("REVIERLOTSE_EMBEDDING_CACHE", str(embedding_cache))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("REVIERLOTSE_LLM_BASE_URL", raising=False)
    return provenance_index


@pytest.fixture
def fresh_env(tmp_path: Path, embedding_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty knowledge base the fetch commands may write to."""
    for name, value in {"INDEX_DIR": tmp_path / "index", "CORPUS_DIR": tmp_path / "corpus",
                        "EMBEDDING_CACHE": embedding_cache, "FETCH_TIMEOUT_S": "5"}.items():
        monkeypatch.setenv(f"REVIERLOTSE_{name}", str(value))
    monkeypatch.setenv("COLUMNS", "200")
    (tmp_path / "corpus").mkdir()
    return tmp_path


def test_ask_shows_stand_link_notices_and_the_binding_line(prov_env: Path) -> None:
    result = runner.invoke(app, ["ask", "Wie viel Förderung gibt es für einen Dorfladen in Sachsen?"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Achtung: Für „Dorfladen-Förderung Sachsen“ [1] sind derzeit keine Anträge möglich" in text
    assert (f"[1] Dorfladen-Förderung Sachsen › Dorfladen-Förderung Sachsen › Was wurde gefördert?, Stand "
            f"{de_date(RECENT)}, geschlossen – keine Anträge möglich – https://example.org/foerderung/dorfladen") in text
    assert "Verbindlich ist allein die aktuelle Richtlinie des Fördergebers" in text
    assert text.index("Quellen") < text.index("Verbindlich")  # closes the answer
    assert text.count("sind derzeit keine Anträge möglich") == 1  # notices are not printed twice

    payload = json.loads(runner.invoke(app, ["ask", "Wie hoch ist der Zuschuss für Kitas in der Lausitz?", "--json"]).output)
    assert payload["binding_note"] and payload["answer"].endswith(payload["binding_note"])
    source = payload["sources"][0]
    assert source["stand"] == RECENT.isoformat() and source["source_url"].startswith("https://example.org/")
    assert source["status"] == "offen" and source["quelle_stand"] == "2025-03-01"


def test_search_shows_stand_and_status(prov_env: Path) -> None:
    result = runner.invoke(app, ["search", "Dorfladen Café Sachsen", "-k", "1"])
    assert result.exit_code == 0, result.output
    assert (f"Quelle: Stand {de_date(RECENT)}, geschlossen – keine Anträge möglich – "
            "https://example.org/foerderung/dorfladen") in " ".join(result.output.split())
    hit = json.loads(runner.invoke(app, ["search", "Dorfladen Café Sachsen", "--json"]).output)["hits"][0]
    assert (hit["stand"], hit["status"], hit["source_url"]) == (
        RECENT.isoformat(), "geschlossen", "https://example.org/foerderung/dorfladen")


def test_projekt_check_lists_closed_programmes_apart(prov_env: Path) -> None:
    description = ("Unsere Gemeinde in Sachsen möchte einen Dorfladen mit Café eröffnen. Der Laden soll die "
                   "Nahversorgung sichern. Ein Verein betreibt ihn ehrenamtlich.")
    result = runner.invoke(app, ["projekt-check", description])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Passend, aber derzeit keine Anträge möglich: - Dorfladen-Förderung Sachsen – Keine Anträge möglich" in text
    payload = json.loads(runner.invoke(app, ["projekt-check", description, "--json"]).output)
    assert "dorfladen" not in [m["doc_id"] for m in payload["programmes"]]
    assert payload["closed_programmes"][0]["doc_id"] == "dorfladen"


def test_review_table_and_json(prov_env: Path) -> None:
    result = runner.invoke(app, ["review"])
    assert result.exit_code == 0, result.output
    assert "Radwegeprogramm Revier" in result.output and "Läuft am" in result.output
    data = json.loads(runner.invoke(app, ["review", "--json", "--days", "7"]).output)
    assert data["stand_months"] == 12 and data["days"] == 7
    kinds = {d["doc_id"]: [r["kind"] for r in d["reasons"]] for d in data["documents"]}
    assert kinds["radwege"] == ["laeuft_aus"]
    assert "kita-bau" not in kinds  # fresh and complete


def test_fetch_recheck_review_round_trip(fresh_env: Path, source_server: SourceServer) -> None:
    url = source_server.page("/programme/revierbonus.html", PROGRAMME_PAGE.format(rate=50))
    result = runner.invoke(app, ["fetch", url, "--type", "foerderprogramm", "--land", "Brandenburg",
                                 "--status", "offen", "--gueltig-bis", "2027-06-30"])
    assert result.exit_code == 0, result.output
    assert "neu aufgenommen" in result.output and "abgerufen am" in result.output
    sidecars = list((fresh_env / "corpus" / "quellen").glob("*.meta.yaml"))
    assert len(sidecars) == 1 and "gueltig_bis: '2027-06-30'" in sidecars[0].read_text("utf-8")

    unchanged = runner.invoke(app, ["recheck"])
    assert unchanged.exit_code == 0 and "unverändert" in unchanged.output
    source_server.page("/programme/revierbonus.html", PROGRAMME_PAGE.format(rate=70))
    changed = runner.invoke(app, ["recheck"])
    assert changed.exit_code == 1 and "geändert" in changed.output and "--apply" in changed.output
    review = json.loads(runner.invoke(app, ["review", "--json"]).output)
    assert [r["kind"] for d in review["documents"] for r in d["reasons"]] == ["quelle_geaendert"]
    applied = json.loads(runner.invoke(app, ["recheck", "--apply", "--json"]).output)
    assert applied["applied"] and applied["counts"]["geaendert"] == 1 and applied["generation"]
    assert json.loads(runner.invoke(app, ["review", "--json"]).output)["documents"] == []


def test_fetch_errors_are_german_and_exit_2(fresh_env: Path, source_server: SourceServer) -> None:
    source_server.routes["/bild.png"] = Route(b"\x89PNG", headers={"Content-Type": "image/png"})
    result = runner.invoke(app, ["fetch", source_server.url("/bild.png")])
    assert result.exit_code == 2 and "Inhaltstyp image/png" in result.output
    bad = runner.invoke(app, ["fetch", "www.example.org/seite"])
    assert bad.exit_code == 2 and "keine Web-Adresse" in bad.output
    status = runner.invoke(app, ["fetch", source_server.url("/x.html"), "--status", "vielleicht"])
    assert status.exit_code == 2 and "ungültig" in status.output
    nothing = runner.invoke(app, ["recheck"])
    assert nothing.exit_code == 0 and "Keine abgerufenen Quellen" in nothing.output
