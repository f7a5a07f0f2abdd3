"""Abstaining with contacts, and notices for outdated facts and passed deadlines."""

from __future__ import annotations

import datetime as dt

from assistant.answering.freshness import months_before, parse_frist
from assistant.service import Assistant
from tests.fixtures.answering import PASSED_FRIST


def test_off_topic_question_abstains_and_names_contacts(answerer) -> None:
    answer = answerer.ask("Was kostet ein Döner in Berlin?")
    assert answer.abstained
    assert "keine verlässliche Antwort" in answer.text
    assert answer.contacts, "an akteur document should be suggested"
    assert all(c.doc_id in {"wirtschaftsregion-lausitz", "thueringen", "metropolregion"} for c in answer.contacts)
    assert "Ansprechpartner:" in answer.text
    assert answer.contacts[0].title in answer.text
    # Closest sources are still Source objects, numbered and named in the text.
    assert [s.number for s in answer.sources] == list(range(1, len(answer.sources) + 1))
    for s in answer.sources:
        assert f"[{s.number}]" in answer.text
    assert not answer.notices


def test_contacts_prefer_the_named_land(answerer) -> None:
    answer = answerer.ask("Wie hoch ist die Hundesteuer in Thüringen?")
    assert answer.abstained
    assert answer.contacts[0].doc_id == "thueringen"


def test_threshold_decides_abstention(answer_settings, embedder) -> None:
    question = "Wie hoch ist die Förderung bei STARK?"
    always = Assistant(answer_settings(abstain_threshold=1.0), embedder).ask(question)
    never = Assistant(answer_settings(abstain_threshold=0.0), embedder).ask(question)
    assert always.abstained and not never.abstained
    assert always.confidence == never.confidence


def test_old_stand_and_passed_frist_give_notices(answerer) -> None:
    answer = answerer.ask("Wie hoch ist die Förderquote der Revierwerkstatt?")
    assert not answer.abstained
    assert "75 Prozent" in answer.text
    assert len(answer.notices) == 2
    stale, deadline = answer.notices
    assert "zuletzt am" in stale and "veraltet" in stale
    frist = dt.date.fromisoformat(PASSED_FRIST).strftime("%d.%m.%Y")
    assert frist in deadline and "abgelaufen" in deadline
    for notice in answer.notices:
        assert notice in answer.text  # appended to the text, not only a field


def test_fresh_sources_give_no_notice(answerer) -> None:
    answer = answerer.ask("Was fördert die Wasserstoff-Modellregion Lausitz?")
    assert not answer.abstained
    assert answer.sources[0].doc_id == "wasserstoff-lausitz"
    assert answer.notices == []


def test_today_is_injectable_for_staleness(answerer) -> None:
    answerer.answers.today = lambda: dt.date(2020, 1, 1)
    answer = answerer.ask("Was fördert die Wasserstoff-Modellregion Lausitz?")
    assert answer.notices == []  # nothing is old, no frist passed in 2020


def test_frist_parsing_and_month_arithmetic() -> None:
    assert parse_frist("laufend") is None
    assert parse_frist(None) is None
    assert parse_frist("2025-03-31") == dt.date(2025, 3, 31)
    assert parse_frist("Stichtage 31.01.2025 und 30.06.2025") == dt.date(2025, 6, 30)
    assert months_before(dt.date(2026, 8, 31), 18) == dt.date(2025, 2, 28)
    assert months_before(dt.date(2026, 11, 21), 18) == dt.date(2025, 5, 21)


def test_a_town_names_its_land_for_contacts_and_answers() -> None:
    """Contacts and answers use the one place detector (domain.places) that search uses."""
    from assistant.domain.places import locate

    def where(text: str) -> set[str]:
        location = locate(text)
        return {*location.lands, *location.regions}

    assert where("Wir sind ein Verein in Weißwasser.") == {"Sachsen", "Lausitz"}
    assert where("Wir sitzen in Cottbus.") == {"Brandenburg", "Lausitz"}
    assert where("Und im Altenburger Land?") == {"Thüringen", "Mitteldeutsches Revier"}
    assert where("Und in der Lausitz?") == {"Lausitz"}  # a Revier by name
