"""Loading text, HTML, DOCX and Markdown files; refusals; file discovery; ids."""

from __future__ import annotations

import io
import os
import random
import zipfile
from pathlib import Path

import pytest

from assistant.errors import (
    CorruptDocument,
    EmptyDocument,
    FileTooLarge,
    TextEncodingError,
    UnsupportedFileType,
)
from assistant.ingest.files import iter_source_files
from assistant.ingest.load import SUPPORTED_SUFFIXES, load_document
from assistant.ingest.naming import slugify

from .builders import MAX_BYTES, build_docx

GERMAN = "Die Förderrichtlinie für den Strukturwandel gilt ab Mai. Größere Maßnahmen über 5 Mio. Euro prüft die SAB."


def test_supported_suffixes() -> None:
    assert set(SUPPORTED_SUFFIXES) == {".md", ".markdown", ".txt", ".pdf", ".html", ".htm", ".docx"}


@pytest.mark.parametrize(
    ("name", "slug"),
    [("STARK Förderrichtlinie", "stark-foerderrichtlinie"), ("Übersicht_Maßnahmen 2024", "uebersicht-massnahmen-2024"),
     ("  Café--Öl  ", "cafe-oel"), ("###", None)],
)
def test_slugify(name: str, slug: str | None) -> None:
    result = slugify(name)
    if slug is None:
        assert result.startswith("dokument-") and result == slugify(name)
    else:
        assert result == slug


def test_doc_id_from_file_name(write) -> None:
    doc = load_document(write("STARK Förderrichtlinie.txt", GERMAN), max_bytes=MAX_BYTES)
    assert doc.doc_id == "stark-foerderrichtlinie"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"])
def test_text_encodings(write, encoding: str) -> None:
    text = GERMAN + " Kosten: 5 €." if encoding != "latin-1" else GERMAN
    doc = load_document(write("a.txt", text.encode(encoding)), max_bytes=MAX_BYTES)
    assert doc.sections[0].text == text
    assert doc.file_type == "text"


SHORT_LATIN_1 = [
    "Lübbenau Gemeinde Görlitz Jahr Antrag Kosten Lübbenau Gemeinde über.",  # 68 bytes, refused before
    "Übersicht",  # charset-normalizer called it Korean (Johab)
    "Müll.",
    "Grüße aus Weißwasser: Zuschüsse für Bürger.",
    "Größe: 5 m², Frist 31.12.2026, § 4 Abs. 2",
]


@pytest.mark.parametrize("text", SHORT_LATIN_1)
@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_short_latin1_text_is_read_like_a_long_one(write, text: str, encoding: str) -> None:
    """Issue #19: a 67-byte Latin-1 file was "keine Textdatei" while a 4.6 KB one was read."""
    doc = load_document(write("kurz.txt", text.encode(encoding)), max_bytes=MAX_BYTES)
    assert doc.sections[0].text == text
    long_doc = load_document(write("lang.txt", ((text + " ") * 80).encode(encoding)), max_bytes=MAX_BYTES)
    assert long_doc.sections[0].text.startswith(text)


def test_random_high_bytes_are_still_no_text(write) -> None:
    rng = random.Random(11)
    for n in (9, 67, 4600):
        data = bytes(rng.randrange(0x80, 0x100) for _ in range(n))
        with pytest.raises(TextEncodingError, match="ist keine Textdatei"):
            load_document(write(f"hoch-{n}.txt", data), max_bytes=MAX_BYTES)


def test_utf16_without_bom(write) -> None:
    doc = load_document(write("a.txt", GERMAN.encode("utf-16-le")), max_bytes=MAX_BYTES)
    assert doc.sections[0].text == GERMAN


@pytest.mark.parametrize(
    "content",
    [bytes(random.Random(7).randrange(256) for _ in range(4000)), b"\x00" * 500 + b"Text",
     b"PK\x03\x04" + bytes(range(256)) * 8],
    ids=["random", "nul-heavy", "binary-table"],
)
def test_binary_named_txt(write, content: bytes) -> None:
    with pytest.raises(TextEncodingError, match="ist keine Textdatei"):
        load_document(write("daten.txt", content), max_bytes=MAX_BYTES)


def test_empty_and_whitespace_files(write) -> None:
    with pytest.raises(EmptyDocument, match="leer"):
        load_document(write("leer.txt", b""), max_bytes=MAX_BYTES)
    with pytest.raises(EmptyDocument):
        load_document(write("blank.md", "---\ntitle: Nur Kopf\n---\n\n   \n"), max_bytes=MAX_BYTES)
    with pytest.raises(EmptyDocument):
        load_document(write("blank.txt", " \n\t\n"), max_bytes=MAX_BYTES)


def test_too_large_checked_before_reading(write, monkeypatch) -> None:
    path = write("gross.txt", "x" * 2048)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("file was read"))
    with pytest.raises(FileTooLarge, match="höchstens"):
        load_document(path, max_bytes=1024)


@pytest.mark.parametrize("name", ["tabelle.xlsx", "bild.png", "ohne_endung"])
def test_unsupported(write, name: str) -> None:
    with pytest.raises(UnsupportedFileType, match="nicht unterstützt"):
        load_document(write(name, b"data"), max_bytes=MAX_BYTES)


HTML = """<!doctype html><html lang="de"><head><meta charset="utf-8">
<title>STARK | Bundesportal</title><script>var tracking = "Cookie-Banner-Skript";</script>
<style>body { color: red; }</style></head><body>
<nav><ul><li><a href="/">Startseite</a></li><li><a href="/kontakt">Kontaktformular</a></li></ul></nav>
<header><p>Menü Suche Anmelden</p></header>
<main><article>
<h1>Bundesprogramm STARK</h1>
<p>Das Bundesprogramm STARK fördert Projekte in den Kohleregionen der Lausitz und des Mitteldeutschen Reviers.
Gefördert werden z. B. Vereine, Kommunen und Unternehmen, die den Strukturwandel voranbringen.</p>
<h2>Wer wird gefördert?</h2>
<p>Antragsberechtigt sind Gebietskörperschaften, gemeinnützige Vereine und Unternehmen in den Revieren.</p>
<h2>Förderquote</h2>
<p>Die Förderquote beträgt in der Regel bis zu 90 Prozent der zuwendungsfähigen Ausgaben des Projekts.</p>
</article></main>
<footer><p>Impressum | Datenschutzerklärung | Barrierefreiheit</p></footer>
<script>console.log("Analyse-Skript");</script>
</body></html>"""


def test_html_main_content_only(write) -> None:
    doc = load_document(write("stark.html", HTML), max_bytes=MAX_BYTES)
    text = doc.text
    assert "Förderquote beträgt" in text and "Gebietskörperschaften" in text
    for noise in ("Startseite", "Kontaktformular", "Cookie-Banner", "Impressum", "Analyse-Skript", "color: red"):
        assert noise not in text
    assert doc.title == "Bundesprogramm STARK"
    paths = [s.heading_path for s in doc.sections]
    assert ("Bundesprogramm STARK", "Förderquote") in paths
    assert doc.file_type == "html"


def test_html_without_content(write) -> None:
    # Only scripts and styles. (A page with nothing but a <nav> still yields its link texts:
    # trafilatura falls back to them when there is no main content at all.)
    page = "<html><head><title>Leer</title><script>var a=1;</script></head><body><style>p{}</style></body></html>"
    with pytest.raises(EmptyDocument, match="Haupttext"):
        load_document(write("leer.htm", page), max_bytes=MAX_BYTES)


def test_docx_headings_and_table(write) -> None:
    doc = load_document(write("aufruf.docx", build_docx()), max_bytes=MAX_BYTES)
    assert doc.title == "Förderaufruf Revier"
    assert [s.heading_path for s in doc.sections] == [
        (),
        ("Gegenstand der Förderung",),
        ("Gegenstand der Förderung", "Förderquote"),
        ("Ansprechpartner",),
    ]
    quote = doc.sections[2].text
    assert "Die Förderquote beträgt bis zu 90 Prozent." in quote
    assert "Antragsteller | Quote" in quote and "Gemeinde Großräschen | 90 %" in quote
    assert doc.file_type == "docx"


def test_zip_that_is_not_docx(write) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("hallo.txt", "kein Word")
    with pytest.raises(CorruptDocument, match="keine gültige Word-Datei"):
        load_document(write("falsch.docx", buf.getvalue()), max_bytes=MAX_BYTES)
    with pytest.raises(CorruptDocument):
        load_document(write("text.docx", b"kein zip"), max_bytes=MAX_BYTES)


def test_markdown_headings_and_code_fence(write) -> None:
    text = ("# Titel\n\nEinleitung.\n\n## Teil A\n\nText A.\n\n```\n# kein Kopf\n```\n\n"
            "### Unterteil\n\nText A1.\n\n## Teil B ##\n\nText B.\n")
    doc = load_document(write("x.markdown", text), max_bytes=MAX_BYTES)
    assert [s.heading_path for s in doc.sections] == [
        ("Titel",), ("Titel", "Teil A"), ("Titel", "Teil A", "Unterteil"), ("Titel", "Teil B")]
    assert "# kein Kopf" in doc.sections[1].text


def test_iter_source_files(tmp_path: Path) -> None:
    files = {
        "README.md": "x", "b.md": "x", "a.pdf": "x", "a.meta.yaml": "x", "bild.png": "x", ".versteckt.md": "x",
        "unter/c.txt": "x", "unter/README.md": "x", "unter/c.meta.yaml": "x", ".git/config.md": "x",
    }
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    found = iter_source_files([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.pdf", "b.md", "bild.png", "unter/c.txt"]
    again = iter_source_files([tmp_path / "b.md", tmp_path, tmp_path / "a.meta.yaml"])
    assert [p.name for p in again] == ["b.md", "a.pdf", "bild.png", "c.txt"]
    with pytest.raises(FileNotFoundError, match="nicht gefunden"):
        iter_source_files([tmp_path / "gibt-es-nicht"])


def test_hash_is_stable_and_content_sensitive(write) -> None:
    a = load_document(write("a.txt", GERMAN), max_bytes=MAX_BYTES)
    b = load_document(write("b.txt", GERMAN), max_bytes=MAX_BYTES)
    c = load_document(write("c.txt", GERMAN + " Neu."), max_bytes=MAX_BYTES)
    assert a.content_hash == b.content_hash != c.content_hash
    assert len(a.content_hash) == 64


def test_error_messages_are_german_and_actionable(write) -> None:
    with pytest.raises(UnsupportedFileType) as err:
        load_document(write("x.xyz", b"1"), max_bytes=MAX_BYTES)
    assert "Bitte" in err.value.message
    assert os.fspath("x.xyz") in err.value.message


def test_markdown_comments_and_backslash_escapes_are_not_part_of_the_text(write) -> None:
    from assistant.ingest.load import load_document

    path = write(
        "frist.md",
        "<!-- source: https://example.org/quelle -->\n# Frist\n\nDie Frist endet am 31\\. Dezember 2025\\. "
        "Anträge sind \\*vollständig\\* einzureichen.\n<!--\nNotiz für die Redaktion\n-->\n",
    )
    text = load_document(path, max_bytes=10**6).text
    assert "source:" not in text and "Notiz" not in text and "<!--" not in text
    assert "31. Dezember 2025." in text and "\\" not in text
