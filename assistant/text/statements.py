"""Answer statements: the quotable sentences of a chunk, and the text they are embedded as.

Why a module of its own: both the indexer (which embeds every statement ahead of
time, so that answering a question costs one query embedding instead of ~30
sentence embeddings) and the answer selection must cut a chunk into *exactly* the
same statements and embed them as *exactly* the same text, or the precomputed
vectors would never be found.
"""

from __future__ import annotations

import re

from assistant.text.facts import fact_kinds, fact_tokens
from assistant.text.injection import without_instructions
from assistant.text.sentences import split_sentences

MIN_CHARS = 25  # shorter statements are kept only when they carry a fact (amount, date, §), not a bare number ("Werkstatt 2")
MAX_LABEL_CHARS = 60  # "**Sachsen**" above a list is its label, like an intro ending in ":"
# A list under a heading is one statement up to this length; a longer one stays item by item as
# before: a timeline ("Weg zur Gründung") quoted whole would crowd out the one date asked for.
HEADING_LIST_CHARS = 300
CITE_MARKER_CHARS = 8  # room for " [nn]" and the joining space when a statement is cited
PROJECT_EVIDENCE_CHARS = 400  # budget of one "why it fits" quote in a project check

_MD_LIST = re.compile(r"^\s*(?:[-*+•▪◦‣–·]|\d{1,3}[.)]|\([a-z0-9]{1,3}\)|[a-z]\))\s+")
_MD_EMPHASIS = re.compile(r"(\*\*|__|`)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}")
_SPACES = re.compile(r"\s+")
_ENDS_SENTENCE = re.compile(r"[.!?…:\"“”)]$")
# A line of an exported record ("zielgruppe: …", "Antragsfrist: …") is a statement of its own,
# never glued to the line before it.
_FIELD = re.compile(r"[^\W\d][\w-]{1,30}: \S")
_FIELD_LINE = re.compile(r"\n(?=" + _FIELD.pattern + ")")
_HYPHEN_TITLE = re.compile(r"\b[A-ZÄÖÜ][a-zäöü]{1,5}\.-[A-ZÄÖÜ][a-zäöü]{1,5}\.$")  # "Dr.-Ing.", "Dipl.-Kfm."


def clean_sentence(raw: str) -> str:
    """Markdown-free single-line sentence ('- **bis zu 90 Prozent**' → 'bis zu 90 Prozent')."""
    text = raw.strip()
    if text.startswith("#") or _TABLE_RULE.match(text):
        return ""
    if text.startswith("|"):
        cells = [c.strip() for c in text.strip("|").split("|") if c.strip()]
        text = " – ".join(cells)
    text = _MD_LIST.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_EMPHASIS.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    if text and not _ENDS_SENTENCE.search(text) and not text.endswith((",", ";")) and len(text) > 40:
        text += "."  # list items read as statements; one ending in "," stays a fragment
    return text


def short_title(title: str) -> str:
    """'STARK – Stärkung der …' → 'STARK'; context for sentence embeddings and follow-ups."""
    title = re.sub(r"\s*\([^)]*\)", "", title).strip() or title
    for sep in (" – ", " - ", ": "):
        if sep in title:
            head = title.split(sep, 1)[0].strip()
            if len(head) >= 3:
                return head
    return title.strip()


def statements(text: str, max_chars: int | None = None, heading: str | None = None) -> list[str]:
    """Cleaned statements of a passage: sentences, with a list intro ("…: ") merged with its items.

    A short label line without a full stop ("Sachsen") followed by list items is an
    intro too ("Sachsen: Landkreis Bautzen; Landkreis Görlitz."), and so is the
    passage's ``heading`` when the passage opens with a list ("Die fünf Werkstätten:
    Infrastruktur und Mobilität; …" — quoted alone, "Infrastruktur und Mobilität"
    says nothing) if its items are phrases, not sentences, and the merged list has
    at most ``HEADING_LIST_CHARS``.  When a list
    with an intro would be longer than ``max_chars``, its items stay separate
    statements with the intro instead, so a long list can still be quoted item by
    item.

    Emphasis markup is removed *before* splitting: "am **30. Oktober 2013**" would
    otherwise look like a sentence end after "**30.".  A ``key: value`` line starts a statement.
    """
    raws = _rejoin(split_sentences(_FIELD_LINE.sub("\n\n", _MD_EMPHASIS.sub("", text))))
    out: list[str] = []
    i = 0
    title = clean_sentence(heading or "").rstrip(":")
    if title and not title.endswith("?") and raws and _MD_LIST.match(raws[0]):
        items, after = _list_items(raws, 0)
        # Items that are sentences of their own ("- Der Landkreis grenzt an Polen.") stand alone.
        phrases = not any(raw.rstrip().endswith((".", "!", "?", "…")) for raw in raws[:after])
        limit = min(max_chars or HEADING_LIST_CHARS, HEADING_LIST_CHARS)
        merged = _merged_list(f"{title}:", f"{title}:", items, limit)
        if phrases and len(merged) == 1:
            out, i = merged, after
    while i < len(raws):
        text_i = clean_sentence(raws[i])
        is_item = bool(_MD_LIST.match(raws[i]))
        i += 1
        label = (
            not is_item
            and 0 < len(text_i) <= MAX_LABEL_CHARS
            and not _ENDS_SENTENCE.search(text_i)
            and i < len(raws)
            and bool(_MD_LIST.match(raws[i]))
        )
        if text_i.endswith(":") or label:
            items, i = _list_items(raws, i)
            intro = text_i if text_i.endswith(":") else text_i + ":"
            out.extend(_merged_list(text_i, intro, items, max_chars))
            continue
        out.append(text_i)
    return out


def _list_items(raws: list[str], i: int) -> tuple[list[str], int]:
    """The cleaned list items from ``raws[i]`` on, and the index after them."""
    items: list[str] = []
    while i < len(raws) and _MD_LIST.match(raws[i]):
        item = clean_sentence(raws[i]).rstrip(".,;")
        if item:
            items.append(item)
        i += 1
    return items, i


def _merged_list(line: str, intro: str, items: list[str], max_chars: int | None) -> list[str]:
    """A list as one statement ("intro item; item."), or — too long for that — its intro line and
    each item with the intro ("Förderbereiche (§ 4): öffentliche Fürsorge …: Kinderbetreuung, …"),
    which a bare lower-case item could not be."""
    if any(item.endswith("?") for item in items):
        return [line, *items]  # questions ("Was Sie dort fragen können"), dropped as fragments
    merged = f"{intro} {'; '.join(items)}."
    if items and (max_chars is None or len(merged) <= max_chars):
        return [merged]
    return [line, *(_with_intro(intro, item, max_chars) for item in items)]


def _with_intro(intro: str, item: str, max_chars: int | None) -> str:
    """A list item as a statement of its own, prefixed with the list's intro when that fits."""
    combined = f"{intro} {item}."
    if max_chars is None or len(combined) <= max_chars:
        return combined
    return item if _ENDS_SENTENCE.search(item) else f"{item}."


def quotable_statements(
    text: str, max_chars: int, heading_path: tuple[str, ...] | list[str] = ()
) -> list[tuple[int, str]]:
    """(index, statement) pairs of a chunk that may be quoted in an answer of ``max_chars``.

    ``heading_path`` is the chunk's: its last heading introduces a list the chunk opens with.

    Dropped: empty ones, fragments, statements too long to quote with their citation
    marker, very short ones without a fact, ones without prose (only links, identifiers and
    figures), and orders to a language model with what
    follows them in their paragraph (injection.py).  The index is the statement's place
    in the chunk, for reading order.
    """
    budget = max_chars - CITE_MARKER_CHARS
    out: list[tuple[int, str]] = []
    heading = heading_path[-1] if heading_path else None
    text = without_instructions(text, "\n\n")
    for i, statement in enumerate(statements(text, budget, heading)):
        if not statement or len(statement) > budget or is_fragment(statement):
            continue
        if len(statement) < MIN_CHARS and not (fact_kinds(statement) or _cites_law(statement)):
            continue
        if not has_prose(statement):
            continue
        out.append((i, statement))
    return out


# Field names and values of exported records ("link_klasse: programm_spezifisch") and links.
_MACHINE_TOKEN = re.compile(r"\S*(?:://|www\.)\S*|\S*\w_\w\S*")
_WORD = re.compile(r"[^\W\d_]{3,}")


def has_prose(statement: str) -> bool:
    """Whether a statement says anything in words once links and machine identifiers are set aside.

    A record exported as ``key: value`` lines ("letzte_pruefung: 2026-02-19 quelle_url: https://…")
    would otherwise be quoted as if it were a sentence.
    """
    return bool(_WORD.search(_MACHINE_TOKEN.sub(" ", statement)))


def _cites_law(statement: str) -> bool:
    return any(t.startswith(("§", "art")) for t in fact_tokens(statement))


def statement_embed_text(title: str, heading_path: tuple[str, ...] | list[str], statement: str) -> str:
    """What a statement is embedded as: prefixed with its document's short title and heading,
    so "Laufzeit bis zu vier Jahre" still knows it is about STARK."""
    heading = " › ".join(list(heading_path)[-1:])
    prefix = short_title(title)
    return f"{prefix} – {heading}: {statement}" if heading else f"{prefix}: {statement}"


def is_fragment(text: str) -> bool:
    """List items, cut-off pieces ("der Aufbau eines …,") and questions (FAQ headings) are not statements.

    A record's field line ("zielgruppe: Existenzgründer") is one, lower-case key or not: exported
    programme rows state who may apply and what is funded in such lines.
    """
    cut_off = text[0].islower() and not _FIELD.match(text)
    return cut_off or text.endswith((",", ";", ":", "–", "-", "?"))


def _rejoin(raws: list[str]) -> list[str]:
    """Undo splits after hyphenated academic titles ("Prof. Dr.-Ing. | Michael Hübner")."""
    out: list[str] = []
    for raw in raws:
        if out and _HYPHEN_TITLE.search(out[-1]):
            out[-1] = f"{out[-1]} {raw}"
        else:
            out.append(raw)
    return out
