"""What the bot says that is not an answer: welcome, help, prompts, notices (German)."""

from __future__ import annotations

from assistant.doors.telegram.render import (
    esc,
)

EXAMPLES = (
    "Wie hoch ist die Förderquote bei STARK?",
    "Was wird nach dem Investitionsgesetz Kohleregionen gefördert?",
    "Wer berät Projektträger im Mitteldeutschen Revier?",
)


COMMANDS = (
    ("start", "Begrüßung und Beispiele"),
    ("hilfe", "Was ich kann und wie man mich fragt"),
    ("suche", "Dokumente zu einem Begriff finden, z. B. /suche STARK"),
    ("projekt", "Ein Vorhaben beschreiben und passende Förderung finden"),
    ("quellen", "Quellen der letzten Antwort zeigen"),
    ("neu", "Gespräch vergessen und neu anfangen"),
)


WELCOME = (
    "<b>Willkommen beim Revierlotsen!</b>\n\n"
    "Ich beantworte Fragen zu Förderprogrammen, Strukturstrategien, Projekten und Ansprechpartnern "
    "im Strukturwandel der Kohleregionen – vor allem im Mitteldeutschen Revier und in der Lausitz. "
    "Jede Antwort nennt ihre Quellen; wenn ich etwas nicht sicher weiß, sage ich es.\n\n"
    "<b>Zum Beispiel:</b>\n" + "\n".join(f"• {esc(q)}" for q in EXAMPLES) + "\n\n"
    "Schreiben Sie einfach Ihre Frage. Mit /projekt prüfe ich ein Vorhaben, "
    "mit /suche finde ich Dokumente, /hilfe zeigt alle Befehle.\n\n"
    "<i>Datenschutz: Für die Nutzungsstatistik speichere ich nur die Texte der Fragen – "
    "keine Namen und keine Telefonnummern.</i>"
)


HELP = (
    "<b>So hilft Ihnen der Revierlotse</b>\n\n"
    "Stellen Sie eine Frage in ganzen Sätzen; Nachfragen wie „Und in der Lausitz?“ verstehe ich "
    "im Zusammenhang. Unter jeder Antwort finden Sie Schaltflächen für weitere Treffer, die Quellen "
    "und Ihre Bewertung.\n\n"
    + "\n".join(f"/{name} – {esc(text)}" for name, text in COMMANDS)
    + "\n\nIn Gruppen antworte ich auf Befehle, auf Nachrichten, die mich mit @Namen erwähnen, "
    "und auf Antworten auf meine Nachrichten.\n\n"
    "<i>Ich gebe Auskunft aus einem geprüften Wissensbestand, aber keine verbindliche Förderberatung. "
    "Maßgeblich sind die Richtlinien und die Förderstellen.</i>"
)


APOLOGY = "Entschuldigung, da ist bei mir etwas schiefgegangen. Bitte versuchen Sie es in einem Moment noch einmal."


RATE_LIMIT_NOTICE = (
    "Sie schreiben mir gerade sehr schnell. Bitte warten Sie etwa {seconds} – "
    "dann beantworte ich gern die nächste Frage."
)


EXPIRED = "Diese Schaltfläche ist abgelaufen. Bitte stellen Sie die Frage noch einmal."


PROJECT_PROMPT = (
    "Beschreiben Sie Ihr Vorhaben in ein paar Sätzen: Was wollen Sie tun, wer ist Träger, wo "
    "(Landkreis oder Revier) und in welchem Umfang? Ich suche dann passende Förderprogramme "
    "und Ansprechpartner.{region}"
)
