"""The real bot (python-telegram-bot, long polling) against a fake Bot API on 127.0.0.1.

One bot and one small real index per module; every test talks in its own chat (and as
its own user, so the per-user rate limit of one test never touches another).  The
directory is ``tests/chatbot`` and not ``tests/bot``: a ``tests/bot`` folder on
``sys.path`` shadows the ``bot`` module as a namespace package.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import re
from html.parser import HTMLParser

import pytest

from assistant.answering.models import Answer, Source
from assistant.doors.telegram.app import build_application
from assistant.errors import QueryTooLong
from assistant.service import Assistant
from tests.conftest import SMALL_CORPUS, recording_root_logs, settings_for, write_tree
from tests.doors.telegram.telegram_fake import (
    BOT_USERNAME,
    BotRunner,
    Call,
    FakeTelegram,
)

TOKEN = "987654321:AAH-test-secret-token-ZYXwvu"
BUTTONS = ["Mehr Treffer", "Quellen", "👍 hilfreich", "👎 nicht hilfreich"]
ALLOWED_TAGS = {"b", "i", "a", "code", "blockquote"}


@pytest.fixture(scope="module")
def log_recorder():
    with recording_root_logs() as recorder:
        yield recorder


@pytest.fixture(scope="module")
def bot_assistant(tmp_path_factory, embedder, embedding_cache) -> Assistant:
    root = tmp_path_factory.mktemp("bot-kb")
    settings = settings_for(root, embedding_cache, bot_rate_limit_messages=6, bot_rate_limit_window_s=30)
    write_tree(settings.corpus_dir, SMALL_CORPUS)
    assistant = Assistant(settings, embedder)
    report = assistant.index([settings.corpus_dir])
    assert not report.failed
    return assistant


@pytest.fixture(scope="module")
def tg():
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture(scope="module")
def running_bot(tg, bot_assistant, log_recorder):
    settings = bot_assistant.settings.model_copy(update={"telegram_api_url": tg.base_url})
    application = build_application(settings, bot_assistant, TOKEN, search_page_size=2)
    runner = BotRunner(application).start()
    yield runner
    runner.stop()


_chat_ids = itertools.count(10_001)


@pytest.fixture
def chat(running_bot):
    """A fresh private chat id per test (also used as the user id)."""
    return next(_chat_ids)


# --- helpers -----------------------------------------------------------------------------


class _TelegramHTML(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        assert tag in ALLOWED_TAGS, f"tag <{tag}> is not Telegram HTML"
        if tag == "a":
            assert dict(attrs).get("href", "").startswith(("http://", "https://"))
        self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}> in {self.stack}"
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def visible(text: str) -> str:
    """Check ``text`` is valid Telegram HTML (known tags, balanced, entities only); return its text."""
    assert re.search(r"&(?!(?:amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);)", text) is None, "raw & in HTML"
    parser = _TelegramHTML()
    parser.feed(text)
    parser.close()
    assert not parser.stack, f"unclosed tags {parser.stack}"
    return "".join(parser.text)


def messages(tg: FakeTelegram, chat_id: int) -> list[Call]:
    return tg.requests("sendMessage", chat_id)


def ask_and_wait(tg: FakeTelegram, chat_id: int, text: str, *, count: int | None = None, **kw) -> list[Call]:
    before = len(messages(tg, chat_id))
    tg.send_text(text, chat_id=chat_id, **kw)
    return tg.wait_for("sendMessage", chat_id=chat_id, count=count or before + 1)[before:]


def fake_answer(text: str, *, question: str = "Frage", sources: list[Source] | None = None) -> Answer:
    return Answer(
        answer_id="a" * 32,
        question=question,
        resolved_question=question,
        text=text,
        sources=sources or [],
        confidence=0.9,
        abstained=False,
    )


def source(number: int, title: str, url: str | None = "https://www.bafa.de/", passage: str = "Text.") -> Source:
    return Source(
        number=number,
        doc_id=f"doc{number}",
        title=title,
        doc_type="foerderprogramm",
        source_path=f"/srv/corpus/doc{number}.md",
        source_url=url,
        stand=dt.date(2026, 11, 1),
        heading="Förderhöhe",
        page=None,
        printed_page=None,
        passage=passage,
    )


# --- tests ------------------------------------------------------------------------------


def test_start_welcomes_and_the_bot_registered_its_commands(tg, chat):
    sent = ask_and_wait(tg, chat, "/start")
    assert len(sent) == 1
    msg = sent[0]
    assert msg.params["parse_mode"] == "HTML"
    text = visible(msg.text)
    assert "Willkommen" in text
    assert text.count("\n• ") == 3  # three example questions
    assert "Datenschutz" in text and "keine Namen" in text
    assert "/projekt" in text and "/suche" in text

    commands = tg.requests("setMyCommands")
    assert commands, "the bot publishes its command menu"
    names = [c["command"] for c in commands[-1].params["commands"]]
    assert names == ["start", "hilfe", "suche", "projekt", "quellen", "neu"]
    assert all(c.token == TOKEN for c in tg.requests())  # the token only travels in the URL


def test_hilfe_lists_all_commands(tg, chat):
    text = visible(ask_and_wait(tg, chat, "/hilfe")[0].text)
    for command in ("/start", "/hilfe", "/suche", "/projekt", "/quellen", "/neu"):
        assert command in text


def test_question_gets_cited_answer_typing_and_four_buttons(tg, chat, bot_assistant):
    sent = ask_and_wait(tg, chat, "Wie hoch ist die Förderquote bei STARK?")
    assert len(sent) == 1
    msg = sent[0]
    assert msg.params["parse_mode"] == "HTML"
    text = visible(msg.text)
    assert "90 Prozent" in text
    assert re.search(r"\[1\]", text), text
    assert "Quellen" in text and 'href="https://www.bafa.de/"' in msg.text
    labels = [b["text"] for row in msg.keyboard for b in row]
    assert labels == BUTTONS

    typing = tg.requests("sendChatAction", chat)
    assert typing and typing[0].params["action"] == "typing"
    assert typing[0].at <= msg.at


def test_buttons_sources_feedback_and_more_results(tg, chat, bot_assistant):
    answer_msg = ask_and_wait(tg, chat, "Wie hoch ist die Förderquote bei STARK?")[-1]

    # Quellen: a new message with the passages
    before = len(messages(tg, chat))
    tg.press(answer_msg, "Quellen")
    src = tg.wait_for("sendMessage", chat_id=chat, count=before + 1)[-1]
    text = visible(src.text)
    assert "Quellen zur Frage" in text and "STARK" in text
    assert "<blockquote>" in src.text

    # 👍: recorded in the usage statistics, thanked via answerCallbackQuery
    helpful_before = bot_assistant.usage_stats().feedback_helpful
    query_id = tg.press(answer_msg, "👍")
    ack = tg.wait_for("answerCallbackQuery", where=lambda c: c.params.get("callback_query_id") == query_id)[-1]
    assert "Danke" in ack.params.get("text", "")
    assert bot_assistant.usage_stats().feedback_helpful == helpful_before + 1

    # a second vote on the same answer is not counted twice
    query_id = tg.press(answer_msg, "👎")
    ack = tg.wait_for("answerCallbackQuery", where=lambda c: c.params.get("callback_query_id") == query_id)[-1]
    assert "schon" in ack.params.get("text", "")
    assert bot_assistant.usage_stats().feedback_not_helpful == 0

    # Mehr Treffer: search results for the same question, page by page (page size 2 here)
    before = len(messages(tg, chat))
    tg.press(answer_msg, "Mehr Treffer")
    results = tg.wait_for("sendMessage", chat_id=chat, count=before + 1)[-1]
    text = visible(results.text)
    assert "Treffer zu" in text and "(1–2 von" in text
    tg.press(results, "Mehr Treffer ▶")
    edited = tg.wait_for("editMessageText", chat_id=chat)[-1]
    assert "(3–" in visible(edited.text)
    assert int(edited.params["message_id"]) == results.params["_message"]["message_id"]
    # the same button pressed again: Telegram says "not modified", the bot stays quiet
    # (pressed by a second member of the chat: the first one has used up the rate limit by now)
    tg.press(results, "Mehr Treffer ▶", user_id=chat + 500_000)
    tg.wait_for("editMessageText", chat_id=chat, failed=True)
    tg.settle()
    assert not any("Entschuldigung" in m.text for m in messages(tg, chat))


def test_quellen_command_shows_sources_of_last_answer(tg, chat):
    text = visible(ask_and_wait(tg, chat, "/quellen")[0].text)
    assert "noch keine Antwort" in text
    ask_and_wait(tg, chat, "Wie viel Geld gibt der Bund nach dem InvKG?")
    sources = ask_and_wait(tg, chat, "/quellen")[0]
    text = visible(sources.text)
    assert "Quellen zur Frage" in text and "InvKG" in text


def test_dynamic_text_is_escaped(tg, chat, bot_assistant, monkeypatch):
    hostile = "<b>STARK</b> & \"Co\" 'x' <script>"
    answer = fake_answer(
        f"Die Antwort enthält {hostile} [1].",
        question=hostile,
        sources=[source(1, "Titel <i>mit</i> & Zeichen", url='https://example.org/?a=1&b="2"')],
    )
    monkeypatch.setattr(bot_assistant, "ask", lambda *a, **k: answer)
    msg = ask_and_wait(tg, chat, f"Frage mit {hostile}")[-1]
    assert "<script>" not in msg.text and "<b>STARK</b>" not in msg.text
    assert "&lt;b&gt;STARK&lt;/b&gt; &amp; &quot;Co&quot; &#x27;x&#x27; &lt;script&gt;" in msg.text
    text = visible(msg.text)
    assert hostile in text and "Titel <i>mit</i> & Zeichen" in text

    # the search command echoes the query: escaped as well
    found = ask_and_wait(tg, chat, f"/suche {hostile}")[-1]
    assert hostile in visible(found.text)


def test_long_answer_is_split_at_sentences(tg, chat, bot_assistant, monkeypatch):
    sentences = [
        f"Satz {i}: Das Programm <fördert> Vorhaben & Netzwerke im Revier mit bis zu {i} Prozent [1]."
        for i in range(1, 160)
    ]
    answer = fake_answer(" ".join(sentences), sources=[source(1, "STARK")])
    assert len(answer.text) > 2 * 4096
    monkeypatch.setattr(bot_assistant, "ask", lambda *a, **k: answer)
    before = len(messages(tg, chat))
    tg.send_text("Bitte eine sehr lange Antwort", chat_id=chat)
    tg.wait_for("sendMessage", chat_id=chat, where=lambda c: bool(c.keyboard), count=1)
    parts = messages(tg, chat)[before:]
    assert len(parts) >= 3
    texts = [visible(p.text) for p in parts]
    assert all(len(p.text) <= 4096 for p in parts)
    for t in texts[:-1]:
        assert t.rstrip().endswith(("].", "."))  # cut after a sentence, never inside one
    assert [bool(p.keyboard) for p in parts] == [False] * (len(parts) - 1) + [True]
    joined = " ".join(texts)
    positions = [joined.find(s) for s in sentences]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)


def test_html_refused_by_telegram_is_resent_as_plain_text(tg, chat, bot_assistant, monkeypatch):
    answer = fake_answer("Kaputtes-HTML-Marker: 90 Prozent & mehr [1].", sources=[source(1, "STARK")])
    monkeypatch.setattr(bot_assistant, "ask", lambda *a, **k: answer)
    monkeypatch.setattr(tg, "refuse_html_with", "Kaputtes-HTML-Marker")
    msg = ask_and_wait(tg, chat, "Was fördert STARK?")[-1]
    refused = tg.requests("sendMessage", chat, failed=True)
    assert len(refused) == 1 and refused[0].params["parse_mode"] == "HTML"
    assert "parse_mode" not in msg.params
    assert msg.text.startswith("Kaputtes-HTML-Marker: 90 Prozent & mehr [1].")
    assert "<b>" not in msg.text and "&amp;" not in msg.text
    assert [b["text"] for row in msg.keyboard for b in row] == BUTTONS


def test_group_answers_only_mentions_replies_and_commands(tg, running_bot):
    group = -100_200
    tg.send_text("Wie hoch ist die Förderquote bei STARK?", chat_id=group, user_id=501, chat_type="group")
    tg.send_text("/hilfe@some_other_bot", chat_id=group, user_id=501, chat_type="group")
    tg.settle()
    assert messages(tg, group) == []

    sent = ask_and_wait(
        tg, group, f"@{BOT_USERNAME} Wie hoch ist die Förderquote bei STARK?", user_id=501, chat_type="group"
    )
    answer = sent[-1]
    assert "90 Prozent" in visible(answer.text)
    assert answer.params.get("reply_parameters"), "in groups the bot replies to the question"

    bot_message = answer.params["_message"]
    followed = ask_and_wait(
        tg, group, "Und wer stellt den Antrag?", user_id=502, chat_type="group", reply_to=bot_message
    )
    assert followed and followed[-1].keyboard

    helped = ask_and_wait(tg, group, f"/hilfe@{BOT_USERNAME}", user_id=503, chat_type="group")
    assert "/suche" in visible(helped[-1].text)


def test_flood_gets_one_friendly_notice(tg, chat):
    for _ in range(12):
        tg.send_text("/hilfe", chat_id=chat)
    tg.wait_for("sendMessage", chat_id=chat, count=7)
    tg.settle(quiet_s=1.0)
    texts = [visible(m.text) for m in messages(tg, chat)]
    notices = [t for t in texts if "sehr schnell" in t]
    helps = [t for t in texts if "So hilft Ihnen" in t]
    assert len(helps) == 6
    assert len(notices) == 1
    assert re.search(r"etwa \d+ Sekunden? – ", notices[0]), notices[0]


def test_internal_error_gets_german_apology_and_a_log_line(tg, chat, bot_assistant, monkeypatch, log_recorder):
    def broken(*args, **kwargs):
        raise RuntimeError("index exploded at /srv/secret/path")

    monkeypatch.setattr(bot_assistant, "ask", broken)
    msg = ask_and_wait(tg, chat, "Was fördert STARK?")[-1]
    text = visible(msg.text)
    assert text.startswith("Entschuldigung")
    assert "exploded" not in text and "Traceback" not in text and "RuntimeError" not in text
    logged = [r for r in log_recorder.records if r.levelno >= logging.ERROR and r.exc_info]
    assert any(f"chat_id={chat}" in r.getMessage() and "update=message" in r.getMessage() for r in logged)


def test_revierlotse_error_is_answered_with_its_message(tg, chat, bot_assistant, monkeypatch):
    def refuse(*args, **kwargs):
        raise QueryTooLong("Die Frage ist zu lang. Bitte kürzen Sie sie auf höchstens 2000 Zeichen.")

    monkeypatch.setattr(bot_assistant, "ask", refuse)
    text = visible(ask_and_wait(tg, chat, "Was fördert STARK?")[-1].text)
    assert text == "Die Frage ist zu lang. Bitte kürzen Sie sie auf höchstens 2000 Zeichen."


def test_suche_lists_documents_with_links(tg, chat):
    msg = ask_and_wait(tg, chat, "/suche STARK Förderung")[-1]
    text = visible(msg.text)
    assert "Treffer zu „STARK Förderung“" in text
    assert "1. " in text and "2. " in text
    assert '<a href="https://www.bafa.de/">' in msg.text
    assert msg.button("Mehr Treffer")  # page size 2, four documents

    hint = visible(ask_and_wait(tg, chat, "/suche")[-1].text)
    assert "/suche STARK" in hint

    # a real error from the service (query too long) comes back in German
    too_long = visible(ask_and_wait(tg, chat, "/suche " + "Förderung " * 300)[-1].text)
    assert "Entschuldigung" not in too_long and "zu lang" in too_long


def test_suche_marks_uncertain_hits(tg, chat):
    """As the page and the CLI: below the abstain threshold the hits are marked uncertain (issue #15)."""
    unsure = visible(ask_and_wait(tg, chat, "/suche xyzzy qwrt")[-1].text)
    assert "Unsichere Treffer" in unsure
    sure = visible(ask_and_wait(tg, chat, "/suche Wie hoch ist die Förderquote bei STARK?")[-1].text)
    assert "Treffer zu" in sure and "Unsichere Treffer" not in sure


def test_projekt_flow_checks_the_next_message(tg, chat, bot_assistant):
    prompt = visible(ask_and_wait(tg, chat, "/projekt Lausitz")[-1].text)
    assert "Beschreiben Sie Ihr Vorhaben" in prompt and "Lausitz" in prompt
    description = (
        "Wir wollen in Cottbus ein Netzwerk für künstliche Intelligenz und Energiespeicher aufbauen. "
        "Hochschulen und Unternehmen der Lausitz sollen Wissen austauschen und gemeinsam Projekte entwickeln."
    )
    result = ask_and_wait(tg, chat, description)[-1]
    text = visible(result.text)
    assert "Erste Einordnung" in text and "(Lausitz)" in text
    assert "keine Förderzusage" in text
    # afterwards, texts are questions again
    answer = ask_and_wait(tg, chat, "Wie hoch ist die Förderquote bei STARK?")[-1]
    assert [b["text"] for row in answer.keyboard for b in row] == BUTTONS


def test_neu_forgets_the_conversation(tg, chat, bot_assistant):
    ask_and_wait(tg, chat, "Wie hoch ist die Förderquote bei STARK?")
    assert bot_assistant.conversations.get(str(chat)).last is not None
    text = visible(ask_and_wait(tg, chat, "/neu")[-1].text)
    assert "vergessen" in text
    assert bot_assistant.conversations.get(str(chat)).last is None
    assert "noch keine Antwort" in visible(ask_and_wait(tg, chat, "/quellen")[-1].text)


def test_idle_chats_are_forgotten(tg, running_bot, monkeypatch):
    import assistant.doors.telegram.handlers as door

    first, second = 90_001, 90_002
    ask_and_wait(tg, first, "Wie hoch ist die Förderquote bei STARK?")
    handlers = running_bot.application.bot_data["revierlotse"]
    monkeypatch.setattr(door, "IDLE_CHAT_S", 0.0)
    monkeypatch.setattr(handlers, "_last_sweep", float("-inf"))
    ask_and_wait(tg, second, "/hilfe")  # any update sweeps; the first chat has been idle "long enough"
    monkeypatch.setattr(door, "IDLE_CHAT_S", 7200.0)
    assert "noch keine Antwort" in visible(ask_and_wait(tg, first, "/quellen")[-1].text)


def test_token_never_reaches_the_logs(tg, running_bot, log_recorder):
    """Every record the bot wrote in this module (in any test order), after a conversation of its own."""
    chat = next(_chat_ids)
    ask_and_wait(tg, chat, "/start")
    ask_and_wait(tg, chat, "Wie hoch ist die Förderquote bei STARK?")
    ask_and_wait(tg, chat, "/quellen")
    tg.settle()
    assert len(log_recorder.lines) > 20, "DEBUG logging was on for the whole conversation"
    assert any("[REDACTED]" in line for line in log_recorder.lines), "the Bot API URL line was redacted"
    leaked = [line for line in log_recorder.lines if TOKEN in line]
    assert leaked == []
    # and the secret part alone does not show up either
    assert not any(TOKEN.split(":", 1)[1] in line for line in log_recorder.lines)
