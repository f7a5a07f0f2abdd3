"""The real bot against the fake Bot API: Stand and link per source, the binding line, closed programmes."""

from __future__ import annotations

import itertools

import pytest

from assistant.doors.telegram.app import build_application
from assistant.service import Assistant
from tests.doors.telegram.telegram_fake import BotRunner, FakeTelegram
from tests.doors.telegram.test_bot import ask_and_wait, messages, visible
from tests.fixtures.provenance import RECENT, de_date

TOKEN = "123456789:AAH-provenance-test-token"
_chats = itertools.count(40_001)


@pytest.fixture(scope="module")
def tg():
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture(scope="module")
def running_bot(tg, provenance_settings, embedder):
    settings = provenance_settings(telegram_api_url=tg.base_url, bot_rate_limit_messages=20)
    assistant = Assistant(settings, embedder)
    runner = BotRunner(build_application(settings, assistant, TOKEN, search_page_size=3)).start()
    yield runner
    runner.stop()
    assistant.close()


@pytest.fixture
def chat(running_bot) -> int:
    return next(_chats)


def test_answer_shows_stand_host_link_notice_and_closes_with_the_binding_line(tg, chat) -> None:
    msg = ask_and_wait(tg, chat, "Wie viel Förderung gibt es für einen Dorfladen in Sachsen?")[-1]
    text = visible(msg.text)
    assert f"Stand {de_date(RECENT)}" in text and "geschlossen – keine Anträge möglich" in text
    assert '<a href="https://example.org/foerderung/dorfladen">example.org</a>' in msg.text
    assert text.count("sind derzeit keine Anträge möglich") == 1  # the notice once, not in the text and again
    assert text.rstrip().endswith("bitte vor dem Antrag dort prüfen.")  # the binding line closes the message
    assert "<i>Verbindlich ist allein die aktuelle Richtlinie des Fördergebers" in msg.text


def test_event_answer_has_no_binding_line(tg, chat) -> None:
    text = visible(ask_and_wait(tg, chat, "Wann fand das Revierforum statt?")[-1].text)
    assert "12.06.2025" in text and f"Stand {de_date(RECENT)}" in text and "Verbindlich" not in text


def test_sources_button_shows_stand_version_and_link(tg, chat) -> None:
    answer = ask_and_wait(tg, chat, "Wie hoch ist der Zuschuss für Kitas in der Lausitz?")[-1]
    before = len(messages(tg, chat))
    tg.press(answer, "Quellen")
    detail = tg.wait_for("sendMessage", chat_id=chat, count=before + 1)[-1]
    text = visible(detail.text)
    assert f"Stand {de_date(RECENT)}" in text and "Fassung vom 01.03.2025" in text
    assert '<a href="https://example.org/foerderung/kita-bau">Zur Quelle (example.org)</a>' in detail.text


def test_search_marks_closed_programmes(tg, chat) -> None:
    text = visible(ask_and_wait(tg, chat, "/suche Dorfladen Café")[-1].text)
    assert "Dorfladen-Förderung Sachsen" in text and "geschlossen – keine Anträge möglich" in text
    assert f"Stand {de_date(RECENT)}" in text


def test_project_check_lists_closed_programmes_apart(tg, chat) -> None:
    assert "Beschreiben Sie Ihr Vorhaben" in visible(ask_and_wait(tg, chat, "/projekt Lausitz")[-1].text)
    description = ("Unsere Gemeinde in Sachsen möchte einen Dorfladen mit Café eröffnen. Der Laden soll "
                   "die Nahversorgung sichern. Ein Verein betreibt ihn ehrenamtlich.")
    text = visible(ask_and_wait(tg, chat, description)[-1].text)
    assert "Passend, aber derzeit keine Anträge möglich" in text
    closed_part = text.split("Passend, aber derzeit keine Anträge möglich")[1]
    assert "Dorfladen-Förderung Sachsen" in closed_part and "Keine Anträge möglich" in closed_part
    assert "Dorfladen-Förderung Sachsen" not in text.split("Passend, aber derzeit keine Anträge möglich")[0]
