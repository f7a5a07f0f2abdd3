"""Pure pieces of the Telegram door: HTML rendering, splitting, rate limit, token redaction, CLI."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from assistant.answering.models import (
    Answer,
    Contact,
    Evidence,
    Match,
    ProjectCheck,
    Source,
)
from assistant.doors.log_redaction import REDACTED, SecretRedactingFilter
from assistant.doors.telegram.app import file_url, install_log_redaction
from assistant.doors.telegram.ratelimit import Decision, RateLimiter
from assistant.doors.telegram.render import (
    esc,
    render_answer,
    render_project_check,
    render_sources,
    split_html,
)

# --- HTML ---------------------------------------------------------------------------------


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (tag, self.stack)
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def plain(part: str) -> str:
    checker = _Checker()
    checker.feed(part)
    checker.close()
    assert not checker.stack, checker.stack
    return "".join(checker.text)


def _source(n: int, **kw) -> Source:
    values = dict(
        number=n,
        doc_id=f"d{n}",
        title=f"Titel {n}",
        doc_type="foerderprogramm",
        source_path="/srv/geheim/pfad.md",
        source_url="https://www.bafa.de/",
        stand=dt.date(2026, 11, 1),
        heading="Förderhöhe",
        page=3,
        printed_page=None,
        passage="Gefördert wird mit bis zu 90 Prozent.",
    )
    values.update(kw)
    return Source(**values)


def test_answer_rendering_escapes_and_never_links_local_paths():
    answer = Answer(
        answer_id="x",
        question="q",
        resolved_question="q",
        text="A <b>&\"' [1] [2].",
        sources=[_source(1, title="<i>T</i>"), _source(2, source_url=None, title="Lokal")],
        confidence=0.8,
        abstained=False,
        notices=["Frist <abgelaufen> & mehr"],
        contacts=[Contact(doc_id="c", title="Team & Co", source_url="javascript:alert(1)")],
    )
    html_text = render_answer(answer)
    assert "A &lt;b&gt;&amp;&quot;&#x27; [1] [2]." in html_text
    assert "&lt;i&gt;T&lt;/i&gt;" in html_text
    assert "⚠️ Frist &lt;abgelaufen&gt; &amp; mehr" in html_text
    assert "javascript:" not in html_text and "/srv/geheim" not in html_text
    assert "[2] Lokal · Förderhöhe · S. 3 · Stand 01.11.2026" in html_text
    assert plain(html_text)

    detail = render_sources(answer)
    assert "<blockquote>Gefördert wird mit bis zu 90 Prozent.</blockquote>" in detail
    assert plain(detail)
    assert "Stell" in render_sources(None) or "Frage" in render_sources(None)


def test_project_check_rendering():
    match = Match(
        doc_id="stark",
        title="STARK <neu>",
        doc_type="foerderprogramm",
        score=0.8,
        source_url="https://www.bafa.de/",
        source_path="x",
        stand=dt.date(2026, 1, 1),
        region=("Lausitz",),
        land=("Bund",),
        evidence=(Evidence("Wir vernetzen.", "Gefördert wird Vernetzung & Transfer.", "Förderfelder", 0.7),),
        foerderart="Zuschuss",
        frist="laufend",
    )
    check = ProjectCheck(
        description="d", region="Lausitz", programmes=[match], strategies=[], contacts=[match], notices=["Achtung"]
    )
    text = render_project_check(check)
    assert "STARK &lt;neu&gt;" in text and "Vernetzung &amp; Transfer" in text
    assert "Zuschuss · Frist: laufend" in text and "(Lausitz)" in text
    assert plain(text)
    founders = dataclasses.replace(match, eligibility_note="Laut Wissensbestand für: Gründer – bitte prüfen.")
    warned = render_project_check(dataclasses.replace(check, programmes=[founders]))
    assert "Achtung: Laut Wissensbestand für: Gründer" in warned and "Achtung: Laut" not in text
    empty = render_project_check(ProjectCheck(description="d", region=None, programmes=[], strategies=[], contacts=[]))
    assert "passt kein offenes Förderprogramm" in empty


# --- splitting -------------------------------------------------------------------------------


def test_short_text_is_one_part():
    assert split_html("<b>kurz</b>") == ["<b>kurz</b>"]


def test_split_prefers_paragraphs_then_sentences():
    paragraph = " ".join(f"Satz {i} endet hier." for i in range(30))
    text = "\n\n".join([paragraph] * 6)
    parts = split_html(text, limit=1000)
    assert all(len(p) <= 1000 for p in parts)
    assert all(p.endswith(".") for p in parts)
    assert " ".join(plain(p) for p in parts).split() == text.split()


def test_split_does_not_cut_at_abbreviations():
    text = ("Gefördert werden z. B. Vereine und Kommunen sowie u. a. Hochschulen im Revier. " * 40).strip()
    parts = split_html(text, limit=500)
    for part in parts[:-1]:
        assert part.endswith("Revier."), part[-40:]


def test_split_reopens_tags_spanning_a_cut():
    inner = " ".join(f"Wort{i} &amp; mehr." for i in range(400))
    text = f'Vorher. <b>Fett <a href="https://example.org/?a=1&amp;b=2">{inner}</a></b> Nachher.'
    parts = split_html(text, limit=700)
    assert len(parts) > 3
    for part in parts:
        assert len(part) <= 700
        plain(part)  # balanced in every part
    assert parts[1].startswith('<b><a href="https://example.org/?a=1&amp;b=2">')
    joined = " ".join(plain(p) for p in parts)
    assert joined.split() == plain(text).split()


_pieces = st.lists(st.sampled_from(list("abc xyz.!?\n<>&\"'äöü") + ["Satz. ", "\n\n", "z. B. "]), max_size=60)


@settings(max_examples=150, deadline=None)
@given(
    chunks=st.lists(st.tuples(_pieces.map("".join), st.sampled_from(["", "b", "i", "blockquote"])), max_size=40),
    limit=st.integers(min_value=60, max_value=400),
)
def test_split_property_valid_parts_and_no_text_lost(chunks, limit):
    text = "".join(f"<{tag}>{esc(t)}</{tag}>" if tag else esc(t) for t, tag in chunks)
    parts = split_html(text, limit=limit)
    for part in parts:
        assert len(part) <= limit
        assert "&" not in part.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "").replace(
            "&quot;", ""
        ).replace("&#x27;", "")
        plain(part)
    assert "".join("".join(plain(p) for p in parts).split()) == "".join(plain(text).split())


# --- rate limit -------------------------------------------------------------------------------


def test_rate_limiter_allows_n_then_notifies_once_per_window():
    limiter = RateLimiter(3, 30.0)
    decisions = [limiter.check("u", now=t) for t in (0, 1, 2, 3, 4, 5)]
    assert decisions == [Decision.ALLOW] * 3 + [Decision.NOTIFY, Decision.DROP, Decision.DROP]
    assert limiter.retry_after("u", now=5) == pytest.approx(25.0)
    assert limiter.check("other", now=5) is Decision.ALLOW  # per key
    assert limiter.check("u", now=30.5) is Decision.ALLOW  # the first event left the window
    assert limiter.check("u", now=31.5) is Decision.ALLOW
    assert limiter.check("u", now=32.5) is Decision.ALLOW
    assert limiter.check("u", now=33.0) is Decision.NOTIFY  # a new window, a new notice
    assert limiter.check("u", now=33.1) is Decision.DROP


def test_rate_limiter_forgets_idle_keys():
    limiter = RateLimiter(1, 10.0, max_keys=2)
    limiter.check("a", now=0)
    limiter.check("b", now=0)
    limiter.check("c", now=100)
    assert set(limiter._events) == {"c"}


# --- token redaction -----------------------------------------------------------------------------


def test_redacting_filter_covers_message_args_and_tracebacks():
    token = "123:SECRET-token"
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "url %s failed", (f"https://h/bot{token}/getMe",), None)
    try:
        raise RuntimeError(f"boom at /bot{token}/x")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    SecretRedactingFilter(token).filter(record)
    formatted = logging.Formatter().format(record)
    assert token not in formatted
    assert formatted.count(REDACTED) >= 2


def test_handlers_added_later_are_covered_too():
    token = "456:LATE-token"
    install_log_redaction(token)
    lines: list[str] = []

    class Late(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Late()
    logger = logging.getLogger("revierlotse.test.late")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info("calling https://api.telegram.org/bot%s/getMe", token)
        try:
            raise ValueError(token)
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    assert lines and not any(token in line for line in lines)
    assert logging.getLogger("httpx").level == logging.WARNING


def test_file_url_follows_the_api_url():
    assert file_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_url("http://127.0.0.1:9999/bot") == "http://127.0.0.1:9999/file/bot"


# --- CLI ----------------------------------------------------------------------------------------


def test_cli_bot_without_token_is_a_clear_error(monkeypatch):
    from assistant.doors.cli import app

    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["bot"])
    assert result.exit_code == 2
    output = result.output + (result.stderr if hasattr(result, "stderr") else "")
    assert "TELEGRAM_BOT_TOKEN" in output and "BotFather" in output


def test_package_does_not_import_the_door():
    code = (
        "import sys, assistant.doors.cli, assistant.service; "
        "print('assistant.doors.telegram.app' in sys.modules, 'telegram' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
