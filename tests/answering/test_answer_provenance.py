"""Answers and the project check on programmes that are open, closed, expired or ending soon."""

from __future__ import annotations

import pytest

from assistant.service import Assistant
from tests.fixtures.provenance import EXPIRED, SOON, de_date


@pytest.fixture
def prov(provenance_settings, embedder) -> Assistant:
    assistant = Assistant(provenance_settings(), embedder)
    yield assistant
    assistant.close()


def test_an_amount_closes_with_the_binding_line_naming_the_foerdergeber(prov: Assistant) -> None:
    answer = prov.ask("Wie hoch ist der Zuschuss für Kitas in der Lausitz?")
    assert not answer.abstained and "80 Prozent" in answer.text
    assert answer.notices == []
    assert answer.binding_note == (
        "Verbindlich ist allein die aktuelle Richtlinie des Fördergebers, hier Investitionsbank des Landes "
        "Brandenburg (ILB); bitte vor dem Antrag dort prüfen."
    )
    assert answer.text.splitlines()[-1] == answer.binding_note  # the closing line
    source = answer.sources[0]
    assert source.doc_id == "kita-bau" and source.stand is not None
    assert source.source_url == "https://example.org/foerderung/kita-bau"
    assert source.status == "offen" and source.quelle_stand is not None


def test_eligibility_wording_also_closes_with_the_binding_line(prov: Assistant) -> None:
    answer = prov.ask("Wer ist für den Kita-Bau antragsberechtigt?")
    assert "Antragsberechtigt sind Gemeinden" in answer.body and answer.binding_note


def test_an_event_date_needs_no_binding_line(prov: Assistant) -> None:
    answer = prov.ask("Wann fand das Revierforum statt?")
    assert not answer.abstained and "12.06.2025" in answer.text
    assert answer.binding_note is None and answer.body == answer.text


def test_closed_programme_gets_a_notice(prov: Assistant) -> None:
    answer = prov.ask("Wie viel Förderung gibt es für einen Dorfladen in Sachsen?")
    assert answer.sources[0].doc_id == "dorfladen" and answer.sources[0].status == "geschlossen"
    assert len(answer.notices) == 1
    assert answer.notices[0].startswith("Achtung: Für „Dorfladen-Förderung Sachsen“ [1] sind derzeit keine Anträge möglich")
    assert "ist das Programm geschlossen" in answer.notices[0]
    assert answer.notices[0] in answer.text and answer.binding_note  # the amount is still stated


def test_expired_programme_gets_a_notice(prov: Assistant) -> None:
    answer = prov.ask("Wie hoch war der Gründerbonus im Revier?")
    assert answer.sources[0].doc_id == "gruenderbonus"
    assert any("keine Anträge möglich" in n and f"gültig bis {de_date(EXPIRED)}" in n for n in answer.notices)


def test_programme_ending_within_60_days_gets_a_notice(prov: Assistant) -> None:
    answer = prov.ask("Wie viel Prozent gibt es für Radwege?")
    assert answer.sources[0].doc_id == "radwege"
    assert answer.notices == [
        f"Hinweis: „Radwegeprogramm Revier“ [1] läuft laut Wissensbestand am {de_date(SOON)} aus (in 30 Tagen). "
        "Anträge rechtzeitig stellen und die Frist unter https://example.org/foerderung/radwege prüfen."
    ]
    prov.settings = prov.settings.model_copy(update={"ending_soon_days": 20})
    assert prov.ask("Wie viel Prozent gibt es für Radwege?").notices == []


def test_project_check_never_lists_a_closed_programme_as_open(prov: Assistant) -> None:
    check = prov.check_project(
        "Unsere Gemeinde in Sachsen möchte einen Dorfladen mit Café eröffnen. Der Laden soll die Nahversorgung "
        "sichern. Ein Verein betreibt ihn ehrenamtlich."
    )
    assert "dorfladen" not in {m.doc_id for m in check.programmes}
    closed = {m.doc_id: m for m in check.closed_programmes}
    assert closed["dorfladen"].availability_note == "Keine Anträge möglich: laut Wissensbestand ist das Programm geschlossen."
    assert "Passend, aber derzeit keine Anträge möglich:" in check.summary
    assert "Dorfladen-Förderung Sachsen – Keine Anträge möglich" in check.summary
    for m in [*check.programmes, *check.closed_programmes]:
        assert m.stand is not None and m.source_url


def test_project_check_warns_about_a_programme_ending_soon(prov: Assistant) -> None:
    check = prov.check_project(
        "Unsere Gemeinde in der Lausitz will einen Radweg zum Bahnhof bauen. Er soll die Dörfer verbinden. "
        "Wir suchen eine Förderung für die Baukosten."
    )
    assert check.programmes and check.programmes[0].doc_id == "radwege"
    assert any("läuft laut Wissensbestand" in n for n in check.notices)
    assert "Quelle: Stand" in check.summary and "https://example.org/foerderung/radwege" in check.summary
