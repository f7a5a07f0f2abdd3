"""German sentence splitting for funding and legal text, rule-based.

Why not pysbd: on our kind of text it splits "§ 3 Abs. | 2" and needs about two
seconds per 100,000 characters (the SGB III alone has 540,000).  The rules here
are few and explicit:

* Hard boundaries: blank lines, and line breaks before list items, table rows,
  Markdown headings and paragraph markers like "(2)".
* A sentence ends at ``.``, ``!``, ``?`` or ``…`` (plus closing quotes/brackets)
  followed by whitespace and a character that can start a sentence (not a
  lowercase letter).
* A period does not end a sentence after a known abbreviation ("Abs.", "Nr.",
  "bzw.", "ca.", "Dr."), a single letter ("z. B.", "d. h.", "u. a.", "S."),
  a dotted short form ("z.B."), a day or ordinal before a month name
  ("16. Juli 2020"), an ordinal after an article or preposition
  ("im 3. Quartal"), or an enumeration number at the start of a line ("1. Ziel").

:func:`sentence_spans` returns character offsets so the chunker can cut the
original text without copying or re-normalising it.
"""

from __future__ import annotations

import re

ABBREVIATIONS = frozenset(
    """
    abs absatz abschn abzgl allg anh anl anm art aufl az bd bekanntm bes bgbl bl bsp bspw buchst bzgl bzw ca
    dgl dipl dr einschl entspr erg evtl ff fr gem ggf ggfs gvbl hd hr hrsg hs inkl insb insbes ing jh jur kap
    lfd lit lt max med min mind mio mrd nr nrn o.ä pkt prof rd rdnr rn rz sog st std str tel tsd tz usf usw
    vgl verf vo vs zb ziff zit zt zus zzgl
    jan feb febr mär apr jun jul aug sep sept okt nov dez
    """.split()
)
# Abbreviations that often *end* a sentence: split when the next word is capitalised.
SENTENCE_FINAL_ABBREVIATIONS = frozenset({"usw", "usf", "etc", "ua"})
MONTHS = frozenset(
    """januar jan februar feb febr märz mär maerz april apr mai juni jun juli jul august aug
    september sep sept oktober okt november nov dezember dez""".split()
)
ORDINAL_CONTEXT = frozenset(
    """der die das dem den des am im zum zur vom ab bis seit ein eine einer eines einem einen jeder jede
    jedes jedem jeden sein seine seinem seines seiner ihr ihre ihrem ihres ihrer dieser diese dieses diesem
    diesen zum nächsten vor nach""".split()
)

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
    if bare in ABBREVIATIONS or _SINGLE_LETTER.match(word) or _DOTTED_SHORT.match(word):
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


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of sentences in ``text``, whitespace excluded, in order."""
    spans: list[tuple[int, int]] = []
    block_start = 0
    for brk in _HARD_BREAK.finditer(text):
        if not _is_hard_break(text, brk):
            continue
        spans.extend(_block_spans(text, block_start, brk.start()))
        block_start = brk.end()
    spans.extend(_block_spans(text, block_start, len(text)))
    return spans


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` as substrings (inner line breaks kept, outer whitespace stripped)."""
    return [text[s:e] for s, e in sentence_spans(text)]
