"""Facts in sentences: amounts, percentages, dates, deadlines and § references.

Why: a sponsor asking "Wie hoch ist die Förderung?" wants the sentence with
"bis zu 90 Prozent", not the one that explains the programme's purpose, and
embeddings alone do not see numbers.  So the sentence scorer boosts sentences
that contain the numbers the question names, or — when the question asks for an
amount or a date — any amount or date at all.

Pure text analysis with no dependencies, so it sits below both retrieval (its
abstain confidence uses ``covers``) and answering.
"""

from __future__ import annotations

import functools
import re

# The same sentences and questions are analysed on every search that reaches them (confidence,
# sentence scoring); results are immutable frozensets, so they are safe to remember.
_MEMO_SIZE = 8192
# Question words that say *which kind* of fact is asked, not what about: no topic evidence for
# the answer check (engine) or the fact coverage (retrieval confidence).  In a funding assistant
# "Wie hoch ist die Förderquote?" is the plain amount question; analyse with the index analyzer.
FACT_QUESTION_WORDS = (
    "wie hoch viel viele wann lange bis ab groß aktuell aktuelle genau derzeit heute insgesamt jahr "
    "anzahl läuft laufen gilt gelten dauert dauern budget kosten kostet beim vom zum zur im am ins "
    "förderung förderhöhe förderquote fördersatz quote höhe betrag summe geld"
)

_MONTHS = (
    "Januar|Februar|März|Maerz|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"
)
_NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"

_PERCENT = re.compile(rf"({_NUM})\s*(?:%|Prozent\b|v\.\s?H\.)", re.IGNORECASE)
_AMOUNT = re.compile(
    rf"({_NUM})\s*(Mio\.?|Millionen|Mrd\.?|Milliarden|Tsd\.?|Tausend)?\s*(?:Euro\b|EUR\b|€)"
    rf"|({_NUM})\s*(Mio\.|Millionen|Mrd\.|Milliarden)",
    re.IGNORECASE,
)
_DATE = re.compile(
    rf"\b(\d{{1,2}})\.\s?(\d{{1,2}})\.\s?(\d{{4}}|\d{{2}})\b"
    rf"|\b(\d{{1,2}})\.\s?({_MONTHS})\s+(\d{{4}})\b"
    rf"|\b(\d{{4}})-(\d{{2}})-(\d{{2}})\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_PARAGRAPH = re.compile(r"(§§?|Art\.|Artikel)\s*(\d+[a-z]?)", re.IGNORECASE)
_NUMBER = re.compile(rf"(?<![\d.,])(?:{_NUM})(?![\d])")
_DEADLINE_WORDS = re.compile(
    r"\b(?:Frist\w*|Stichtag\w*|Einreichungsfrist\w*|laufend\w*|jederzeit|bis\s+(?:zum|spätestens)|"
    r"Förderaufruf\w*|Antragsschluss|endet|befristet)\b",
    re.IGNORECASE,
)

_NUMBER_WORDS = r"(?:\d+|ein|eine|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|zwölf)"
# A count: a number (not a year) before a noun within two words ("rund 450 Arbeitsplätze",
# "1.200 neue Arbeits- und Ausbildungsplätze", "fünf Werkstätten"); units make it an amount or
# a duration instead.
_COUNT = re.compile(
    r"(?<![\d.,])(?!(?:19[5-9]\d|20\d\d)\b)"
    rf"(?:{_NUM}|\b(?:zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf)\b)"
    r"\s+(?:[a-zäöüß-]+\s+){0,2}"
    r"(?!(?:Prozent|Euro|EUR|Mio|Millionen|Mrd|Milliarden|Tsd|Tausend|Jahr|Monat|Woche|Tag|Uhr"
    r"|Meter|Kilometer|Hektar|Quadratmeter)\w*)[A-ZÄÖÜ]"
)
_DURATION = re.compile(rf"\b{_NUMBER_WORDS}\s+(?:weitere\s+)?(?:Jahre?n?|Monate?n?|Wochen?|Tage?n?)\b", re.IGNORECASE)

# "wie viele (JTF-)Mittel", "wie viele Milliarden Euro": money, so an amount question.
_MONEY_AFTER = r"(?:\w+\s+)?(?:\w+-)?(?:mittel|fördermittel|gelder|euro|millionen|milliarden|mio|mrd|prozent)\b"
_AMOUNT_QUESTION = re.compile(
    rf"\bwie\s*viele\s+{_MONEY_AFTER}|\bwie\s+(?:hoch|viel|groß)\b|\bwelche\s+(?:summe|höhe|förderquote)\b|"
    r"\bhöhe\b|\bförderquote\b|"
    r"\bbetrag\b|\bmaximal\b|\bwieviel\b|\bkoste[nt]?\b|\w*preis\b|\bmiete\b|\bzinssatz\b|\w*budget\b",
    re.IGNORECASE,
)
# "Wie viele Arbeitsplätze …?" asks for a count, not for money (those were refused for want of an
# amount); "wie viele Mittel/Milliarden Euro" stays an amount question (above).
_COUNT_QUESTION = re.compile(rf"\bwie\s*viele\b(?!\s+{_MONEY_AFTER})|\banzahl\b", re.IGNORECASE)
_DATE_QUESTION = re.compile(
    r"\bbis\s+wann\b|\bwann\b|\bab\s+wann\b|\bfrist\w*\b|\bstichtag\w*\b|\bdeadline\b|\blaufzeit\b|\bwie\s+lange\b",
    re.IGNORECASE,
)
# English questions: only for ranking sentences (the answer checks in covers() stay German-only,
# since English question words cannot be found in the German sources anyway).
_COUNT_QUESTION_EN = re.compile(r"\bhow\s+many\b|\bnumber\s+of\b", re.IGNORECASE)
_AMOUNT_QUESTION_EN = re.compile(r"\bhow\s+(?:much|high)\b|\bmaximum\b|\bfunding\s+rate\b|\binterest\s+rate\b", re.I)
_DATE_QUESTION_EN = re.compile(r"\bwhen\b|\bhow\s+long\b|\bdeadline\b", re.IGNORECASE)
_MONTH_NUMBER = {
    m.lower(): i
    for i, names in enumerate(
        (
            "januar",
            "februar",
            "märz|maerz",
            "april",
            "mai",
            "juni",
            "juli",
            "august",
            "september",
            "oktober",
            "november",
            "dezember",
        ),
        1,
    )
    for m in names.split("|")
}


def _num(text: str) -> str:
    """'14.000' → '14000', '2,5' → '2.5' (German decimal comma)."""
    text = re.sub(r"\.(?=\d{3}\b)", "", text)
    return text.replace(",", ".")


@functools.lru_cache(maxsize=_MEMO_SIZE)
def fact_tokens(text: str) -> frozenset[str]:
    """Normalised fact tokens of ``text``: '90%', '14mrd', '2020-07-16', '§2', '2038', '4' …"""
    tokens: set[str] = set()
    for m in _PERCENT.finditer(text):
        tokens.add(_num(m.group(1)) + "%")
    for m in _AMOUNT.finditer(text):
        value = _num(m.group(1) or m.group(3))
        unit = (m.group(2) or m.group(4) or "").lower()
        scale = "mrd" if unit.startswith(("mrd", "milliard")) else "mio" if unit.startswith(("mio", "million")) else ""
        tokens.add(value + scale)
    for m in _DATE.finditer(text):
        if m.group(1):
            year = m.group(3) if len(m.group(3)) == 4 else "20" + m.group(3)
            tokens.add(f"{year}-{int(m.group(2)):02d}-{int(m.group(1)):02d}")
        elif m.group(4):
            month = _MONTH_NUMBER.get(m.group(5).lower(), 0)
            tokens.add(f"{m.group(6)}-{month:02d}-{int(m.group(4)):02d}")
        else:
            tokens.add(f"{m.group(7)}-{m.group(8)}-{m.group(9)}")
    for m in _PARAGRAPH.finditer(text):
        prefix = "§" if m.group(1).startswith("§") else "art"
        tokens.add(prefix + m.group(2).lower())
    tokens.update(_YEAR.findall(text))
    tokens.update(_num(m.group()) for m in _NUMBER.finditer(text))
    return frozenset(tokens)


@functools.lru_cache(maxsize=_MEMO_SIZE)
def fact_kinds(text: str) -> frozenset[str]:
    """Which kinds of facts ``text`` contains: 'amount' (money, percent), 'date' (dates, deadlines),
    'count' (a number of things)."""
    kinds: set[str] = set()
    if _PERCENT.search(text) or _AMOUNT.search(text):
        kinds.add("amount")
    if _DATE.search(text) or _YEAR.search(text) or _DEADLINE_WORDS.search(text) or _DURATION.search(text):
        kinds.add("date")
    if _COUNT.search(text):
        kinds.add("count")
    return frozenset(kinds)


# "… ohne dass es etwas kostet?", "kostenlos?": asks whether something is free, which "unentgeltlich"
# answers; no amount is wanted.
_FREE_QUESTION = re.compile(r"\bohne\b[^.?!]{0,40}\bkoste[nt]?\b|\bkosten(?:los|frei)\b|\bumsonst\b", re.I)


def same_word(a: str, b: str) -> bool:
    """Equal stems, or one a prefix of the other of at least 4 letters ("studi"/"studier")."""
    return a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)))


@functools.lru_cache(maxsize=_MEMO_SIZE)
def wanted_kinds(question: str, ranking: bool = False) -> frozenset[str]:
    """Kinds of facts the question asks for ("wie hoch" → amount, "bis wann" → date, "wie viele" → count).

    With ``ranking`` (sentence scoring only, not the answer checks) English question
    words count too ("how much", "when").
    """
    kinds: set[str] = set()
    amount = _AMOUNT_QUESTION.search(_FREE_QUESTION.sub(" ", question))
    if amount or (ranking and _AMOUNT_QUESTION_EN.search(question)):
        kinds.add("amount")
    if _DATE_QUESTION.search(question) or (ranking and _DATE_QUESTION_EN.search(question)):
        kinds.add("date")
    if _COUNT_QUESTION.search(question) or (ranking and _COUNT_QUESTION_EN.search(question)):
        kinds.add("count")
    return frozenset(kinds)


def fact_boost(question: str, sentence: str, *, q_tokens: set[str] | None = None, wanted: set[str] | None = None) -> float:
    """0…1: 1 when the sentence repeats a number/§/date of the question or has the kind of fact asked for."""
    q_tokens = fact_tokens(question) if q_tokens is None else q_tokens
    wanted = wanted_kinds(question) if wanted is None else wanted
    boost = 0.0
    if q_tokens and q_tokens & fact_tokens(sentence):
        boost = 1.0
    if wanted and wanted & fact_kinds(sentence):
        boost = max(boost, 1.0 if len(wanted) == 1 else 0.8)
    return boost


_CONTACT_QUESTION = re.compile(r"\b(?:telefon\w*|e-?mail\w*|mail-?adresse|durchwahl)\b", re.IGNORECASE)
_CONTACT_FACT = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|\+?\d[\d /()-]{6,}\d")


MAX_WORDS_FOR_YEAR_CHECK = 25
_FIRST_PERSON = re.compile(r"\b(?:wir|uns|unser\w*|ich|mein\w*|mir|mich)\b", re.IGNORECASE)
_CLAUSE = re.compile(r"(?<=[.!?;,–])\s+")

# "Wer leitet …?", "Wer ist Werkstattsprecherin …?" ask for a person (checked in the engine's _fact_on_topic).
# Not "Ansprechpartner": that is often an office ("Wer ist Ansprechpartner für STARK in Sachsen?" → the
# SAS), and requiring a named person refused it.
_ROLE = r"\w*(?:leiter|sprecher|vorsitzende|geschäftsführer|sachbearbeiter)\w*"
_PERSON_QUESTION = re.compile(rf"\bwer\s+(?:leitet|führt|koordiniert)\b|\b{_ROLE}\b", re.IGNORECASE)
_ROLE_WORD = re.compile(rf"\b(?:{_ROLE}|leitet|führt|koordiniert)\b", re.IGNORECASE)
# A person's name: after a title or form of address ("Prof. Dr. Anna Schmidt", "Frau Müller").
_PERSON = re.compile(r"\b(?:Prof\.|Dr\.|Dipl\.|Herr|Frau|Minister\w*|Staatssekretär\w*)\s*(?:[\w.-]+\s+)?[A-ZÄÖÜ][a-zäöüß]+")
# "im Landkreis Nordsachsen": a district the question is about.
_DISTRICT = re.compile(r"\b(?:Landkreis(?:es)?|Kreis(?:es)?)\s+([A-ZÄÖÜ][\w-]+)")


def asks_person(question: str) -> bool:
    return bool(_PERSON_QUESTION.search(question))


def names_person(text: str) -> bool:
    return bool(_PERSON.search(text))


def role_words(question: str) -> list[str]:
    """The words that say a person is asked for ("Werkstattsprecherin", "leitet")."""
    return [m.group() for m in _ROLE_WORD.finditer(question)]



def covers(question: str, statements: list[str], context: str = "") -> bool:
    """Whether the chosen statements can answer a question that asks for a specific fact.

    Why: most questions the knowledge base cannot answer are about a known topic
    but a fact it does not hold ("Wie hoch ist das Budget für 2026?").  Retrieval is
    confident then, so we check the answer itself: a "wie hoch/bis wann" question
    needs an amount/date in the statements, a year the question names must occur
    in them (or in ``context``: titles, headings), and a question for a phone number
    or e-mail needs one.
    """
    joined = " ".join(statements)
    wanted = wanted_kinds(question)
    have = fact_kinds(joined)
    if wanted and not wanted & have:
        return False
    # A year in a short question asks about that year; in a project description it is a plan ("2027 starten").
    short = len(question.split()) <= MAX_WORDS_FOR_YEAR_CHECK
    years = set(_YEAR.findall(question)) if short else set()
    if years and not years <= set(_YEAR.findall(joined + " " + context)):
        return False
    # Likewise any number a short question names ("das 20. Expertentreffen", "KfW 208") — unless the
    # asker says it of themselves ("Wir haben 180 Mitarbeiter"): that describes them, it is not asked.
    asked = " ".join(s for s in _CLAUSE.split(question) if not _FIRST_PERSON.search(s))
    numbers = {_num(m.group()) for m in _NUMBER.finditer(asked)} if short else set()
    if numbers and not numbers <= {_num(m.group()) for m in _NUMBER.finditer(joined + " " + context)}:
        return False
    districts = _DISTRICT.findall(question) if short else []
    if any(d.casefold() not in (joined + " " + context).casefold() for d in districts):
        return False
    if _CONTACT_QUESTION.search(question) and not _CONTACT_FACT.search(joined):
        return False
    return True
