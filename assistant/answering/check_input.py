"""What a project description needs before a project check can say anything about it.

One word ("Kita") or two ("Makerspace Weißwasser") name a topic, not a project: the check
then lists whatever shares that word, with reasons that cannot connect to a project.  A
description needs at least ``MIN_WORDS`` words that carry meaning (stop words do not count);
the search tab is the place for keywords.
"""

from __future__ import annotations

from assistant.errors import DescriptionTooShort, EmptyQuery
from assistant.text.analyzer import GermanAnalyzer
from assistant.text.plural import count

MIN_WORDS = 3

_ANALYZER = GermanAnalyzer(split_compounds=False)


def check_description(description: str) -> None:
    """Raise with a German message when ``description`` is empty or too short to check."""
    if not description or not description.strip():
        raise EmptyQuery("Die Projektbeschreibung ist leer. Bitte das Vorhaben in einigen Sätzen beschreiben.")
    words = [w for w in _ANALYZER.words(description) if _ANALYZER.analyze(w)]
    if len(words) < MIN_WORDS:
        raise DescriptionTooShort(
            f"Die Projektbeschreibung ist zu kurz für einen Projekt-Check ({count(len(words), 'Wörter')}). Bitte in "
            "ein, zwei Sätzen beschreiben, wer das Vorhaben trägt, wo es liegt und was entstehen soll – z. B. "
            "„Unser Verein in Weißwasser möchte einen digitalen Makerspace für Jugendliche einrichten.“ "
            "Für einzelne Stichwörter ist die Suche da."
        )
