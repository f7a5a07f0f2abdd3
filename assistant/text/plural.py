"""German counts with the right noun form: "1 Dokument", "2 Dokumente", "in 1 Tag", "in 3 Tagen".

Every surface that prints a number with a noun goes through ``count``; "1 Dokumente" was
the visible sign that one place did not.
"""

from __future__ import annotations

# noun (plural form as written after a number) → singular
_SINGULAR = {
    "Dokumente": "Dokument",
    "Abschnitte": "Abschnitt",
    "Abschnitten": "Abschnitt",
    "Dateien": "Datei",
    "Monate": "Monat",
    "Monaten": "Monat",
    "Tage": "Tag",
    "Tagen": "Tag",
    "Sekunden": "Sekunde",
    "Treffer": "Treffer",
    "Fragen": "Frage",
    "Zeichen": "Zeichen",
    "Werte": "Wert",
    "Sätze": "Satz",
    "Sätzen": "Satz",
    "Wörter": "Wort",
}


def count(n: float, plural: str) -> str:
    """``n`` and the noun in the form that fits: ``count(1, "Dokumente")`` → "1 Dokument"."""
    number = f"{n:g}" if isinstance(n, float) else str(n)
    return f"{number} {_SINGULAR.get(plural, plural) if n == 1 else plural}"
