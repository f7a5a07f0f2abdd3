"""Extractive answers on a real index: sentence choice, whole sentences, citations, length."""

from __future__ import annotations

import re

from assistant.answering.citations import CITATION
from assistant.answering.facts import fact_boost, fact_kinds, fact_tokens, wanted_kinds
from assistant.answering.selection import clean_sentence
from assistant.retrieval import Filters


def statements(text: str) -> list[tuple[str, list[int]]]:
    """Split answer text into (statement without markers, cited numbers)."""
    body = text.split("\n\n")[0]
    out = []
    for m in re.finditer(r"(.+?)((?:\s?\[\d+\])+)([.!?]?)(?=\s|$)", body):
        out.append(((m.group(1) + m.group(3)).strip(), [int(n) for n in re.findall(r"\d+", m.group(2))]))
    return out


# --- facts ------------------------------------------------------------------------------


def test_fact_tokens_normalise_german_numbers_dates_and_paragraphs() -> None:
    assert {"90%", "90"} <= fact_tokens("Zuschuss von bis zu 90 Prozent")
    assert "14mrd" in fact_tokens("bis zu 14 Milliarden Euro")
    assert "2020-07-16" in fact_tokens("Richtlinie vom 16. Juli 2020")
    assert "2025-03-31" in fact_tokens("Anträge bis 31.03.2025")
    assert "§4" in fact_tokens("nach § 4 Abs. 2")
    assert "200000" in fact_tokens("höchstens 200.000 Euro")
    assert "2.5%" in fact_tokens("Quote 2,5 %")


def test_question_kinds_drive_the_fact_boost() -> None:
    assert wanted_kinds("Wie hoch ist die Förderung?") == {"amount"}
    assert wanted_kinds("Und bis wann kann ich den Antrag stellen?") == {"date"}
    assert fact_kinds("Für die Kategorien 1 bis 11 laufend, ohne feste Stichtage.") == {"date"}
    assert fact_boost("Wie hoch ist die Förderung?", "bis zu 90 Prozent der Ausgaben") == 1.0
    assert fact_boost("Wie hoch ist die Förderung?", "Der Antrag wird beim BAFA gestellt.") == 0.0
    # A number named in the question counts even without "wie hoch".
    assert fact_boost("Was regelt § 4?", "Antragsberechtigt sind Vereine nach § 4 Abs. 2.") == 1.0


def test_clean_sentence_removes_markdown_but_keeps_the_words() -> None:
    assert clean_sentence("- Nicht rückzahlbarer **Zuschuss von bis zu 90 Prozent** der Ausgaben") == (
        "Nicht rückzahlbarer Zuschuss von bis zu 90 Prozent der Ausgaben."
    )
    assert clean_sentence("## Förderhöhe") == ""
    assert clean_sentence("Siehe [BAFA](https://www.bafa.de/) für Details.") == "Siehe BAFA für Details."


# --- answers ------------------------------------------------------------------------------


def test_amount_question_gets_the_percentage_sentence_with_a_citation(answerer) -> None:
    answer = answerer.ask("Wie hoch ist die Förderung bei STARK?")
    assert not answer.abstained
    assert "90 Prozent" in answer.text
    assert answer.sources[0].doc_id == "stark"
    assert answer.sources[0].heading.endswith("Förderhöhe")
    assert answer.generator == "extractive"
    assert len(answer.answer_id) == 32 and int(answer.answer_id, 16) >= 0


def test_sentence_with_abbreviations_is_cited_whole(answerer) -> None:
    answer = answerer.ask("Wer ist nach § 4 Abs. 2 der Revierwerkstatt-Richtlinie antragsberechtigt?")
    assert not answer.abstained
    assert "Antragsberechtigt sind z. B. Vereine, Kommunen u. a. gemeinnützige Träger nach § 4 Abs. 2" in answer.text


def test_citations_are_consecutive_each_has_a_source_and_sources_follow_first_citation(answerer) -> None:
    answer = answerer.ask("Wie viel Geld gibt der Bund nach dem InvKG und wie hoch ist die STARK-Förderquote?")
    cited = [int(n) for n in CITATION.findall(answer.text)]
    assert cited, answer.text
    numbers = [s.number for s in answer.sources]
    assert numbers == list(range(1, len(numbers) + 1))
    first_order = list(dict.fromkeys(cited))
    assert first_order == numbers  # numbered by first citation, every source cited
    assert set(cited) <= set(numbers)
    for source in answer.sources:
        assert source.title and source.doc_type and source.source_path and source.passage
        assert source.source_url and source.stand is not None


def test_every_statement_is_a_whole_sentence_of_its_source(answerer) -> None:
    answer = answerer.ask("Wie hoch ist die Förderquote der Revierwerkstatt und wie lange dauern Modellvorhaben?")
    by_number = {s.number: s for s in answer.sources}
    parts = statements(answer.text)
    assert parts, answer.text
    for sentence, numbers in parts:
        passage = " ".join(by_number[numbers[0]].passage.split())
        assert sentence.rstrip(".") in passage
        assert sentence[0].isupper()


def test_length_limit_is_kept_without_cutting_a_sentence(answer_settings, embedder) -> None:
    from assistant.service import Assistant

    assistant = Assistant(answer_settings(answer_max_chars=130), embedder)
    answer = assistant.ask("Was fördert die Wasserstoff-Modellregion Lausitz und wie hoch ist der Zuschuss?")
    body = answer.text.split("\n\n")[0]
    assert len(body) <= 130
    for sentence, _ in statements(body):
        assert sentence.endswith((".", "!", "?", ":"))
    wide = Assistant(answer_settings(answer_max_chars=600), embedder).ask(
        "Was fördert die Wasserstoff-Modellregion Lausitz und wie hoch ist der Zuschuss?"
    )
    assert len(wide.text.split("\n\n")[0]) >= len(body)


def test_filters_restrict_the_answer_and_usage_is_logged(answerer) -> None:
    before = answerer.usage_stats().total_queries
    answer = answerer.ask(
        "Wer berät Projektträger in der Lausitz?", filters=Filters(types=("akteur",)), channel="test"
    )
    assert {s.doc_type for s in answer.sources} == {"akteur"}
    assert answerer.usage_stats().total_queries == before + 1


def test_repeated_question_uses_the_sentence_vector_cache(answerer) -> None:
    answerer.ask("Wie hoch ist die Förderung bei STARK?")
    misses = answerer.answers.vectors.misses
    answerer.ask("Wie hoch ist die Förderung bei STARK?")
    assert answerer.answers.vectors.misses == misses
    assert answerer.answers.vectors.hits > 0


def test_covers_needs_the_asked_for_fact() -> None:
    from assistant.answering.facts import covers

    assert covers("Wie hoch ist die Förderung?", ["Der Zuschuss beträgt bis zu 90 Prozent."])
    assert not covers("Wie hoch ist die Förderung?", ["Der Antrag wird beim BAFA gestellt."])
    assert covers("Und wie lange?", ["Die Förderdauer beträgt bis zu zwölf Monate."])
    assert not covers("Wer leitet das Referat im Jahr 2026?", ["Das Referat wurde 2019 gegründet."])
    assert not covers("Wie lautet die Telefonnummer des Büros?", ["Das Büro berät Kommunen."])
    long_description = "Wir sind ein Unternehmen aus Leipzig mit dreißig Leuten. " * 3 + "Wir wollen 2027 auf eine Messe."
    assert covers(long_description, ["Messeteilnahmen werden gefördert."])
