"""Domain word lists and the gazetteer are data: a deployment can replace them without a release."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml

from assistant.domain import places, vocabulary
from assistant.domain.doctypes import DocType, type_label
from assistant.errors import ConfigurationError


@pytest.fixture
def fresh_data(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Forget the files read so far, before and after the test."""

    def clear() -> None:
        vocabulary.load.cache_clear()
        places._gazetteer.cache_clear()
        places.locate.cache_clear()

    clear()
    yield
    clear()


def test_packaged_files_cover_every_list_the_code_reads() -> None:
    for name, keys in {
        "places.yaml": ["lands", "reviere", "places"],
        "sponsors.yaml": ["groups", "sponsors"],
        "questions.yaml": ["fact_question_words", "months", "amount_question_patterns", "person_titles"],
        "conversation.yaml": ["deictic", "generic"],
        "project_check.yaml": ["exclusion_patterns"],
        "analyzer.yaml": ["extra_stop_words"],
    }.items():
        data = vocabulary.load(name)
        assert all(data[key] for key in keys), name


def test_a_gazetteer_in_the_override_folder_adds_a_town(tmp_path, monkeypatch, fresh_data) -> None:
    assert not places.locate("Ein Verein in Ruhland")  # not in the packaged gazetteer
    gazetteer = vocabulary.load("places.yaml") | {}
    gazetteer["places"] = [*gazetteer["places"], {"land": "Brandenburg", "revier": "Lausitz", "names": ["Ruhland"]}]
    (tmp_path / "places.yaml").write_text(yaml.safe_dump(gazetteer, allow_unicode=True), "utf-8")
    monkeypatch.setenv(vocabulary.OVERRIDE_ENV, str(tmp_path))
    vocabulary.load.cache_clear()
    places._gazetteer.cache_clear()
    places.locate.cache_clear()
    location = places.locate("Ein Verein in Ruhland")
    assert location.lands == {"Brandenburg"} and location.regions == {"Lausitz"}
    assert places.locate("Eine Firma in Görlitz").lands == {"Sachsen"}  # the rest of the file still counts


def test_a_broken_override_file_is_a_clear_error(tmp_path, monkeypatch, fresh_data) -> None:
    (tmp_path / "sponsors.yaml").write_text("groups: [unclosed", "utf-8")
    monkeypatch.setenv(vocabulary.OVERRIDE_ENV, str(tmp_path))
    with pytest.raises(ConfigurationError, match="sponsors.yaml"):
        vocabulary.load("sponsors.yaml")


def test_document_types_have_german_labels() -> None:
    assert DocType("foerderprogramm") == "foerderprogramm"  # compares equal to the front-matter string
    assert DocType.FOERDERPROGRAMM.label == "Förderprogramm"
    assert type_label("akteur") == "Akteur" and type_label("unbekannt") == "Unbekannt" and type_label(None) == "Dokument"
    assert {t.label for t in DocType} >= {"Strategie", "Projekt", "Veranstaltung"}
