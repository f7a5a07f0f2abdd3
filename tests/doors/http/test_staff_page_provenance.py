"""The staff page in real headless Chromium: Stand and link per source, the binding line, closed
programmes, the editors' review list, and fetching an official source from a server on 127.0.0.1.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.doors.http.app import create_app
from assistant.service import Assistant
from tests.conftest import write_tree
from tests.doors.http.test_staff_page import ARTIFACTS, CHROMIUM, browser  # noqa: F401  (fixture)
from tests.fixtures.http import TOKEN, LiveServer, start_server, stop_server
from tests.fixtures.provenance import PROVENANCE_CORPUS, RECENT, de_date
from tests.fixtures.sources import PROGRAMME_PAGE, SourceServer

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium fehlt: 'apt-get install -y chromium' (Debian) installieren"
)


@pytest.fixture
def prov_server(make_settings, embedder) -> Iterator[LiveServer]:
    """The real app over a fresh copy of the provenance corpus (the page may fetch into it)."""
    settings = make_settings(admin_token=TOKEN, rate_limit_per_minute=0, fetch_timeout_s=5.0)
    write_tree(settings.corpus_dir, PROVENANCE_CORPUS)
    assistant = Assistant(settings, embedder)
    assert not assistant.index([settings.corpus_dir]).failed
    live = start_server(create_app(settings, assistant))
    try:
        yield live
    finally:
        stop_server(live)


def test_provenance_review_and_fetch_on_the_page(prov_server, browser, source_server: SourceServer) -> None:  # noqa: F811
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="de-DE")
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.goto(prov_server.url + "/")
    expect(page.locator("#status")).to_contain_text("7 Dokumente")
    stand = f"Stand {de_date(RECENT)}"

    # search: every hit shows its Stand and a link labelled with the host; closed programmes are marked
    page.get_by_label("Suchbegriffe oder Frage").fill("Dorfladen Café")
    page.get_by_role("button", name="Suchen").click()
    first = page.locator(".hit").first
    expect(first.locator("h3")).to_have_text("Dorfladen-Förderung Sachsen")
    expect(first.locator(".provenance")).to_contain_text(stand)
    expect(first.locator(".closed-badge")).to_have_text("geschlossen – keine Anträge möglich")
    expect(first.locator(".provenance a")).to_have_attribute("href", "https://example.org/foerderung/dorfladen")
    expect(first.locator(".provenance a")).to_have_text("example.org")

    # answer: notice once, sources with Stand and link, the binding line closes the answer
    page.get_by_role("tab", name="Antwort").click()
    page.get_by_label("Frage", exact=True).fill("Wie viel Förderung gibt es für einen Dorfladen in Sachsen?")
    page.get_by_role("button", name="Fragen").click()
    answer = page.locator("#answer")
    expect(answer.locator(".answer-text")).to_contain_text("40 Prozent")
    expect(answer.locator(".notices li")).to_have_count(1)
    expect(answer.locator(".notices li")).to_contain_text("keine Anträge möglich")
    expect(answer.locator(".answer-text")).not_to_contain_text("keine Anträge möglich")  # not shown twice
    expect(answer.locator(".answer-text")).not_to_contain_text("Verbindlich")
    source = answer.locator(".sources li").first
    expect(source).to_contain_text(stand)
    expect(source.locator("a.source-link")).to_have_attribute("href", "https://example.org/foerderung/dorfladen")
    expect(answer.locator(".binding")).to_have_text(re.compile(r"^Verbindlich ist allein die aktuelle Richtlinie"))
    page.screenshot(path=str(ARTIFACTS / "staff-page-provenance-answer.png"), full_page=True)
    # a declined question, for the review list below
    page.get_by_label("Frage", exact=True).fill("Was kostet ein Döner in Berlin?")
    page.get_by_role("button", name="Fragen").click()
    expect(answer.locator(".badge")).to_have_text("Keine sichere Antwort")

    # project check: the closed programme is listed apart, never among the open ones
    page.get_by_role("tab", name="Projekt-Check").click()
    page.get_by_label("Projektbeschreibung").fill(
        "Unsere Gemeinde in Sachsen möchte einen Dorfladen mit Café eröffnen. Der Laden soll die Nahversorgung "
        "sichern. Ein Verein betreibt ihn ehrenamtlich.")
    page.get_by_role("button", name="Projekt prüfen").click()
    closed = page.locator(".closed-programmes")
    expect(closed).to_contain_text("Passend, aber derzeit keine Anträge möglich")
    expect(closed).to_contain_text("Dorfladen-Förderung Sachsen")
    expect(page.locator(".matches:not(.closed-programmes) strong", has_text="Dorfladen")).to_have_count(0)

    # editors: the review list and fetching an official source need the token
    page.get_by_role("tab", name="Dokumente").click()
    expect(page.locator("#review-section")).to_be_hidden()
    page.get_by_label("Admin-Token").fill(TOKEN)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("button", name="Prüfliste laden").click()
    review = page.locator("#review-result")
    row = review.locator("#review-documents tbody tr", has_text="Radwegeprogramm Revier")
    expect(row).to_contain_text("läuft aus")
    no_topic = review.locator("#review-questions > ul > li", has_text="Ohne passendes Dokument")
    expect(no_topic).to_contain_text("was kostet ein döner in berlin?", ignore_case=True)
    page.screenshot(path=str(ARTIFACTS / "staff-page-review.png"), full_page=True)

    url = source_server.page("/foerderung/revierbonus.html", PROGRAMME_PAGE.format(rate=50))
    page.get_by_label("Adresse (URL)").fill(url)
    page.locator("#fetch-type").select_option("foerderprogramm")
    page.locator("#fetch-status").select_option("offen")
    page.get_by_role("button", name="Abrufen und indexieren").click()
    expect(page.locator("#fetch-result")).to_contain_text("aufgenommen", timeout=60_000)
    expect(page.locator("#documents tbody tr")).to_have_count(8)
    page.get_by_role("button", name="Alle Quellen neu prüfen").click()
    expect(page.locator("#fetch-result")).to_contain_text("1 unverändert")

    assert not console_errors, console_errors
    assert Path(ARTIFACTS / "staff-page-review.png").stat().st_size > 10_000
