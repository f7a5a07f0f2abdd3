"""Quotable statements: cleaned sentences, lists with their intro or heading."""

from __future__ import annotations

from assistant.text.statements import clean_sentence, has_prose, is_fragment, quotable_statements
from assistant.text.statements import statements as chunk_statements


def test_clean_sentence_removes_markdown_but_keeps_the_words() -> None:
    assert clean_sentence("- Nicht rückzahlbarer **Zuschuss von bis zu 90 Prozent** der Ausgaben") == (
        "Nicht rückzahlbarer Zuschuss von bis zu 90 Prozent der Ausgaben."
    )
    assert clean_sentence("## Förderhöhe") == ""
    assert clean_sentence("Siehe [BAFA](https://www.bafa.de/) für Details.") == "Siehe BAFA für Details."


def test_a_list_under_a_label_is_one_statement_and_a_long_list_is_quoted_item_by_item() -> None:
    text = "**Sachsen**\n- Landkreis Bautzen\n- Landkreis Görlitz"
    assert chunk_statements(text) == ["Sachsen: Landkreis Bautzen; Landkreis Görlitz."]
    long_list = "Die Felder sind:\n\n" + "\n".join(f"{i}. **Feld {i}** – " + "sehr lange Erklärung " * 8 for i in (1, 2, 3))
    merged = chunk_statements(long_list)
    assert len(merged) == 1 and "Feld 3" in merged[0]
    separate = chunk_statements(long_list, max_chars=200)
    assert separate[0] == "Die Felder sind:"  # a fragment, dropped later by candidates()
    assert [s.split(" – ")[0] for s in separate[1:]] == ["Die Felder sind: Feld 1", "Die Felder sind: Feld 2",
                                                         "Die Felder sind: Feld 3"]
    lower = "Förderbereiche (§ 4):\n\n" + "\n".join(f"{i}. öffentliche Fürsorge {i}: " + "Kinderbetreuung, " * 9
                                                 for i in (1, 2))
    items = chunk_statements(lower, max_chars=200)[1:]
    assert items[0].startswith("Förderbereiche (§ 4): öffentliche Fürsorge 1: Kinderbetreuung")
    assert not any(s[0].islower() for s in items)  # quotable, not dropped as fragments


def test_a_list_that_opens_a_section_is_introduced_by_its_heading() -> None:
    workshops = "- Infrastruktur und Mobilität\n- Innovation und Digitalisierung (Werkstatt 2)\n\nJede Werkstatt tagt."
    assert chunk_statements(workshops, 590, heading="Die fünf Werkstätten") == [
        "Die fünf Werkstätten: Infrastruktur und Mobilität; Innovation und Digitalisierung (Werkstatt 2).",
        "Jede Werkstatt tagt.",
    ]
    # Items that are sentences stand alone, and so do questions (FAQ lists) and long lists.
    notes = "- Der Landkreis grenzt an Polen.\n- Anträge vor Beginn stellen."
    assert chunk_statements(notes, 590, heading="Hinweise") == ["Der Landkreis grenzt an Polen.", "Anträge vor Beginn stellen."]
    faq = "- Was kann ich fragen?\n- Wer hilft mir?"
    assert chunk_statements(faq, 590, heading="Was Sie dort fragen können") == ["Was kann ich fragen?", "Wer hilft mir?"]
    long_list = "\n".join(f"- Station {i} mit einer längeren Beschreibung der Etappe" for i in range(8))
    assert not chunk_statements(long_list, 590, heading="Weg zur Gründung")[0].startswith("Weg zur Gründung")


def test_exported_record_fields_without_words_are_never_quoted() -> None:
    """A programme portal's row exported as ``key: value`` lines: links and identifiers are no answer."""
    record = (
        "programm_id: BEISPIEL_GRUENDUNG_01\n"
        "Zielgruppe: Gründerinnen und Gründer in den ersten drei Jahren\n"
        "letzte_pruefung: 2026-01-05\n"
        "quelle_url: https://foerderung.example.org/programme/gruendung#unterlagen\n"
        "link_klasse: programm_spezifisch\n"
    )
    quoted = [s for _, s in quotable_statements(record, 400)]
    assert any("Gründerinnen und Gründer" in s for s in quoted)
    assert not any("quelle_url" in s or "2026-01-05" in s for s in quoted)
    assert all(has_prose(s) for s in quoted)
    assert not has_prose("2026-01-05 quelle_url: https://foerderung.example.org/x link_klasse: programm_spezifisch")
    assert has_prose("Antragsfrist: 31.03.2026") and has_prose("Mehr unter https://foerderung.example.org")
    # A record's field line is a statement, lower-case key or not; a cut-off piece is not.
    assert not is_fragment("foerderart: Zuschuss für Investitionen und Betriebsmittel")
    assert is_fragment("der Aufbau eines regionalen Netzes und")
