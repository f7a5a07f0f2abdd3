"""German sentence splitting for funding and legal text, rule-based.

Why not pysbd: on our kind of text it splits "§ 3 Abs. | 2" and needs about two
seconds per 100,000 characters (the SGB III alone has 540,000).  The rules here
are few and explicit:

* Hard boundaries: blank lines, line breaks before list items, table rows,
  Markdown headings and paragraph markers like "(2)", and line breaks after a short
  line without closing punctuation (a heading, a name, a quote's attribution).
* A sentence ends at ``.``, ``!``, ``?`` or ``…`` (plus closing quotes/brackets)
  followed by whitespace and a character that can start a sentence (not a
  lowercase letter).
* A period does not end a sentence after a known abbreviation ("Abs.", "Nr.",
  "bzw.", "ca.", "Dr."; ``domain/data/sentences.yaml``), a word with an inner capital
  ("SächsABl."), inside a parenthesis opened shortly before ("(Kat. D)"), after
  a single letter ("z. B.", "d. h.", "u. a.", "S."),
  a dotted short form ("z.B."), a day or ordinal before a month name
  ("16. Juli 2020"), an ordinal after an article or preposition
  ("im 3. Quartal"), or an enumeration number at the start of a line ("1. Ziel").

:func:`sentence_spans` returns character offsets so the chunker can cut the
original text without copying or re-normalising it.
"""

from __future__ import annotations

import re

from assistant.domain import vocabulary

ABBREVIATIONS = frozenset(vocabulary.words("sentences.yaml", "abbreviations"))
# Abbreviations that often *end* a sentence: split when the next word is capitalised.
SENTENCE_FINAL_ABBREVIATIONS = frozenset(vocabulary.words("sentences.yaml", "sentence_final_abbreviations"))
MONTHS = frozenset(vocabulary.words("sentences.yaml", "months"))
ORDINAL_CONTEXT = frozenset(vocabulary.words("sentences.yaml", "ordinal_context"))
# A line this short without closing punctuation is a heading, a name or an attribution
# ("– Prof. Michael Hübner"): the next line starts a new sentence.
SHORT_LINE_CHARS = 60
MAX_PARENTHESIS_CHARS = 200  # a period inside "(…" this close to its opening does not end a sentence

_MONTH_NAMES = "Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"
_HARD_BREAK = re.compile(
    r"\n[ \t]*\n\s*"  # blank line
    r"|\n(?=[ \t]*(?:[-*+•▪◦‣–·o][ \t]|\(\d{1,3}[a-z]?\)[ \t]|[a-z]\)[ \t]|\||#{1,6}[ \t]))"
    rf"|\n(?=[ \t]*\d{{1,3}}[.)][ \t](?!(?:{_MONTH_NAMES})\b))"  # "1. Ziel", checked in _is_hard_break
)
_ENUM_LINE = re.compile(rf"[ \t]*\d{{1,3}}[.)][ \t](?!(?:{_MONTH_NAMES})\b)")
# Only where a punctuation run begins (lookbehind), so dot leaders "......" stay linear.
_END = re.compile(r"(?<![.!?…])[.!?…]+[\"'”“»«)\]*_]*(?=\s)")
_CLOSERS = "\"'”“»«)]*_"
_NEXT_WORD = re.compile(r"\s+([^\s]+)")
_DOTTED_SHORT = re.compile(r"^(?:[^\W\d_]{1,3}\.)+[^\W\d_]{1,3}\.?$")
_SINGLE_LETTER = re.compile(r"^[^\W\d_]$")
_INNER_CAPITAL = re.compile(r"^[A-ZÄÖÜ][a-zäöüß]+[A-ZÄÖÜ][\w]*$")  # "SächsABl", "BGBl"
_LINE_END_PUNCT = ".!?…:;,\"'”“»«)]"


def _inside_parenthesis(text: str, block_start: int, at: int) -> bool:
    """Whether ``at`` lies inside a parenthesis opened at most MAX_PARENTHESIS_CHARS before."""
    window = text[max(block_start, at - MAX_PARENTHESIS_CHARS) : at]
    return window.count("(") > window.count(")")


def _word_start(text: str, floor: int, end: int) -> int:
    """Start of the non-space run that ends at ``end`` (scanning back, never below ``floor``)."""
    start = end
    while start > floor and not text[start - 1].isspace():
        start -= 1
    return start


def _is_boundary(text: str, block_start: int, punct_start: int, end: int, punct: str) -> bool:
    """Decide whether the punctuation run ``punct`` (at ``punct_start``, match ending at ``end``) ends a sentence."""
    nxt = _NEXT_WORD.match(text, end)
    if not nxt:
        return False
    next_word = nxt.group(1)
    first = next_word[0]
    if first.islower():
        return False
    if punct != ".":
        return True  # "!", "?", "…", "..." end sentences whenever the next word can start one
    word_start = _word_start(text, block_start, punct_start)
    word = text[word_start:punct_start].lstrip("(„\"'[*_")  # "**1. Januar**" is Markdown bold
    if not word:
        return True
    bare = word.lower().rstrip(".")
    next_bare = next_word.strip(".,;:()„“\"'*_").lower()
    if bare in SENTENCE_FINAL_ABBREVIATIONS:
        return first.isupper()
    if bare in ABBREVIATIONS or _SINGLE_LETTER.match(word) or _DOTTED_SHORT.match(word) or _INNER_CAPITAL.match(word):
        return False
    if _inside_parenthesis(text, block_start, punct_start):
        return False
    if word.isdigit():
        if next_bare in MONTHS:
            return False  # "16. Juli 2020"
        line_start = text.rfind("\n", block_start, word_start) + 1
        if not text[max(line_start, block_start):word_start].strip():
            return False  # enumeration "1. Ziel" at the start of a line/block
        if len(word) <= 3:
            prev_end = word_start
            while prev_end > block_start and text[prev_end - 1].isspace():
                prev_end -= 1
            prev_word = text[_word_start(text, block_start, prev_end):prev_end]
            if prev_word.lower() in ORDINAL_CONTEXT:
                return False  # "im 3. Quartal", "der 2. Abschnitt"
    return True


def _block_spans(text: str, start: int, stop: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    sent_start = start
    for match in _END.finditer(text, start, stop):
        end = match.end()
        if _is_boundary(text, start, match.start(), end, match.group(0).rstrip(_CLOSERS)):
            spans.append((sent_start, end))
            sent_start = end
    spans.append((sent_start, stop))
    trimmed = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            trimmed.append((s, e))
    return trimmed


def _is_hard_break(text: str, brk: re.Match[str]) -> bool:
    """A numbered line starts an item, unless it is just a wrapped line ("bis zum\\n31. Dezember").

    It counts as an item when the previous line is an item too or does not end
    mid-phrase (lowercase letter or comma).
    """
    if not _ENUM_LINE.match(text, brk.start() + 1):
        return True
    prev_line_start = text.rfind("\n", 0, brk.start()) + 1
    if _ENUM_LINE.match(text, prev_line_start):
        return True
    prev_char = text[brk.start() - 1] if brk.start() > 0 else "\n"
    return not (prev_char.islower() or prev_char == ",")


def _short_line_breaks(text: str) -> list[tuple[int, int]]:
    """Line breaks after a short line without closing punctuation, before an uppercase start."""
    out = []
    for m in _LINE_BREAK.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        line = text[line_start : m.start()].strip()
        if line and len(line) < SHORT_LINE_CHARS and line[-1] not in _LINE_END_PUNCT:
            out.append(m.span())
    return out


_LINE_BREAK = re.compile(r"\n(?=[ \t]*[A-ZÄÖÜ„\"–-])")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of sentences in ``text``, whitespace excluded, in order."""
    breaks = sorted({b.span() for b in _HARD_BREAK.finditer(text) if _is_hard_break(text, b)} | set(_short_line_breaks(text)))
    spans: list[tuple[int, int]] = []
    block_start = 0
    for start, end in breaks:
        if start < block_start:
            continue  # inside a break already taken (a blank line also matches the short-line rule)
        spans.extend(_block_spans(text, block_start, start))
        block_start = end
    spans.extend(_block_spans(text, block_start, len(text)))
    return spans


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` as substrings (inner line breaks kept, outer whitespace stripped)."""
    return [text[s:e] for s, e in sentence_spans(text)]
