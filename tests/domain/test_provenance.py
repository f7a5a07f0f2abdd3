"""The provenance rules: start-page links, plausible dates, and whether one can still apply."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.domain.documents import DocumentMetadata
from assistant.domain.provenance import (
    availability,
    is_homepage,
    is_older_than,
    provenance_warnings,
    url_problem,
)

TODAY = dt.date(2026, 12, 3)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.sab.sachsen.de",
        "https://www.sab.sachsen.de/",
        "https://www.bafa.de/#inhalt",
        "https://www.ilb.de/de/",
        "https://www.ilb.de/de",
        "https://example.org/de-de/",
        "https://example.org/en/index.html",
        "https://example.org/startseite",
        "https://example.org/de/startseite.html",
        "https://example.org/?lang=de",
        "HTTPS://EXAMPLE.ORG/DE/",
    ],
)
def test_start_pages_are_homepages(url: str) -> None:
    assert is_homepage(url)
    assert "Startseite" in (url_problem(url) or "")


@pytest.mark.parametrize(
    "url",
    [
        "https://www.gesetze-im-internet.de/invkg/__11.html",
        "https://lausitz-brandenburg.de/?p=875",
        "https://www.ilb.de/de/wirtschaft/zuschuesse/profit-brandenburg-2023",
        "https://example.org/deutsch/",  # a word, not a language code
        "https://bafa.de/DE/Wirtschaft/Beratung_Finanzierung/Stark_2/stark_2_node.html",
    ],
)
def test_deep_links_are_not_homepages(url: str) -> None:
    assert not is_homepage(url)
    assert url_problem(url) is None


def test_missing_and_non_web_links_are_problems() -> None:
    assert "fehlt" in (url_problem(None) or "")
    assert "kein Link" in (url_problem("ftp://example.org/richtlinie.pdf") or "")
    assert "kein Link" in (url_problem("corpus/stark.md") or "")


def _meta(**fields) -> DocumentMetadata:
    base = {"title": "T", "type": "foerderprogramm", "status": "offen", "stand": TODAY,
            "source_url": "https://example.org/programm/t"}
    return DocumentMetadata(**(base | fields))


def test_complete_front_matter_has_no_warning() -> None:
    assert provenance_warnings(_meta(quelle_stand=dt.date(2024, 8, 13), gueltig_bis=dt.date(2027, 12, 31)), TODAY) == []
    # A strategy needs no status.
    assert provenance_warnings(_meta(type="strategie", status=None), TODAY) == []


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"stand": None}, "„stand“ fehlt"),
        ({"stand": dt.date(2027, 1, 1)}, "„stand“ (01.01.2027) liegt in der Zukunft"),
        ({"quelle_stand": dt.date(2027, 5, 1)}, "„quelle_stand“ (01.05.2027) liegt in der Zukunft"),
        ({"stand": dt.date(2025, 1, 1), "quelle_stand": dt.date(2025, 6, 1)}, "gegen die neue Fassung prüfen"),
        ({"gueltig_bis": dt.date(2026, 6, 30)}, "„status: offen“, aber „gueltig_bis“ (30.06.2026) ist vorbei"),
        ({"frist": "Anträge bis 31.10.2026"}, "„status: offen“, aber die Frist (31.10.2026) ist vorbei"),
        ({"status": "ausgelaufen", "gueltig_bis": dt.date(2027, 6, 30)}, "„status: ausgelaufen“, aber"),
        ({"status": None}, "Förderprogramm ohne Feld „status“"),
        ({"source_url": "https://www.sab.sachsen.de/"}, "Startseite"),
        ({"source_url": None}, "„source_url“ fehlt"),
    ],
)
def test_each_problem_gives_one_warning(fields: dict, expected: str) -> None:
    warnings = provenance_warnings(_meta(**fields), TODAY)
    assert len(warnings) == 1, warnings
    assert expected in warnings[0]


def test_availability_by_status_validity_and_deadline() -> None:
    assert availability(_meta(), TODAY).state == "offen"
    assert availability(_meta(type="strategie", status=None), TODAY).state == "unbekannt"
    closed = availability(_meta(status="geschlossen"), TODAY)
    assert closed.closed and closed.reason == "ist das Programm geschlossen"
    expired = availability(_meta(status="ausgelaufen", gueltig_bis=dt.date(2024, 12, 31)), TODAY)
    assert expired.state == "ausgelaufen" and "31.12.2024" in expired.reason
    # gueltig_bis passed wins over a stale "offen"; a passed frist closes.
    assert availability(_meta(gueltig_bis=dt.date(2026, 12, 2)), TODAY).state == "ausgelaufen"
    deadline = availability(_meta(frist="Stichtage 31.01.2026 und 30.06.2026"), TODAY)
    assert deadline.state == "geschlossen" and "30.06.2026" in deadline.reason


def test_ending_soon_counts_days_to_the_nearest_end() -> None:
    soon = availability(_meta(gueltig_bis=dt.date(2027, 1, 31), frist="bis 15.01.2027"), TODAY)
    assert soon.ends == dt.date(2027, 1, 15) and soon.days_left == 43
    assert soon.ending_within(60) and not soon.ending_within(30)
    today_ends = availability(_meta(gueltig_bis=TODAY), TODAY)
    assert today_ends.state == "offen" and today_ends.days_left == 0
    assert not availability(_meta(gueltig_bis=dt.date(2027, 12, 31)), TODAY).ending_within(60)


def test_stand_age_in_calendar_months() -> None:
    assert is_older_than(dt.date(2025, 12, 2), TODAY, 12)
    assert not is_older_than(dt.date(2025, 12, 3), TODAY, 12)
    assert not is_older_than(None, TODAY, 12)
