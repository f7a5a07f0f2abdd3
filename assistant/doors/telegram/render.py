"""Chat rendering that does not depend on any chat library: Telegram-style HTML and splitting.

The bot (``bot.py``) turns service results into messages with these helpers.  Every
dynamic text goes through :func:`esc`; the only markup we emit is the small tag set
Telegram's HTML parse mode understands (``b``, ``i``, ``a``, ``blockquote``).
:func:`split_html` cuts long messages at paragraph or sentence boundaries, never inside
a tag or an entity, and closes/reopens tags that span a cut so every part is valid.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from assistant.answering.models import Answer, Match, ProjectCheck, Source

TELEGRAM_LIMIT = 4096

TYPE_LABELS = {
    "strategie": "Strategie",
    "foerderprogramm": "Förderprogramm",
    "projekt": "Projekt",
    "akteur": "Akteur",
    "veranstaltung": "Veranstaltung",
    "dokument": "Dokument",
}


def esc(text: object) -> str:
    """Escape any dynamic text for Telegram HTML (``<``, ``>``, ``&`` and quotes)."""
    return html.escape(str(text), quote=True)


def plain_text(html_text: str) -> str:
    """Telegram HTML as plain text (tags dropped, entities decoded): the fallback if HTML is refused."""
    return html.unescape(re.sub(r"<[^<>]*>", "", html_text))


def german_date(value: dt.date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def type_label(doc_type: str) -> str:
    return TYPE_LABELS.get(doc_type, doc_type.capitalize() if doc_type else "Dokument")


def link(title: str, url: str | None) -> str:
    """``<a>`` for http(s) URLs, otherwise just the escaped title (never local paths as links)."""
    if url and re.match(r"^https?://", url.strip(), re.IGNORECASE):
        return f'<a href="{esc(url.strip())}">{esc(title)}</a>'
    return esc(title)


def shorten(text: str, limit: int) -> str:
    """Collapse whitespace and cut at a word boundary with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(" ,;:") + " …"


# --- answers -----------------------------------------------------------------


# --- provenance: every source shows its Stand and where it comes from ---------------------


def stand_text(stand: dt.date | None) -> str:
    return f"Stand {german_date(stand)}" if stand else "Stand unbekannt"


def host_link(url: str | None) -> str:
    """The source's web address as a link labelled with its host ("bafa.de"), so the origin is visible."""
    if url and re.match(r"^https?://", url.strip(), re.IGNORECASE):
        host = (urlsplit(url.strip()).hostname or url).removeprefix("www.")
        return link(host, url)
    return "ohne Quellenlink"


def status_text(status: str | None) -> str | None:
    """The front matter's programme status when it rules out applications (shown beside the source)."""
    return f"{status} – keine Anträge möglich" if status in ("geschlossen", "ausgelaufen") else None


def _source_line(source: Source) -> str:
    parts = [f"[{source.number}] {esc(source.title)}"]  # the link follows, labelled with its host
    if source.heading and source.heading.strip() != source.title.strip():
        parts.append(esc(source.heading))
    if source.printed_page or source.page:
        parts.append(f"S. {esc(source.printed_page or source.page)}")
    parts.append(stand_text(source.stand))
    if status := status_text(source.status):
        parts.append(esc(status))
    parts.append(host_link(source.source_url))
    return " · ".join(parts)


def render_answer(answer: Answer) -> str:
    """The answer message: text with [n] citations, notices, sources, contacts, and the binding line last."""
    blocks = [esc(answer.body.strip())]
    if answer.notices:
        blocks.append("\n".join(f"⚠️ {esc(n)}" for n in answer.notices))
    if answer.sources:
        blocks.append("<b>Quellen</b>\n" + "\n".join(_source_line(s) for s in answer.sources))
    if answer.contacts:
        lines = []
        for c in answer.contacts:
            note = f" – {esc(c.note)}" if c.note else ""
            lines.append(f"• {link(c.title, c.source_url)}{note}")
        blocks.append("<b>Ansprechpartner</b>\n" + "\n".join(lines))
    if answer.binding_note:
        blocks.append(f"<i>{esc(answer.binding_note)}</i>")
    return "\n\n".join(b for b in blocks if b)


def render_sources(answer: Answer | None, passage_chars: int = 600) -> str:
    """The detailed sources of an answer: each with section, page, date, link and the passage."""
    if answer is None:
        return "Es gibt noch keine Antwort, zu der ich Quellen zeigen könnte. Stell mir zuerst eine Frage."
    if not answer.sources:
        return f"Zur Frage „{esc(answer.question)}“ habe ich keine Quellen gefunden."
    blocks = [f"<b>Quellen zur Frage</b> „{esc(answer.question)}“"]
    for s in answer.sources:
        meta = [type_label(s.doc_type)]
        if s.heading:
            meta.append(f"Abschnitt: {s.heading}")
        if s.printed_page or s.page:
            meta.append(f"S. {s.printed_page or s.page}")
        meta.append(stand_text(s.stand))
        if s.quelle_stand:
            meta.append(f"Fassung vom {german_date(s.quelle_stand)}")
        if status := status_text(s.status):
            meta.append(status)
        lines = [f"<b>[{s.number}] {esc(s.title)}</b>", esc(" · ".join(meta))]
        if s.source_url and re.match(r"^https?://", s.source_url.strip(), re.IGNORECASE):
            host = (urlsplit(s.source_url.strip()).hostname or "").removeprefix("www.")
            lines.append(link(f"Zur Quelle ({host})", s.source_url))
        else:
            lines.append("Ohne Quellenlink")
        if s.passage.strip():
            lines.append(f"<blockquote>{esc(shorten(s.passage, passage_chars))}</blockquote>")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


# --- project check -----------------------------------------------------------------


def _match_block(number: int | None, match: Match) -> str:
    head = link(match.title, match.source_url)
    lines = [f"{number}. {head}" if number else f"• {head}"]
    meta = [type_label(match.doc_type)]
    if match.foerderart:
        meta.append(match.foerderart)
    if match.frist:
        meta.append(f"Frist: {match.frist}")
    meta.append(stand_text(match.stand))
    lines.append(f"<i>{esc(' · '.join(meta))}</i> · {host_link(match.source_url)}")
    for evidence in match.evidence[:1]:
        lines.append(f"Warum: „{esc(shorten(evidence.document_sentence, 300))}“")
    if match.eligibility_note:
        lines.append(f"Achtung: {esc(match.eligibility_note)}")
    return "\n".join(lines)


def render_project_check(check: ProjectCheck) -> str:
    """Programmes, strategies and contacts that fit a described project, with one reason each."""
    region = f" ({esc(check.region)})" if check.region else ""
    blocks = [f"<b>Erste Einordnung Ihres Vorhabens</b>{region}"]
    if check.programmes:
        blocks.append(
            "<b>Passende Förderprogramme</b>\n\n"
            + "\n\n".join(_match_block(i, m) for i, m in enumerate(check.programmes, 1))
        )
    else:
        blocks.append("Zu dieser Beschreibung passt kein offenes Förderprogramm im Wissensbestand.")
    if check.closed_programmes:
        lines = [
            f"• {link(m.title, m.source_url)} – {esc(m.availability_note or 'keine Anträge möglich')} · "
            f"{stand_text(m.stand)}"
            for m in check.closed_programmes
        ]
        blocks.append("<b>Passend, aber derzeit keine Anträge möglich</b>\n" + "\n".join(lines))
    if check.strategies:
        blocks.append(
            "<b>Passt zu diesen Strategien und Zukunftsfeldern</b>\n\n"
            + "\n\n".join(_match_block(None, m) for m in check.strategies)
        )
    if check.contacts:
        lines = [f"• {link(m.title, m.source_url)}" for m in check.contacts]
        blocks.append("<b>Ansprechpartner</b>\n" + "\n".join(lines))
    if check.notices:
        blocks.append("\n".join(f"⚠️ {esc(n)}" for n in check.notices))
    blocks.append(
        "<i>Das ist eine erste Einordnung aus dem Wissensbestand, keine Förderzusage. "
        "Bitte prüfen Sie die Bedingungen beim Fördergeber.</i>"
    )
    return "\n\n".join(blocks)


# --- search results --------------------------------------------------------------


@dataclass(frozen=True)
class SearchHitView:
    """What a chat shows of one search hit (built by the door from the service's SearchResult)."""

    title: str
    doc_type: str
    source_url: str | None
    stand: dt.date | None
    snippet: str
    status: str | None = None


def render_search(query: str, hits: Iterable[SearchHitView], *, page: int, per_page: int, total: int) -> str:
    hits = list(hits)
    if not hits:
        if page > 1:
            return f"Zu „{esc(query)}“ gibt es keine weiteren Treffer."
        return f"Zu „{esc(query)}“ habe ich im Wissensbestand nichts gefunden. Versuch es mit einem anderen Begriff."
    first = (page - 1) * per_page + 1
    last = first + len(hits) - 1
    blocks = [f"<b>Treffer zu „{esc(query)}“</b> ({first}–{last} von {total})"]
    for number, hit in enumerate(hits, start=first):
        meta = [type_label(hit.doc_type), stand_text(hit.stand)]
        if status := status_text(hit.status):
            meta.append(status)
        lines = [
            f"{number}. {link(hit.title, hit.source_url)}",
            f"<i>{esc(' · '.join(meta))}</i> · {host_link(hit.source_url)}",
        ]
        if hit.snippet.strip():
            lines.append(esc(shorten(hit.snippet, 220)))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


# --- splitting ---------------------------------------------------------------------

_ATOM = re.compile(r"<[^<>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|[^<&]|[<&]", re.DOTALL)
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z0-9-]+)[^>]*?(/?)\s*>")
_ABBREVIATIONS = {
    "z",
    "b",
    "u",
    "a",
    "d",
    "h",
    "s",
    "ca",
    "bzw",
    "ggf",
    "vgl",
    "nr",
    "abs",
    "inkl",
    "evtl",
    "usw",
    "dr",
    "prof",
    "st",
}


def _cut_priority(atoms: list[str], i: int) -> int:
    """How good a cut *after* atom ``i`` is: 4 paragraph, 3 line, 2 sentence, 1 word, 0 none."""
    atom = atoms[i]
    if atom == "\n":
        return 4 if i > 0 and atoms[i - 1] == "\n" else 3
    if atom in (" ", "\t"):
        # sentence end: ".", "!", "?" (possibly behind a closing tag or quote) before the space
        j = i - 1
        while j >= 0 and (atoms[j].startswith("</") or atoms[j] in ("“", '"', ")", "&quot;")):
            j -= 1
        if j >= 0 and atoms[j] in (".", "!", "?", "…"):
            word = []
            k = j - 1
            while k >= 0 and len(atoms[k]) == 1 and atoms[k].isalnum():
                word.append(atoms[k])
                k -= 1
            token = "".join(reversed(word)).lower()
            if atoms[j] == "." and (token in _ABBREVIATIONS or token.isdigit()):
                return 1
            return 2
        return 1
    return 0


def split_html(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split Telegram HTML into parts of at most ``limit`` characters.

    Cuts prefer paragraph breaks, then line breaks, then sentence ends, then spaces (each
    only if it keeps the part at least a third full); a tag or entity is never cut, and
    tags open at a cut are closed at the end of the part and reopened in the next one.
    """
    if len(text) <= limit:
        return [text]
    atoms = _ATOM.findall(text)
    parts: list[str] = []
    stack: list[tuple[str, str]] = []  # open tags at the cut: (name, opening tag text)
    start = 0
    while start < len(atoms):
        prefix = "".join(opening for _, opening in stack)
        local = list(stack)
        length = len(prefix)
        threshold = length + (limit - length) // 3
        best: dict[int, tuple[int, list[tuple[str, str]]]] = {}  # priority -> latest (cut, stack)
        i = start
        while i < len(atoms):
            atom = atoms[i]
            new_stack = _apply_tag(local, atom)
            closing = sum(len(name) + 3 for name, _ in new_stack)
            if length + len(atom) + closing > limit:
                break
            length += len(atom)
            local = new_stack
            if length >= threshold:
                best[_cut_priority(atoms, i)] = (i + 1, local)
            i += 1
        if i == len(atoms):
            cut, cut_stack = i, local
        elif i == start:
            raise ValueError("the limit is too small for one tag of this message")
        elif best:
            cut, cut_stack = best[max(best)]
        else:
            cut, cut_stack = i, local
        closing_tags = "".join(f"</{name}>" for name, _ in reversed(cut_stack))
        part = (prefix + "".join(atoms[start:cut]).rstrip() + closing_tags).strip()
        if _visible(part):
            parts.append(part)
        stack = cut_stack
        start = cut
        while start < len(atoms) and atoms[start] in (" ", "\n", "\t"):
            start += 1
    return parts


def _apply_tag(stack: list[tuple[str, str]], atom: str) -> list[tuple[str, str]]:
    if not atom.startswith("<") or len(atom) < 3:
        return stack
    m = _TAG.match(atom)
    if not m:
        return stack
    closing, name, self_closing = m.group(1), m.group(2).lower(), m.group(3)
    if self_closing:
        return stack
    if closing:
        for k in range(len(stack) - 1, -1, -1):
            if stack[k][0] == name:
                return stack[:k] + stack[k + 1 :]
        return stack
    return [*stack, (name, atom)]


def _visible(part: str) -> bool:
    return bool(re.sub(r"<[^>]*>", "", part).strip())
