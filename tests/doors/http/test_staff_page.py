"""The staff page in real headless Chromium against the real app on loopback.

Needs Debian's ``chromium`` (``apt-get install -y chromium``) and the ``playwright``
Python package; Playwright's own browser download is not used.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[3] / "tests" / "artifacts"
TOKEN = "test-admin-token-1"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium fehlt: 'apt-get install -y chromium' (Debian) installieren"
)

UPLOAD = """---
title: "Test <img src=x onerror=window.__xss=1> Grubenwasser"
type: projekt
region: [Lausitz]
land: [Brandenburg]
source_url: "javascript:window.__xss=2"
stand: 2026-07-01
---
# Grubenwasser

Das Projekt reinigt Grubenwasser aus stillgelegten Tagebauen in der Lausitz.
"""


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="Python-Paket playwright fehlt")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"],
        )
        try:
            yield b
        finally:
            b.close()


def test_staff_page_search_filter_source_ask_upload(live_server, browser, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="de-DE")
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

    page.goto(live_server.url + "/")
    expect(page.locator("#status")).to_contain_text("4 Dokumente")
    expect(page.locator("#f-land option")).to_have_count(6)  # "alle" + five Länder

    # search: grouped hits, highlighted terms, Stand
    page.get_by_label("Suchbegriffe oder Frage").fill("Zuschuss Ausgaben")
    page.get_by_role("button", name="Suchen").click()
    first = page.locator(".hit").first
    expect(first.locator("h3")).to_contain_text("STARK")
    expect(first.locator("mark").first).to_have_text(re.compile("Zuschuss|Ausgaben"))
    expect(first.locator(".meta")).to_contain_text("Stand 01.11.2026")
    expect(first.get_by_role("link", name="Quelle öffnen")).to_have_attribute("href", "https://www.bafa.de/")
    page.screenshot(path=str(ARTIFACTS / "staff-page.png"), full_page=True)

    # filter by Land
    page.get_by_label("Suchbegriffe oder Frage").fill("Förderung")
    page.get_by_label("Land", exact=True).first.select_option("Brandenburg")
    page.get_by_role("button", name="Suchen").click()
    expect(page.locator("#search-summary")).to_contain_text("gefunden")
    expect(page.locator("#search-summary")).not_to_contain_text("Ort erkannt")
    titles = page.locator(".hit h3").all_inner_texts()
    assert titles and all("STARK" not in t and "Metropolregion" not in t for t in titles), titles

    # open a source document (all passages) and close it with the keyboard
    page.locator(".hit").first.get_by_role("button", name="Dokument anzeigen").click()
    dialog = page.locator("#doc-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".chunk").first).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.get_by_label("Land", exact=True).first.select_option("")

    # a town in the query: the page says which Land it ranked for
    page.get_by_label("Suchbegriffe oder Frage").fill("Förderung für eine Firma in Spremberg")
    page.get_by_role("button", name="Suchen").click()
    expect(page.locator("#search-summary")).to_contain_text("Ort erkannt: Brandenburg")

    # tabs: arrow keys move between them (WAI-ARIA tabs)
    page.get_by_role("tab", name="Suche").focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="Antwort")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tab", name="Antwort")).to_be_focused()
    expect(page.locator("#panel-suche")).to_be_hidden()

    # ask: cited answer with sources and feedback
    page.get_by_label("Frage", exact=True).fill("Wie hoch ist die Förderquote bei STARK?")
    page.get_by_role("button", name="Fragen").click()
    answer = page.locator("#answer")
    expect(answer.locator(".answer-text")).to_contain_text("90 Prozent")
    expect(answer.locator("a.cite").first).to_have_text("[1]")
    expect(answer.locator(".sources li").first).to_contain_text("STARK")
    answer.get_by_role("button", name="Ja").click()
    expect(answer.locator(".feedback")).to_contain_text("Danke")
    page.screenshot(path=str(ARTIFACTS / "staff-page-answer.png"), full_page=True)

    # the thread: a follow-up is shown below the first turn, both survive a reload, "Neues Gespräch" clears
    expect(page.get_by_label("Frage", exact=True)).to_have_value("Wie hoch ist die Förderquote bei STARK?")
    page.get_by_label("Frage", exact=True).fill("Und wie lange läuft das?")
    page.get_by_role("button", name="Fragen").click()
    turns = answer.locator(".turn")
    expect(turns).to_have_count(2)
    expect(turns.nth(0).locator(".turn-question")).to_contain_text("Förderquote bei STARK")
    expect(turns.nth(1).locator(".turn-question")).to_contain_text("Und wie lange läuft das?")
    expect(turns.nth(1).locator(".turn-question")).to_contain_text("als Folgefrage verstanden")
    expect(turns.nth(1).locator(".answer-text")).to_contain_text("vier Jahre")
    page.reload()
    page.get_by_role("tab", name="Antwort").click()
    expect(page.locator("#answer .turn")).to_have_count(2)
    expect(page.locator("#answer .turn").nth(0).locator(".answer-text")).to_contain_text("90 Prozent")
    page.get_by_role("button", name="Neues Gespräch").click()
    expect(page.locator("#answer .turn")).to_have_count(0)
    page.reload()
    page.get_by_role("tab", name="Antwort").click()
    expect(page.locator("#answer .turn")).to_have_count(0)

    # project check
    page.get_by_role("tab", name="Projekt-Check").click()
    page.get_by_label("Projektbeschreibung").fill("Unsere Gemeinde in der Lausitz möchte eine Kindertagesstätte bauen.")
    page.get_by_label("Region (optional)").select_option("Lausitz")
    page.get_by_role("button", name="Projekt prüfen").click()
    expect(page.locator("#check-result")).to_contain_text("Investitionsgesetz Kohleregionen")
    page.screenshot(path=str(ARTIFACTS / "staff-page-check.png"), full_page=True)

    # documents: list is public, upload needs the token (kept in sessionStorage only)
    page.get_by_role("tab", name="Dokumente").click()
    expect(page.locator("#documents tbody tr")).to_have_count(4)
    expect(page.locator("#admin-tools")).to_be_hidden()
    page.get_by_label("Admin-Token").fill("falsch")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator("#error")).to_contain_text("falsch")
    expect(page.locator("#admin-tools")).to_be_hidden()
    page.get_by_label("Admin-Token").fill(TOKEN)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator("#admin-tools")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('revierlotse.adminToken')") == TOKEN
    assert page.evaluate("localStorage.length") == 0

    upload = tmp_path / "grubenwasser.md"
    upload.write_text(UPLOAD, encoding="utf-8")
    page.get_by_label("Dateien (.md, .txt, .pdf, .html, .docx)").set_input_files(str(upload))
    page.get_by_role("button", name="Hochladen und indexieren").click()
    expect(page.locator("#upload-result")).to_contain_text("aufgenommen", timeout=60_000)
    expect(page.locator("#documents tbody tr")).to_have_count(5)
    page.screenshot(path=str(ARTIFACTS / "staff-page-documents.png"), full_page=True)

    # the uploaded title is shown as text, never run as HTML; javascript: URLs are not linked
    page.get_by_role("tab", name="Suche").click()
    page.get_by_label("Suchbegriffe oder Frage").fill("Grubenwasser")
    page.get_by_role("button", name="Suchen").click()
    expect(page.locator(".hit h3").first).to_contain_text("<img src=x")
    assert page.evaluate("window.__xss") is None
    expect(page.locator(".hit").first.get_by_role("link", name="Quelle öffnen")).to_have_count(0)

    assert outside == [], outside  # nothing fetched from the internet
    assert not [e for e in console_errors if "401" not in e], console_errors  # 401: the wrong token above
    assert os.path.getsize(ARTIFACTS / "staff-page.png") > 10_000
