"""The staff page's search, answer and upload details in real headless Chromium (issue #15, points 4 and 5).

Same browser set-up as test_staff_page.py: Debian's chromium, the playwright package, the real app
on loopback over a small generated knowledge base.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from assistant.service import Assistant
from tests.conftest import SMALL_CORPUS, write_tree
from tests.doors.http.test_staff_page import CHROMIUM, browser  # noqa: F401  (fixture)
from tests.fixtures.http import TOKEN, start_server, stop_server

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium fehlt: 'apt-get install -y chromium' (Debian) installieren"
)

MARKDOWN_DOC = """---
title: "Chemiepark Grubenwasser"
type: projekt
region: [Mitteldeutsches Revier]
land: [Sachsen-Anhalt]
source_url: "https://www.example.org/chemiepark"
stand: 2026-05-01
---
# Chemiepark Grubenwasser

**Projektideen:** Der Chemiepark gewinnt aus Grubenwasser einen Chemierohstoff.

- Eisen aus dem Grubenwasser fällen
- Sulfat als *Rohstoff* verkaufen
- mehr unter [Projektseite](https://www.example.org/projekt) und [böse](javascript:window.__xss=3)

<script>window.__xss = 4</script> <img src=x onerror="window.__xss=5">
"""

EXTRA = {
    "projekt/chemiepark.md": MARKDOWN_DOC,
    "projekt/tagebausee.md": """---
title: "Ökologie am Tagebausee"
type: projekt
region: [Lausitz]
land: [Brandenburg]
stand: 2026-09-01
---
# Tagebausee

Saures Grubenwasser färbt den Tagebausee; Kalk hebt den pH-Wert.
""",
}

# A PDF-sized upload: enough sections that indexing takes several embedding batches.
BIG_UPLOAD = "---\ntitle: Handbuch Grubenwasser\ntype: projekt\n---\n" + "\n".join(
    f"## Abschnitt {i}\n\nDas Verfahren {i} reinigt Grubenwasser mit Kalk, Belüftung und Absetzbecken "
    f"in Schritt {i}; der Schlamm wird entwässert und verwertet.\n" for i in range(60)
)


@pytest.fixture
def server(make_settings, embedder) -> Iterator[str]:
    settings = make_settings(admin_token=TOKEN, rate_limit_per_minute=0)
    write_tree(settings.corpus_dir, SMALL_CORPUS | EXTRA)
    assistant = Assistant(settings, embedder)
    assert not assistant.index([settings.corpus_dir]).failed
    from assistant.doors.http.app import create_app

    live = start_server(create_app(settings, Assistant(settings, embedder)))
    try:
        yield live.url
    finally:
        stop_server(live)


@pytest.fixture
def page(server, browser):  # noqa: F811
    p = browser.new_page(viewport={"width": 1280, "height": 900}, locale="de-DE")
    errors: list[str] = []
    p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.goto(server + "/")
    yield p
    assert not errors, errors


def _search(page, query: str) -> None:
    page.get_by_label("Suchbegriffe oder Frage").fill(query)
    page.get_by_role("button", name="Suchen").click()


def test_markdown_is_rendered_safely_and_only_whole_words_are_marked(page) -> None:
    from playwright.sync_api import expect

    _search(page, "Stoff aus Grubenwasser")
    hit = page.locator(".hit", has_text="Chemiepark Grubenwasser")
    expect(hit).to_be_visible()
    expect(hit.locator(".md strong").first).to_have_text("Projektideen:")  # no raw "**"
    assert "**" not in hit.inner_text()
    expect(hit.locator(".md li")).to_have_count(3)  # a list, not one run-on line
    expect(hit.locator(".md li em")).to_have_text("Rohstoff")
    expect(hit.get_by_role("link", name="Projektseite")).to_have_attribute("href", "https://www.example.org/projekt")
    expect(hit.get_by_role("link", name="böse")).to_have_count(0)  # javascript: is never a link
    expect(hit.locator(".md")).to_contain_text("<script>window.__xss = 4</script>")  # shown as text
    assert page.evaluate("window.__xss") is None
    marks = hit.locator("mark").all_inner_texts()
    assert "Grubenwasser" in marks, marks
    assert "Chemierohstoff" not in marks  # "stoff" is not a whole word of it

    _search(page, "Rohstoff")
    hit = page.locator(".hit", has_text="Chemiepark Grubenwasser")
    expect(hit.locator("mark", has_text="Chemierohstoff")).to_have_count(1)  # a whole part of the compound


def test_query_filters_and_sort_live_in_the_address(page, server) -> None:
    from playwright.sync_api import expect

    _search(page, "Grubenwasser")
    expect(page.locator(".hit").first).to_be_visible()
    page.get_by_label("Land", exact=True).first.select_option("Brandenburg")
    page.get_by_role("button", name="Suchen").click()
    expect(page).to_have_url(re.compile(r"land=Brandenburg"))
    query = parse_qs(urlparse(page.url).query)
    assert query["q"] == ["Grubenwasser"] and query["land"] == ["Brandenburg"]
    expect(page.locator(".hit h3").first).to_have_text("Ökologie am Tagebausee")

    # Back: the previous search, without the filter, comes back (form and hits)
    page.go_back()
    expect(page.get_by_label("Land", exact=True).first).to_have_value("")
    expect(page.locator(".hit", has_text="Chemiepark")).to_be_visible()
    page.go_forward()
    expect(page.get_by_label("Land", exact=True).first).to_have_value("Brandenburg")

    # a shared link opens the same search in a fresh tab
    shared = page.context.browser.new_page(locale="de-DE")
    shared.goto(server + "/?q=Grubenwasser&sort=title")
    expect(shared.locator("#q")).to_have_value("Grubenwasser")
    expect(shared.locator("#sort")).to_have_value("title")
    expect(shared.locator(".hit h3").first).to_be_visible()
    titles = shared.locator(".hit h3").all_inner_texts()
    assert titles == sorted(titles, key=lambda t: t.casefold().replace("ö", "o")), titles
    shared.close()


def test_facet_counts_sorting_and_the_uncertain_cue(page) -> None:
    from playwright.sync_api import expect

    _search(page, "Grubenwasser Förderung")
    chips = page.locator("#facets button.chip")
    expect(chips.first).to_be_visible()
    land = page.locator("#facets button.chip[data-facet='land'][data-value='Brandenburg']")
    expect(land).to_have_text(re.compile(r"^Brandenburg \(\d+\)$"))
    count = int(re.search(r"\((\d+)\)", land.inner_text()).group(1))
    land.click()
    expect(page.get_by_label("Land", exact=True).first).to_have_value("Brandenburg")
    expect(page.locator("#search-summary")).to_contain_text(f"{count} Dokument")
    expect(page.locator(".hit")).to_have_count(count)

    page.get_by_label("Land", exact=True).first.select_option("")
    page.get_by_role("button", name="Suchen").click()
    expect(page.locator("#sort-field")).to_be_visible()
    page.get_by_label("Sortierung").select_option("stand")
    expect(page).to_have_url(re.compile(r"sort=stand"))
    expect(page.locator(".hit .meta").first).to_contain_text("Stand 01.11.2026")  # STARK has the newest Stand

    _search(page, "xyzzy qwrt")
    expect(page.locator("#search-summary .badge")).to_have_text("Unsichere Treffer")
    _search(page, "Wie hoch ist die Förderquote bei STARK?")
    expect(page.locator("#search-summary .badge")).to_have_count(0)


def test_status_pill_speaks_plain_german(page) -> None:
    from playwright.sync_api import expect

    status = page.locator("#status")
    expect(status).to_contain_text("Wissensbestand: 6 Dokumente")
    assert "gen-" not in status.inner_text() and "Index" not in status.inner_text()


def test_answer_tab_shows_the_search_filters_and_can_leave_them_out(page) -> None:
    from playwright.sync_api import expect

    asked: list[dict] = []
    page.on("request", lambda r: asked.append(json.loads(r.post_data)) if r.url.endswith("/api/ask") else None)
    page.get_by_label("Land", exact=True).first.select_option("Brandenburg")
    page.get_by_role("tab", name="Antwort").click()
    note = page.locator("#ask-filters")
    expect(note).to_be_visible()
    expect(note).to_contain_text("Land Brandenburg")
    page.get_by_label("Frage", exact=True).fill("Wie hoch ist die Förderquote bei STARK?")
    page.get_by_role("button", name="Fragen").click()
    expect(page.locator("#answer .turn:last-child .meta")).to_contain_text("nur Land Brandenburg")
    assert asked[-1]["filters"] == {"land": ["Brandenburg"]}

    page.get_by_label(re.compile("Filter der Suche auch hier anwenden")).uncheck()
    page.get_by_role("button", name="Fragen").click()
    expect(page.locator("#answer .turn")).to_have_count(2)  # the thread keeps the first answer above
    expect(page.locator("#answer .turn:last-child .answer-text")).to_contain_text("90 Prozent")
    assert asked[-1]["filters"] == {}
    expect(page.locator("#answer .turn:last-child .meta")).not_to_contain_text("nur Land")


def test_citations_of_one_document_merge_into_one_source(page) -> None:
    from playwright.sync_api import expect

    page.evaluate("""() => {
      const source = (number, doc_id, title, heading) => ({ number, doc_id, title, heading, page: null,
        printed_page: null, stand: "2026-11-01", source_url: "https://www.bafa.de/", status: null, gueltig_bis: null });
      const answer = { answer_id: "t1", text: "Bis zu 90 Prozent [1][2]. Vor Projektbeginn beantragen [3]. Bund [4].",
        notices: [], binding_note: null, abstained: false, confidence: 0.9, contacts: [],
        sources: [source(1, "stark", "STARK", "Förderhöhe"), source(2, "stark", "STARK", "Laufzeit"),
                  source(3, "stark", "STARK", "Verfahren"), source(4, "invkg", "InvKG", "Umfang")] };
      const target = document.createElement("div");
      target.id = "merged";
      document.body.append(target);
      renderAnswer(target, answer);
    }""")
    merged = page.locator("#merged")
    expect(merged.locator(".sources li")).to_have_count(2)
    expect(merged.locator(".sources li").first).to_contain_text("Förderhöhe; Laufzeit; Verfahren")
    expect(merged.locator(".answer-text")).to_have_text("Bis zu 90 Prozent [1]. Vor Projektbeginn beantragen [1]. Bund [2].")
    expect(merged.locator("a.cite")).to_have_count(3)


def test_upload_shows_progress_of_its_indexing_job(page, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if "/api/jobs/" in r.url else None)
    page.get_by_role("tab", name="Dokumente").click()
    page.get_by_label("Admin-Token").fill(TOKEN)
    page.get_by_role("button", name="Anmelden").click()
    upload = tmp_path / "handbuch-grubenwasser.md"
    upload.write_text(BIG_UPLOAD, encoding="utf-8")
    page.get_by_label("Dateien (.md, .txt, .pdf, .html, .docx)").set_input_files(str(upload))
    page.get_by_role("button", name="Hochladen und indexieren").click()
    result = page.locator("#upload-result")
    expect(result).to_contain_text("handbuch-grubenwasser.md: aufgenommen", timeout=120_000)
    expect(result).to_contain_text("Abschnitte")
    assert seen, "the page polled the upload job"
    expect(page.locator("#documents tbody tr", has_text="Handbuch Grubenwasser")).to_have_count(1)
    expect(page.locator("#status")).to_contain_text("7 Dokumente")


def test_an_emptied_knowledge_base_is_a_normal_page(make_settings, embedder, browser) -> None:  # noqa: F811
    from playwright.sync_api import expect

    from assistant.doors.http.app import create_app

    settings = make_settings(admin_token=TOKEN, rate_limit_per_minute=0)
    write_tree(settings.corpus_dir, {"projekt/chemiepark.md": MARKDOWN_DOC})
    assistant = Assistant(settings, embedder)
    assistant.index([settings.corpus_dir])
    assistant.remove(["chemiepark"])
    live = start_server(create_app(settings, Assistant(settings, embedder)))
    try:
        page = browser.new_page(locale="de-DE")
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(live.url + "/?q=Grubenwasser")
        expect(page.locator("#status")).to_have_text("Wissensbestand leer – noch keine Dokumente aufgenommen")
        expect(page.locator("#search-summary")).to_contain_text("Keine Treffer")
        expect(page.locator("#error")).to_be_hidden()
        page.get_by_role("tab", name="Dokumente").click()
        expect(page.locator("#documents tbody tr")).to_have_count(0)
        assert not errors, errors
    finally:
        stop_server(live)
