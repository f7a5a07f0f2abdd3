"""Front matter and sidecar metadata: fields, defaults with warnings, and refusals."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from assistant.errors import MetadataError
from assistant.ingest.load import content_hash, load_document

from .builders import MAX_BYTES

FULL = """---
id: stark-richtlinie
title: "STARK: Stärkung der Transformationsdynamik"
type: foerderprogramm
region: [Lausitz, Mitteldeutsches Revier]
land: Sachsen
source_url: https://www.bafa.de/stark
stand: 2024-05-31
foerdergeber: BAFA
ansprechpartner: Frau Beispiel
---
# STARK

Das Programm fördert z. B. Vereine.

## Förderquote

Bis zu 90 Prozent.
"""


def test_full_front_matter(write) -> None:
    doc = load_document(write("stark.md", FULL), max_bytes=MAX_BYTES)
    assert doc.doc_id == "stark-richtlinie"
    assert doc.title == "STARK: Stärkung der Transformationsdynamik"
    meta = doc.metadata
    assert meta.type == "foerderprogramm"
    assert meta.region == ["Lausitz", "Mitteldeutsches Revier"]
    assert meta.land == ["Sachsen"]
    assert meta.stand == dt.date(2024, 5, 31)
    assert meta.model_extra == {"ansprechpartner": "Frau Beispiel"}
    assert any("ansprechpartner" in w for w in doc.warnings)
    assert [s.heading_path for s in doc.sections] == [("STARK",), ("STARK", "Förderquote")]
    assert doc.sections[0].text == "Das Programm fördert z. B. Vereine."
    assert doc.file_type == "markdown"


def test_no_front_matter_defaults_with_warnings(write) -> None:
    doc = load_document(write("Lausitz Fonds.md", "Vorspann.\n\n# Lausitz-Fonds\n\nText.\n"), max_bytes=MAX_BYTES)
    assert doc.title == "Lausitz-Fonds"
    assert doc.metadata.type == "dokument"
    assert doc.doc_id == "lausitz-fonds"
    assert "Kein YAML-Kopf: Titel aus der ersten Überschrift übernommen" in doc.warnings
    assert any("Typ „dokument“ angenommen" in w for w in doc.warnings)
    assert doc.sections[0].heading_path == ()


def test_title_from_file_name_when_no_heading(write) -> None:
    doc = load_document(write("stark_foerder-aufruf.md", "Nur Text ohne Überschrift.\n"), max_bytes=MAX_BYTES)
    assert doc.title == "stark foerder-aufruf"
    assert any("Titel aus dem Dateinamen" in w for w in doc.warnings)


def test_front_matter_without_title(write) -> None:
    head = "type: projekt\nsource_url: https://example.org/projekte/seenland\nstand: 2026-01-15\n"
    doc = load_document(write("a.md", f"---\n{head}---\n# Projekt Seenland\nText.\n"), max_bytes=MAX_BYTES)
    assert doc.title == "Projekt Seenland"
    assert doc.metadata.type == "projekt"
    assert doc.warnings == ["Kein Titel in YAML-Kopf: Titel aus der ersten Überschrift übernommen"]


def test_german_date_and_datetime_accepted(write) -> None:
    doc = load_document(write("a.md", "---\ntitle: A\nstand: 01.05.2024\n---\nText.\n"), max_bytes=MAX_BYTES)
    assert doc.metadata.stand == dt.date(2024, 5, 1)
    doc = load_document(write("b.md", "---\ntitle: B\nstand: 2024-05-01 10:00:00\n---\nText.\n"), max_bytes=MAX_BYTES)
    assert doc.metadata.stand == dt.date(2024, 5, 1)


def test_broken_yaml_names_the_line(write) -> None:
    text = "---\ntitle: Gut\nregion: [Lausitz\nland: Sachsen\n---\nText.\n"
    with pytest.raises(MetadataError) as err:
        load_document(write("kaputt.md", text), max_bytes=MAX_BYTES)
    assert "Zeile" in err.value.message and "kaputt.md" in err.value.message
    line = int(err.value.message.split("Zeile ")[1].split()[0])
    assert 3 <= line <= 5  # the unclosed "[" (line 3) is reported where YAML notices it


def test_yaml_with_tab_error_line(write) -> None:
    with pytest.raises(MetadataError, match=r"Zeile 3"):
        load_document(write("x.md", "---\ntitle: A\n\tland: Sachsen\n---\nText.\n"), max_bytes=MAX_BYTES)


def test_yaml_bomb_refused_fast(write) -> None:
    bomb = "---\na: &a [x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 12):
        bomb += f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 9) + "]\n"
    bomb += "---\nText.\n"
    started = time.perf_counter()
    with pytest.raises(MetadataError, match="Alias"):
        load_document(write("bomb.md", bomb), max_bytes=MAX_BYTES)
    assert time.perf_counter() - started < 1.0


def test_oversized_front_matter_refused(write) -> None:
    text = "---\ntitle: A\nnotiz: \"" + "x" * 70_000 + "\"\n---\nText.\n"
    with pytest.raises(MetadataError, match="64 KB"):
        load_document(write("gross.md", text), max_bytes=MAX_BYTES)


@pytest.mark.parametrize(
    ("front", "field"),
    [("stand: 2024-13-45", "stand"), ("stand: bald", "stand"), ("type: broschuere", "type")],
)
def test_invalid_fields_name_the_field(write, front: str, field: str) -> None:
    with pytest.raises(MetadataError, match=f"Feld „{field}“"):
        load_document(write("x.md", f"---\ntitle: A\n{front}\n---\nText.\n"), max_bytes=MAX_BYTES)


@pytest.mark.parametrize("text", ["---\ntitle: A\nText ohne Ende\n", "---\n- a\n- b\n---\nText.\n",
                                  "---\nid: 'a#b'\n---\nText.\n"])
def test_other_metadata_errors(write, text: str) -> None:
    with pytest.raises(MetadataError):
        load_document(write("x.md", text), max_bytes=MAX_BYTES)


def test_sidecar_for_text_and_hash(write) -> None:
    path = write("aufruf.txt", "Förderaufruf für Vereine. Frist ist der 30. Juni.\n")
    without = load_document(path, max_bytes=MAX_BYTES)
    assert without.title == "Förderaufruf für Vereine. Frist ist der 30. Juni."
    assert any("aufruf.meta.yaml" in w for w in without.warnings)

    write("aufruf.meta.yaml", "id: aufruf-2024\ntitle: Aufruf 2024\ntype: veranstaltung\nland: [Brandenburg]\n"
          "source_url: https://example.org/aufrufe/2024\nstand: 2026-01-15\n")
    with_meta = load_document(path, max_bytes=MAX_BYTES)
    assert (with_meta.doc_id, with_meta.title) == ("aufruf-2024", "Aufruf 2024")
    assert with_meta.metadata.land == ["Brandenburg"]
    assert with_meta.warnings == []
    assert with_meta.content_hash != without.content_hash
    assert content_hash(path) == with_meta.content_hash

    write("aufruf.meta.yaml", "id: aufruf-2024\ntitle: Aufruf 2025\n")
    assert load_document(path, max_bytes=MAX_BYTES).content_hash != with_meta.content_hash


def test_front_matter_wins_over_sidecar(write) -> None:
    path = write("a.md", "---\ntitle: Aus dem Kopf\n---\nText.\n")
    write("a.meta.yaml", "title: Aus der Sidecar\nland: Sachsen\ntype: akteur\n")
    doc = load_document(path, max_bytes=MAX_BYTES)
    assert doc.title == "Aus dem Kopf"
    assert doc.metadata.land == ["Sachsen"]


def test_broken_sidecar(write) -> None:
    path = write("a.txt", "Text.")
    write("a.meta.yaml", "title: [kaputt\n")
    with pytest.raises(MetadataError, match="a.meta.yaml"):
        load_document(path, max_bytes=MAX_BYTES)


def test_shared_sidecar_is_reported(write) -> None:
    path = write("richtlinie [2024].pdf.txt", "Text.")
    write("richtlinie [2024].pdf.md", "Text.")
    write("richtlinie [2024].pdf.meta.yaml", "title: Richtlinie\n")
    doc = load_document(path, max_bytes=MAX_BYTES)
    assert any("gilt auch für richtlinie [2024].pdf.md" in w for w in doc.warnings)
