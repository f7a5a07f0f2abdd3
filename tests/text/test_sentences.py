"""German sentence splitting: abbreviations, ordinals, dates, paragraph references, lists."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.text.sentences import sentence_spans, split_sentences

UNSPLIT = [
    "Gefördert werden z. B. Vereine und Kommunen.",
    "Antragsberechtigt sind KMU, d. h. Unternehmen mit weniger als 250 Beschäftigten.",
    "Maßgeblich ist Nr. 4 der Richtlinie.",
    "Das regelt § 3 Abs. 2 SGB III.",
    "Die Förderung beträgt 50 % bzw. 70 % der Ausgaben.",
    "Es stehen ca. 40 Mio. Euro bereit.",
    "Ansprechpartner ist Dr. Müller von der SAB.",
    "Den Vorsitz hat Prof. Schmidt.",
    "Beteiligt sind u. a. Kommunen und Vereine.",
    "Details stehen auf S. 12 der Richtlinie.",
    "Das Gesetz trat am 16. Juli 2020 in Kraft.",
    "Die Frist endet am 31. Dezember 2024 um Mitternacht.",
    "Im 3. Quartal folgt der nächste Aufruf.",
    "Gefördert werden z.B. Kitas und Schulen.",
    "Zuständig ist ggf. die Bewilligungsstelle.",
    "Vgl. Art. 3 Abs. 1 Nr. 2 der Verordnung.",
    "Die BEG gilt seit dem **1. Januar 2021** bundesweit.",
]


@pytest.mark.parametrize("sentence", UNSPLIT)
def test_abbreviations_do_not_split(sentence: str) -> None:
    assert split_sentences(sentence) == [sentence]


@pytest.mark.parametrize("sentence", UNSPLIT)
def test_abbreviation_sentence_followed_by_another(sentence: str) -> None:
    text = f"{sentence} Danach folgt ein zweiter Satz."
    assert split_sentences(text) == [sentence, "Danach folgt ein zweiter Satz."]


def test_real_sentence_ends_are_split() -> None:
    text = ("Das Programm läuft seit 2020. Die Quote beträgt 90 %. Ist das gut? Ja! "
            "Weitere Regeln folgen usw. Danach kommt „Zitat.“ Und dann das Ende.")
    assert split_sentences(text) == [
        "Das Programm läuft seit 2020.",
        "Die Quote beträgt 90 %.",
        "Ist das gut?",
        "Ja!",
        "Weitere Regeln folgen usw.",
        "Danach kommt „Zitat.“",
        "Und dann das Ende.",
    ]


def test_wrapped_lines_and_lists() -> None:
    text = (
        "Die Frist läuft bis zum\n31. Dezember 2024 weiter. Sie gilt im\n3. Quartal nicht.\n\n"
        "Gefördert werden:\n- Vereine\n- Kommunen\n\n"
        "1. Ziel der Förderung\n2. Antragstellung\n"
        "(1) Absatz eins gilt.\n(2) Absatz zwei gilt auch."
    )
    assert split_sentences(text) == [
        "Die Frist läuft bis zum\n31. Dezember 2024 weiter.",
        "Sie gilt im\n3. Quartal nicht.",
        "Gefördert werden:",
        "- Vereine",
        "- Kommunen",
        "1. Ziel der Förderung",
        "2. Antragstellung",
        "(1) Absatz eins gilt.",
        "(2) Absatz zwei gilt auch.",
    ]


def test_lowercase_after_period_never_splits() -> None:
    assert split_sentences("Die Abk. gilt. und hier geht es weiter.") == ["Die Abk. gilt. und hier geht es weiter."]


def test_empty_and_whitespace() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\t ") == []


def test_spans_point_into_text() -> None:
    text = "  Erster Satz.  Zweiter Satz!\n\nDritter "
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == ["Erster Satz.", "Zweiter Satz!", "Dritter"]


_WORDS = st.sampled_from(
    ["Förderung", "z. B.", "Abs.", "2", "Nr.", "der", "Region", "16.", "Juli", "2020.", "Die", "ist", "gut.",
     "Lausitz?", "ca.", "§", "3", "und", "Kommunen!", "\n", "\n\n", "- Punkt", "(2)", "usw.", "„Zitat.“"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_WORDS, max_size=60).map(" ".join))
def test_property_spans_cover_text(text: str) -> None:
    spans = sentence_spans(text)
    prev_end = 0
    for start, end in spans:
        assert prev_end <= start < end <= len(text)
        piece = text[start:end]
        assert piece == piece.strip() and piece
        assert not text[prev_end:start].strip(), "text between sentences must be whitespace only"
        prev_end = end
    assert not text[prev_end:].strip()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abZÄ .!?…\n\t19§()„“-")), max_size=300))
def test_property_arbitrary_text(text: str) -> None:
    pieces = split_sentences(text)
    assert all(p and p == p.strip() for p in pieces)
    assert "".join("".join(p.split()) for p in pieces) == "".join(text.split())


def test_dot_leaders_are_fast() -> None:
    import time

    text = "Inhaltsverzeichnis " + "." * 20_000 + "12\nTeil A " + ". " * 5_000 + "Ende"
    started = time.perf_counter()
    split_sentences(text)
    assert time.perf_counter() - started < 1.0


def test_a_quotes_attribution_and_a_short_heading_line_stand_apart() -> None:
    text = (
        "„Wir wollen Projekte nachhaltig unterstützen.“\n"
        "– Prof. Anna Beispiel\n"
        "Die nächste Sitzung findet am 21.10.2024 statt.\n"
        "Beteiligte der Runde\n"
        "Stadt Musterhausen, Kammer und Hochschule"
    )
    assert split_sentences(text) == [
        "„Wir wollen Projekte nachhaltig unterstützen.“",
        "– Prof. Anna Beispiel",
        "Die nächste Sitzung findet am 21.10.2024 statt.",
        "Beteiligte der Runde",
        "Stadt Musterhausen, Kammer und Hochschule",
    ]
    wrapped = "Der Antrag ist bei der zuständigen Bewilligungsstelle des Landes vor dem Beginn\nDes Vorhabens zu stellen."
    assert len(split_sentences(wrapped)) == 1  # a long wrapped line continues the sentence


def test_periods_inside_a_parenthesis_or_after_an_inner_capital_do_not_end_a_sentence() -> None:
    text = (
        "Kommunen in instabiler Haushaltslage (Kat. D) erhalten 5,0 Prozentpunkte mehr. "
        "Maßgeblich ist die Verwaltungsvorschrift vom 31. Juli 2019 (SächsABl. S. 123). Danach gilt Weiteres."
    )
    assert split_sentences(text) == [
        "Kommunen in instabiler Haushaltslage (Kat. D) erhalten 5,0 Prozentpunkte mehr.",
        "Maßgeblich ist die Verwaltungsvorschrift vom 31. Juli 2019 (SächsABl. S. 123).",
        "Danach gilt Weiteres.",
    ]
