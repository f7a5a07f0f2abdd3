"""The kinds of document in the knowledge base and their German names."""

from __future__ import annotations

from enum import StrEnum


class DocType(StrEnum):
    """``type`` in a document's front matter; compares equal to its plain string."""

    STRATEGIE = "strategie"
    FOERDERPROGRAMM = "foerderprogramm"
    PROJEKT = "projekt"
    AKTEUR = "akteur"
    VERANSTALTUNG = "veranstaltung"
    DOKUMENT = "dokument"

    @property
    def label(self) -> str:
        """German name for staff and sponsors ("Förderprogramm")."""
        return _LABELS[self]

    @property
    def plural(self) -> str:
        return _PLURALS[self]


_LABELS = {
    DocType.STRATEGIE: "Strategie",
    DocType.FOERDERPROGRAMM: "Förderprogramm",
    DocType.PROJEKT: "Projekt",
    DocType.AKTEUR: "Akteur",
    DocType.VERANSTALTUNG: "Veranstaltung",
    DocType.DOKUMENT: "Dokument",
}
_PLURALS = {
    DocType.STRATEGIE: "Strategien",
    DocType.FOERDERPROGRAMM: "Förderprogramme",
    DocType.PROJEKT: "Projekte",
    DocType.AKTEUR: "Akteure",
    DocType.VERANSTALTUNG: "Veranstaltungen",
    DocType.DOKUMENT: "Dokumente",
}


def type_label(value: str | None) -> str:
    """German label of a type value; unknown values are shown capitalised."""
    try:
        return DocType(value).label
    except ValueError:
        return value.capitalize() if value else DocType.DOKUMENT.label


def allowed_types() -> str:
    """The allowed ``type`` values for messages ("strategie, foerderprogramm, …")."""
    return ", ".join(t.value for t in DocType)
