"""Facts in sentences: amounts, percentages, dates, deadlines and § references.

Why: a sponsor asking "Wie hoch ist die Förderung?" wants the sentence with
"bis zu 90 Prozent", not the one that explains the programme's purpose, and
embeddings alone do not see numbers.  So the sentence scorer boosts sentences
that contain the numbers the question names, or — when the question asks for an
amount or a date — any amount or date at all.

Pure text analysis, so it sits below both retrieval (its abstain confidence uses
``covers``) and answering.  The question words and patterns are data
(``domain/data/questions.yaml``).
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from assistant.domain import vocabulary

# The same sentences and questions are analysed on every search that reaches them (confidence,
# sentence scoring); results are immutable frozensets, so they are safe to remember.
_MEMO_SIZE = 8192
_Q = vocabulary.load("questions.yaml")


def _alternatives(key: str) -> str:
    return "|".join(_Q[key])


# Question words that say *which kind* of fact is asked, not what about: no topic evidence for
# the answer check (engine) or the fact coverage (retrieval confidence).  Analyse with the index analyzer.
FACT_QUESTION_WORDS: str = " ".join(_Q["fact_question_words"].split())

_MONTHS = "|".join(m[:1].upper() + m[1:] for name in _Q["months"] for m in name.split("|"))
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
_DEADLINE_WORDS = re.compile(rf"\b(?:{_alternatives('deadline_patterns')})\b", re.IGNORECASE)

# A count: a number (not a year) before a noun within two words ("rund 450 Arbeitsplätze",
# "1.200 neue Arbeits- und Ausbildungsplätze", "fünf Werkstätten"); units make it an amount or
# a duration instead.
_COUNT = re.compile(
    r"(?<![\d.,])(?!(?:19[5-9]\d|20\d\d)\b)"
    rf"(?:{_NUM}|\b(?:{_alternatives('count_number_words')})\b)"
    r"\s+(?:[a-zäöüß-]+\s+){0,2}"
    rf"(?!(?:{_alternatives('not_counted')})\w*)[A-ZÄÖÜ]"
)
_DURATION = re.compile(
    rf"\b(?:\d+|{_alternatives('duration_number_words')})\s+(?:weitere\s+)?(?:{_alternatives('duration_units')})\b"
    rf"|\b(?:{_alternatives('time_patterns')})",
    re.IGNORECASE,
)

_MONEY_AFTER = rf"(?:\w+\s+)?(?:\w+-)?(?:{_alternatives('money_words')})\b"
_AMOUNT_QUESTION = re.compile(
    rf"\bwie\s*viele\s+{_MONEY_AFTER}|"
    + "|".join(rf"\b{p}" for p in (*_Q["amount_question_patterns"], *_Q["amount_morpheme_patterns"])),
    re.IGNORECASE,
)
# "Wie viele Arbeitsplätze …?" asks for a count, not for money; "wie viele Mittel" stays an amount question.
_COUNT_QUESTION = re.compile(
    rf"\bwie\s*viele\b(?!\s+{_MONEY_AFTER})|\b(?:{_alternatives('count_question_words')})\b|"
    + "|".join(rf"\b{p}" for p in _Q["count_morpheme_patterns"]),
    re.IGNORECASE,
)
_DATE_QUESTION = re.compile("|".join(rf"\b{p}" for p in _Q["date_question_patterns"]), re.IGNORECASE)
_COUNT_QUESTION_EN = re.compile("|".join(rf"\b{p}" for p in _Q["english_count_question_patterns"]), re.IGNORECASE)
_AMOUNT_QUESTION_RANKING = re.compile(
    "|".join(rf"\b{p}" for p in (*_Q["english_amount_question_patterns"], *_Q["ranking_amount_question_patterns"])),
    re.IGNORECASE,
)
_PLACE_QUESTION = re.compile("|".join(rf"\b{p}" for p in _Q["place_question_patterns"]), re.IGNORECASE)
_PLACE = re.compile("|".join(_Q["place_patterns"]))
_FREE = re.compile(rf"\b(?:{_alternatives('free_patterns')})", re.IGNORECASE)
_DATE_QUESTION_EN = re.compile("|".join(rf"\b{p}" for p in _Q["english_date_question_patterns"]), re.IGNORECASE)
_MONTH_NUMBER = {m: i for i, names in enumerate(_Q["months"], 1) for m in names.split("|")}
_ACTOR_QUESTION = re.compile("|".join(rf"\b{p}" for p in _Q["actor_question_patterns"]), re.IGNORECASE)
_NOT_ACTOR_QUESTION = re.compile("|".join(rf"\b{p}" for p in _Q["actor_question_exclusions"]), re.IGNORECASE)
_ACTOR = re.compile("|".join(_Q["actor_patterns"]))


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
    """Which kinds of facts ``text`` contains: 'amount' (money, percent, free of charge), 'date'
    (dates, deadlines), 'count' (a number of things), 'actor' (a named organisation), 'place' (an address)."""
    kinds: set[str] = set()
    if _PERCENT.search(text) or _AMOUNT.search(text) or _FREE.search(text):
        kinds.add("amount")
    if _DATE.search(text) or _YEAR.search(text) or _DEADLINE_WORDS.search(text) or _DURATION.search(text):
        kinds.add("date")
    if _COUNT.search(text):
        kinds.add("count")
    if _ACTOR.search(text):
        kinds.add("actor")
    if _PLACE.search(text):
        kinds.add("place")
    return frozenset(kinds)


# "… ohne dass es etwas kostet?", "kostenlos?": asks whether something is free; no amount is wanted.
_FREE_QUESTION = re.compile(_alternatives("free_question_patterns"), re.IGNORECASE)


def same_word(a: str, b: str) -> bool:
    """Equal stems, or one a prefix of the other of at least 4 letters ("studi"/"studier")."""
    return a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)))


@functools.lru_cache(maxsize=_MEMO_SIZE)
def wanted_kinds(question: str, ranking: bool = False) -> frozenset[str]:
    """Kinds of facts the question asks for ("wie hoch" → amount, "bis wann" → date, "wie viele" → count).

    With ``ranking`` (sentence scoring only, not the answer checks) English question
    words count too ("how much", "when"), and so do questions for an organisation
    ("Wer bearbeitet …?"), which an answer naming groups of sponsors also answers, for a
    place ("Wo findet … statt?"), and words about paying ("Eintritt zahlen").
    """
    kinds: set[str] = set()
    amount = _AMOUNT_QUESTION.search(_FREE_QUESTION.sub(" ", question))
    if amount or (ranking and _AMOUNT_QUESTION_RANKING.search(question)):
        kinds.add("amount")
    if _DATE_QUESTION.search(question) or (ranking and _DATE_QUESTION_EN.search(question)):
        kinds.add("date")
    if _COUNT_QUESTION.search(question) or (ranking and _COUNT_QUESTION_EN.search(question)):
        kinds.add("count")
    if ranking and _ACTOR_QUESTION.search(question) and not _NOT_ACTOR_QUESTION.search(question):
        kinds.add("actor")
    if ranking and _PLACE_QUESTION.search(question):
        kinds.add("place")
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


_CONTACT_QUESTION = re.compile(rf"\b(?:{_alternatives('contact_question_patterns')})\b", re.IGNORECASE)
_CONTACT_FACT = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|\+?\d[\d /()-]{6,}\d")


MAX_WORDS_FOR_YEAR_CHECK = 25
_FIRST_PERSON = re.compile(rf"\b(?:{_alternatives('first_person_words')})\b", re.IGNORECASE)
_CLAUSE = re.compile(r"(?<=[.!?;,–])\s+")

# "Wer leitet …?", "Wer ist Werkstattsprecherin …?" ask for a person (checked by answer_check.person_on_topic).
_ROLE = _alternatives("person_role_patterns")
_VERBS = _alternatives("person_question_verbs")
_PERSON_QUESTION = re.compile(rf"\bwer\s+(?:{_VERBS})\b|\b(?:{_ROLE})\b", re.IGNORECASE)
_ROLE_WORD = re.compile(rf"\b(?:{_ROLE}|{_VERBS})\b", re.IGNORECASE)
# A person's name: after a title or form of address ("Prof. Dr. Anna Schmidt", "Frau Müller").
_PERSON = re.compile(rf"\b(?:{_alternatives('person_titles')})\s*(?:[\w.-]+\s+)?[A-ZÄÖÜ][a-zäöüß]+")
# "im Landkreis Nordsachsen": a district the question is about.
_DISTRICT = re.compile(rf"\b(?:{_alternatives('district_words')})\s+([A-ZÄÖÜ][\w-]+)")


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


def dates_in(text: str) -> list[dt.date]:
    """The calendar dates written in ``text`` ("21.10.2024", "26. November 2018", "2025-03-31")."""
    found: list[dt.date] = []
    for token in fact_tokens(text):
        if len(token) == 10 and token[4] == "-" and token[7] == "-":
            try:
                found.append(dt.date.fromisoformat(token))
            except ValueError:
                continue
    return sorted(found)
