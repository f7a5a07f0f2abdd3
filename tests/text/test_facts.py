"""Facts in sentences and questions: amounts, dates, counts, persons, and whether statements cover a question."""

from __future__ import annotations

from assistant.text.facts import fact_boost, fact_kinds, fact_tokens, wanted_kinds


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


def test_how_many_asks_for_a_count_not_for_money() -> None:
    from assistant.text.facts import covers

    assert wanted_kinds("Wie viele Arbeitsplätze entstehen im Bahnwerk?") == {"count"}
    assert wanted_kinds("Wie viele JTF-Mittel stehen Thüringen zur Verfügung?") == {"amount"}
    assert wanted_kinds("How many jobs will the depot create?", ranking=True) == {"count"}
    assert fact_kinds("Mit der ersten Halle entstanden rund 450 Arbeitsplätze.") == {"count"}
    assert fact_kinds("Es gibt fünf thematische Werkstätten.") == {"count"}
    # Units make a number an amount, a duration or a length, and a year is no count.
    assert "count" not in fact_kinds("bis zu 90 Prozent, höchstens 14 Milliarden Euro")
    assert "count" not in fact_kinds("Die Halle ist fast 450 Meter lang und läuft seit 4 Jahren.")
    assert "count" not in fact_kinds("Im Jahr 2020 Die Landesregierung")
    # "wie viele" before money is an amount question still ("Wie viele Milliarden Euro …" was refused).
    assert wanted_kinds("Wie viele Milliarden Euro stellt der Bund bereit?") == {"amount"}
    assert covers("Wie viele Milliarden Euro stellt der Bund bereit?", ["Der Bund stellt bis zu 14 Milliarden Euro bereit."])
    jobs = "Wie viele Arbeitsplätze entstehen im Bahnwerk Cottbus?"
    assert covers(jobs, ["Bis 2026 sollen es insgesamt 1.200 neue Arbeits- und Ausbildungsplätze werden."])
    assert not covers(jobs, ["Das Werk ist das größte ICE-Instandhaltungswerk der Bahn."])


def test_covers_needs_the_asked_for_fact() -> None:
    from assistant.text.facts import covers

    assert covers("Wie hoch ist die Förderung?", ["Der Zuschuss beträgt bis zu 90 Prozent."])
    assert not covers("Wie hoch ist die Förderung?", ["Der Antrag wird beim BAFA gestellt."])
    assert covers("Und wie lange?", ["Die Förderdauer beträgt bis zu zwölf Monate."])
    assert not covers("Wer leitet das Referat im Jahr 2026?", ["Das Referat wurde 2019 gegründet."])
    assert not covers("Wie lautet die Telefonnummer des Büros?", ["Das Büro berät Kommunen."])
    long_description = "Wir sind ein Unternehmen aus Leipzig mit dreißig Leuten. " * 3 + "Wir wollen 2027 auf eine Messe."
    assert covers(long_description, ["Messeteilnahmen werden gefördert."])


def test_covers_needs_the_numbers_and_districts_a_short_question_names() -> None:
    from assistant.text.facts import covers

    meeting = "Wann findet das 20. Expertentreffen statt?"
    assert not covers(meeting, ["Das 19. Expertentreffen fand am 5. Mai 2025 statt."])
    assert covers(meeting, ["Das 20. Expertentreffen findet am 4. Mai 2026 statt."])
    # ... or in the cited section's title/heading ("Werkstatt 2").
    assert covers("Werkstatt 2 Sprecher", ["Sprecher ist Prof. Dr. Anna Schmidt."], context="Werkstatt 2 – Innovation")
    district = "Wie viel Geld hat der Landkreis Nordsachsen bekommen?"
    assert not covers(district, ["Sachsen erhält bis zu 25,2 % der 14 Milliarden Euro."])
    assert covers(district, ["Der Landkreis Nordsachsen erhielt bis heute 80 Millionen Euro."])


def test_what_the_asker_says_of_themselves_is_not_asked() -> None:
    from assistant.text.facts import covers

    # "180 Mitarbeiter" describes the company; the answer need not repeat it (was refused).
    staff = "Wir haben 180 Mitarbeiter und wollen einen Sensor entwickeln. Dürfen wir bei ZIM mitmachen?"
    assert covers(staff, ["Antragsberechtigt sind Unternehmen mit weniger als 500 Beschäftigten."])
    assert not covers("Was gilt für Vorhaben ab 180 Mitarbeitern?", ["Antragsberechtigt sind KMU."])
    # "ohne dass es etwas kostet" asks whether it is free ("unentgeltlich"), not for an amount.
    assert wanted_kinds("Wer berät Gemeinden, ohne dass es etwas kostet?") == set()
    assert wanted_kinds("Ist die Beratung kostenlos?") == set()
    assert wanted_kinds("Was kostet die Teilnahme?") == {"amount"}


def test_english_question_words_count_for_ranking_but_not_for_the_answer_checks() -> None:
    assert wanted_kinds("What is the maximum funding rate of STARK?", ranking=True) == {"amount"}
    assert wanted_kinds("By when must coal power end?", ranking=True) == {"date"}
    assert wanted_kinds("What is the maximum funding rate of STARK?") == set()
