"""Fetching official sources from a real HTTP server on 127.0.0.1: success and every error case."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.errors import (
    BadSourceURL,
    FetchContentType,
    FetchError,
    FetchRedirects,
    FetchTimeout,
    FetchTLSError,
    FetchTooLarge,
    MetadataError,
    SourceGone,
)
from assistant.ingest.fetch import check_metadata, download, extract, store
from assistant.ingest.load import load_document
from tests.fixtures.sources import (
    EMPTY_PAGE,
    PROGRAMME_PAGE,
    Route,
    SourceServer,
    self_signed_context,
)

NOW = dt.datetime(2026, 12, 3, 10, 30, tzinfo=dt.UTC)


def _settings(tmp_path: Path, **overrides) -> Settings:
    values = {"corpus_dir": tmp_path / "corpus", "index_dir": tmp_path / "index", "fetch_timeout_s": 5.0} | overrides
    return Settings(_env_file=None, **values)


def test_html_page_is_stored_with_its_provenance(source_server: SourceServer, tmp_path: Path) -> None:
    settings = _settings(tmp_path, fetch_user_agent="Revierlotse-Test/1.0 (+redaktion@example.org)")
    url = source_server.page("/foerderung/revierbonus.html", PROGRAMME_PAGE.format(rate=50))
    fetched = download(url, settings)
    assert fetched.kind == "html" and fetched.final_url == url
    assert source_server.requests[-1][1]["User-Agent"] == "Revierlotse-Test/1.0 (+redaktion@example.org)"

    extraction = extract(fetched)
    assert extraction.text_hash.startswith("sha256:") and extraction.title
    given = check_metadata({"type": "foerderprogramm", "land": ["Brandenburg"], "status": "offen"})
    stored = store(fetched, extraction, given, settings.sources_dir, now=NOW)
    assert stored.path.parent == tmp_path / "corpus" / "quellen"
    assert stored.path.name.startswith("quelle-127-0-0-1-foerderung-revierbonus") and stored.path.suffix == ".html"
    assert stored.changed is None

    doc = load_document(stored.path, max_bytes=10**7, today=NOW.date())
    meta = doc.metadata
    assert meta.source_url == url and meta.stand == NOW.date() and meta.abgerufen_am == NOW
    assert meta.inhalt_hash == extraction.text_hash
    assert (meta.type, meta.land, meta.status) == ("foerderprogramm", ["Brandenburg"], "offen")
    assert "Revierbonus" in doc.title
    assert doc.warnings == []  # deep link, stand, status: nothing for an editor to fix
    assert "Impressum" not in doc.text and "50 Prozent" in doc.text  # main text only


def test_refetch_keeps_the_file_and_metadata_and_reports_changes(source_server: SourceServer, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    url = source_server.page("/p.html", PROGRAMME_PAGE.format(rate=50))
    first = download(url, settings)
    stored = store(first, extract(first), {"land": ["Sachsen"]}, settings.sources_dir, now=NOW)
    again = download(url, settings)
    same = store(again, extract(again), {}, settings.sources_dir, now=NOW)
    assert same.path == stored.path and same.changed is False
    source_server.page("/p.html", PROGRAMME_PAGE.format(rate=60))
    newer = download(url, settings)
    changed = store(newer, extract(newer), {}, settings.sources_dir, now=NOW)
    assert changed.path == stored.path and changed.changed is True
    assert load_document(changed.path, max_bytes=10**7).metadata.land == ["Sachsen"]  # kept from the first fetch
    assert sorted(p.name for p in settings.sources_dir.iterdir()) == sorted([stored.path.name, stored.sidecar.name])


def test_real_pdf_and_pdf_sent_as_generic_download(source_server: SourceServer, real_pdf: bytes, tmp_path) -> None:
    settings = _settings(tmp_path)
    source_server.routes["/richtlinie.pdf"] = Route(real_pdf, headers={"Content-Type": "application/pdf"})
    source_server.routes["/download?id=176"] = Route(real_pdf, headers={"Content-Type": "application/octet-stream"})
    for path in ("/richtlinie.pdf", "/download?id=176"):
        fetched = download(source_server.url(path), settings)
        assert fetched.kind == "pdf" and fetched.content == real_pdf
    stored = store(fetched, extract(fetched), {}, settings.sources_dir, now=NOW)
    doc = load_document(stored.path, max_bytes=10**7, today=NOW.date())
    assert stored.path.suffix == ".pdf" and "176" in doc.title
    assert {s.page for s in doc.sections} == {1, 2, 3, 4}  # pages kept for citations


def test_redirects_are_followed_and_loops_refused(source_server: SourceServer, tmp_path: Path) -> None:
    settings = _settings(tmp_path, fetch_max_redirects=4)
    target = source_server.page("/neu.html", PROGRAMME_PAGE.format(rate=50))
    moved = source_server.redirect("/alt.html", "/neu.html", 301)
    assert download(moved, settings).final_url == target
    source_server.redirect("/a", "/b")
    source_server.redirect("/b", "/a")
    with pytest.raises(FetchRedirects, match="Weiterleitungsschleife"):
        download(source_server.url("/a"), settings)


@pytest.mark.parametrize(
    ("route", "error", "words"),
    [
        (Route(status=404), SourceGone, "HTTP 404"),
        (Route(status=410), SourceGone, "wurde entfernt (HTTP 410)"),
        (Route(status=503), FetchError, "meldet einen Fehler (HTTP 503)"),
        (Route(status=403), FetchError, "verweigert den Zugriff"),
        (Route(b"\x89PNG....", headers={"Content-Type": "image/png"}), FetchContentType, "image/png"),
        (Route(b"PK\x03\x04", headers={"Content-Type": "application/octet-stream"}), FetchContentType, "octet-stream"),
        (Route(b"x", headers={"Content-Type": "text/html", "Content-Length": str(50 * 1024 * 1024)}), FetchTooLarge, "50,0 MB"),
        (Route(b"<p>" + b"x" * 65536 + b"</p>", headers={"Content-Type": "text/html"}, chunks=40), FetchTooLarge,
         "abgebrochen"),
        (Route(EMPTY_PAGE.encode(), headers={"Content-Type": "text/html"}), FetchError, "kaum Text"),
        (Route(b"", headers={"Content-Type": "text/html"}), FetchError, "leere Antwort"),
    ],
)
def test_errors_name_their_cause(source_server: SourceServer, tmp_path, route: Route, error, words: str) -> None:
    settings = _settings(tmp_path, fetch_max_mb=1.0)
    source_server.routes["/x"] = route
    with pytest.raises(error, match=re.escape(words)) as info:
        extract(download(source_server.url("/x"), settings))
    assert "http://127.0.0.1" in info.value.message


def test_timeout_is_a_clear_error(source_server: SourceServer, tmp_path: Path) -> None:
    source_server.routes["/langsam"] = Route(b"<p>spaet</p>", headers={"Content-Type": "text/html"}, delay_s=3)
    with pytest.raises(FetchTimeout, match="nicht innerhalb von 0.3 Sekunden"):
        download(source_server.url("/langsam"), _settings(tmp_path, fetch_timeout_s=0.3))


def test_self_signed_certificate_is_refused(tmp_path: Path) -> None:
    with SourceServer(self_signed_context(tmp_path)) as server:
        url = server.page("/seite.html", PROGRAMME_PAGE.format(rate=50))
        assert url.startswith("https://")
        with pytest.raises(FetchTLSError, match="TLS/Zertifikat"):
            download(url, _settings(tmp_path))


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/richtlinie.pdf", "richtlinie.pdf", "", "https://"])
def test_non_web_addresses_are_refused(url: str, tmp_path: Path) -> None:
    with pytest.raises(BadSourceURL, match="keine Web-Adresse"):
        download(url, _settings(tmp_path))


def test_redirect_to_another_scheme_is_refused(source_server: SourceServer, tmp_path: Path) -> None:
    source_server.redirect("/ftp", "ftp://127.0.0.1/datei.pdf")
    with pytest.raises(BadSourceURL, match="weder http noch https"):
        download(source_server.url("/ftp"), _settings(tmp_path))


def test_unreachable_server(tmp_path: Path) -> None:
    with SourceServer() as server:
        url = server.url("/weg.html")
    with pytest.raises(FetchError, match="nicht erreichbar"):
        download(url, _settings(tmp_path))


def test_metadata_is_validated() -> None:
    with pytest.raises(MetadataError, match="Unbekannte Metadaten"):
        check_metadata({"stand": "2026-01-01"})  # stand is the fetch date, not given
    with pytest.raises(MetadataError, match="ungültig"):
        check_metadata({"status": "vielleicht"})
    assert check_metadata({"gueltig_bis": "2027-06-30", "land": "Sachsen"}) == {
        "gueltig_bis": "2027-06-30", "land": ["Sachsen"]}


def test_allowed_hosts_are_enforced_for_the_url_and_every_redirect(source_server: SourceServer, tmp_path) -> None:
    settings = _settings(tmp_path, fetch_allowed_hosts=["127.0.0.1"])
    url = source_server.page("/p.html", PROGRAMME_PAGE.format(rate=50))
    assert download(url, settings).kind == "html"
    elsewhere = _settings(tmp_path, fetch_allowed_hosts=["bafa.de", "sachsen.de"])
    with pytest.raises(BadSourceURL, match="erlaubt sind nur bafa.de, sachsen.de"):
        download(url, elsewhere)
    source_server.redirect("/raus", "http://localhost:9/anderswo")
    with pytest.raises(BadSourceURL, match="Von „localhost“ werden keine Quellen abgerufen"):
        download(source_server.url("/raus"), settings)
    assert [p for p, _ in source_server.requests][-1] == "/raus"  # the redirect target was never requested
    with pytest.raises(BadSourceURL):
        download("http://exa mple.org/x", settings)
