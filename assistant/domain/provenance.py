"""Where a document's facts come from, how old they are, and whether one can still apply.

Why one module: the loader (warnings while indexing), the answers (notices), the
project check (closed programmes apart) and the editors' review list all ask the
same questions of a document's front matter — is ``source_url`` a real source or
a start page, is ``stand`` plausible, is the programme open, ending or over.  The
answers must agree everywhere, so the rules live here and nowhere else.

Field meanings (``corpus/README.md``): ``stand`` = when an editor last checked the
document's facts; ``quelle_stand`` = version date of the guideline or law;
``status`` = offen | geschlossen | ausgelaufen; ``gueltig_bis`` = when the
application window or the guideline ends; ``frist`` = the deadline as text.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, urlsplit

from assistant.domain import vocabulary
from assistant.domain.doctypes import DocType
from assistant.domain.documents import DocumentMetadata

State = Literal["offen", "geschlossen", "ausgelaufen", "unbekannt"]
CLOSED_STATES: frozenset[str] = frozenset({"geschlossen", "ausgelaufen"})

_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_GERMAN = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")
_LANGUAGE = re.compile(r"^[a-z]{2}(?:[-_][a-z]{2})?$")


def german_date(date: dt.date) -> str:
    return date.strftime("%d.%m.%Y")


def months_before(today: dt.date, months: int) -> dt.date:
    """The date ``months`` calendar months before ``today`` (day clipped to the month's end)."""
    y, m = divmod(today.year * 12 + today.month - 1 - months, 12)
    month = m + 1
    for day in (today.day, 30, 29, 28):
        try:
            return dt.date(y, month, day)
        except ValueError:
            continue
    return dt.date(y, month, 28)


def is_older_than(stand: dt.date | None, today: dt.date, months: int) -> bool:
    """Whether a ``stand`` is more than ``months`` calendar months before ``today`` (False when unknown)."""
    return stand is not None and stand < months_before(today, months)


def parse_frist(frist: str | None) -> dt.date | None:
    """The last date in a ``frist`` field ('2025-03-31', '31.03.2025'); None for 'laufend' and the like."""
    if not frist:
        return None
    dates: list[dt.date] = []
    for y, m, d in _ISO.findall(frist):
        try:
            dates.append(dt.date(int(y), int(m), int(d)))
        except ValueError:
            pass
    for d, m, y in _GERMAN.findall(frist):
        try:
            dates.append(dt.date(int(y), int(m), int(d)))
        except ValueError:
            pass
    return max(dates) if dates else None


# --- links ------------------------------------------------------------------------


@functools.cache
def _homepage_words() -> tuple[frozenset[str], frozenset[str]]:
    data = vocabulary.load("provenance.yaml")
    return (
        frozenset(p.lower() for p in data["homepage_pages"]),
        frozenset(p.lower() for p in data["language_parameters"]),
    )


def is_homepage(url: str) -> bool:
    """Whether ``url`` is a site's start page rather than the page of one programme, guideline or law.

    Start pages: no path, ``/``, a bare language path (``/de/``, ``/de-de``), or one of
    those followed by an index page (``/index.html``, ``/de/startseite``) — unless a
    query picks a page (``/?p=875``); a query that only picks the language does not.
    """
    parts = urlsplit(url.strip())
    pages, language_parameters = _homepage_words()
    query = [key for key, _ in parse_qsl(parts.query, keep_blank_values=True) if key.lower() not in language_parameters]
    if query:
        return False
    segments = [s for s in parts.path.lower().split("/") if s]
    if segments and segments[-1] in pages:
        segments.pop()
    return all(_LANGUAGE.match(s) for s in segments)


def url_problem(url: str | None) -> str | None:
    """What is wrong with a ``source_url`` as an official source (German), or None."""
    if not url:
        return (
            "Feld „source_url“ fehlt: niemand kann die Angaben nachprüfen. "
            "Bitte den Link zur Programmseite, Richtlinie oder zum Gesetz eintragen."
        )
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return f"Feld „source_url“ ({url}) ist kein Link (http/https). Bitte die vollständige Adresse eintragen."
    if is_homepage(url):
        return (
            f"Feld „source_url“ ({url}) zeigt auf eine Startseite, nicht auf die Fundstelle. "
            "Bitte den Link zur Programmseite, Richtlinie oder zum Gesetz eintragen."
        )
    return None


# --- can one apply? ------------------------------------------------------------------


@dataclass(frozen=True)
class Availability:
    """Whether applications are possible, by ``status``, ``gueltig_bis`` and ``frist``.

    ``reason`` completes "laut Wissensbestand …" ("ist das Programm ausgelaufen (gültig bis
    31.12.2024)"); ``ends`` is the next end date still ahead (for "ending soon").
    """

    state: State
    reason: str = ""
    ends: dt.date | None = None
    days_left: int | None = None

    @property
    def closed(self) -> bool:
        """No applications possible now (closed, expired, or the deadline has passed)."""
        return self.state in CLOSED_STATES

    def ending_within(self, days: int) -> bool:
        return not self.closed and self.days_left is not None and self.days_left <= days


def availability(meta: DocumentMetadata, today: dt.date) -> Availability:
    """The one rule for "can one apply now?" — used by answers, the project check and the review list.

    Ausgelaufen (status, or ``gueltig_bis`` passed — whatever ``status`` says) wins over
    geschlossen (status, or the last ``frist`` date passed); otherwise ``status: offen``
    is open and no status is unknown (most documents are not programmes).
    """
    frist = parse_frist(meta.frist)
    if meta.status == "ausgelaufen":
        until = f" (gültig bis {german_date(meta.gueltig_bis)})" if meta.gueltig_bis else ""
        return Availability("ausgelaufen", f"ist das Programm ausgelaufen{until}")
    if meta.gueltig_bis is not None and meta.gueltig_bis < today:
        return Availability("ausgelaufen", f"ist die Laufzeit am {german_date(meta.gueltig_bis)} abgelaufen")
    if meta.status == "geschlossen":
        return Availability("geschlossen", "ist das Programm geschlossen")
    if frist is not None and frist < today:
        return Availability("geschlossen", f"ist die Frist am {german_date(frist)} abgelaufen")
    ahead = [d for d in (meta.gueltig_bis, frist) if d is not None and d >= today]
    ends = min(ahead) if ahead else None
    state: State = "offen" if meta.status == "offen" else "unbekannt"
    return Availability(state, "", ends, (ends - today).days if ends else None)


# --- front matter checks --------------------------------------------------------------


def provenance_warnings(meta: DocumentMetadata, today: dt.date) -> list[str]:
    """Problems with a document's provenance, as German warnings for the index report and the review list.

    Shipped documents must have none (tests/ingest/test_provenance.py); uploads
    and fetched sources get them as hints for the editor.
    """
    warnings: list[str] = []
    problem = url_problem(meta.source_url)
    if problem:
        warnings.append(problem)
    if meta.stand is None:
        warnings.append(
            "Feld „stand“ fehlt: Antworten können nicht sagen, wie alt die Angaben sind. "
            "Bitte das Datum eintragen, an dem die Fakten zuletzt geprüft wurden."
        )
    elif meta.stand > today:
        warnings.append(
            f"Feld „stand“ ({german_date(meta.stand)}) liegt in der Zukunft. "
            "Bitte das Datum der letzten Prüfung eintragen."
        )
    if meta.quelle_stand is not None:
        if meta.quelle_stand > today:
            warnings.append(
                f"Feld „quelle_stand“ ({german_date(meta.quelle_stand)}) liegt in der Zukunft. "
                "Bitte das Datum der Fassung der Richtlinie oder des Gesetzes eintragen."
            )
        elif meta.stand is not None and meta.quelle_stand > meta.stand:
            warnings.append(
                f"Die Quelle ist vom {german_date(meta.quelle_stand)} („quelle_stand“), die Angaben wurden aber "
                f"zuletzt am {german_date(meta.stand)} geprüft („stand“). Bitte gegen die neue Fassung prüfen "
                "und „stand“ aktualisieren."
            )
    warnings.extend(_status_warnings(meta, today))
    return warnings


def _status_warnings(meta: DocumentMetadata, today: dt.date) -> list[str]:
    out: list[str] = []
    if meta.type == DocType.FOERDERPROGRAMM and meta.status is None:
        out.append(
            "Förderprogramm ohne Feld „status“ (offen, geschlossen, ausgelaufen): Antworten können nicht sagen, "
            "ob Anträge möglich sind. Bitte den Status laut Programmseite eintragen."
        )
    frist = parse_frist(meta.frist)
    if meta.status == "offen" and meta.gueltig_bis is not None and meta.gueltig_bis < today:
        out.append(
            f"„status: offen“, aber „gueltig_bis“ ({german_date(meta.gueltig_bis)}) ist vorbei. Bitte prüfen, ob "
            "das Programm verlängert wurde („gueltig_bis“ ändern) oder „status: ausgelaufen“ setzen."
        )
    elif meta.status == "offen" and frist is not None and frist < today:
        out.append(
            f"„status: offen“, aber die Frist ({german_date(frist)}) ist vorbei. Bitte die Frist aktualisieren "
            "oder „status: geschlossen“ setzen."
        )
    if meta.status == "ausgelaufen" and meta.gueltig_bis is not None and meta.gueltig_bis > today:
        out.append(
            f"„status: ausgelaufen“, aber „gueltig_bis“ ({german_date(meta.gueltig_bis)}) liegt in der Zukunft. "
            "Bitte eines von beiden korrigieren."
        )
    return out
