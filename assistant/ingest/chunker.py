"""Sections → chunks of whole sentences within a token budget, with sentence overlap.

Rules and why:

* A chunk never crosses a section, i.e. never mixes heading paths or PDF pages.
  Citations then name exactly one heading/page, and ``char_start``/``char_end``
  index one section's text.  Tiny sections are *not* merged into the next one:
  their heading path travels in ``embed_text``, which is what makes a
  two-line "Kontakt" section findable, and merging would blur the citation.
* Chunks are cut at sentence boundaries (:mod:`sentences`).  A sentence longer
  than the budget is cut at word boundaries (a single giant "word" such as a URL
  at character boundaries) so no chunk exceeds ``max_tokens``.
* Overlap repeats whole trailing sentences of the previous chunk, up to
  ``overlap_tokens``, so a fact split across a boundary is still retrievable.
* The budget is measured on the chunk text with the caller's ``count_tokens``
  (the title/heading prefix of ``embed_text`` is not counted; it is short and the
  embedders' limits are well above ``Settings.chunk_tokens``).  Sentences are
  counted once each and their sum is used as an estimate; every chunk is then
  verified with one exact count and shrunk if needed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.domain.documents import Chunk, Document, Section
from assistant.text.sentences import sentence_spans

CountTokens = Callable[[str], int]
_WORD = re.compile(r"\S+")
_CHARS_PER_TOKEN_WINDOW = 8  # size estimates when cutting by characters look at max_tokens * 8 chars


@dataclass(frozen=True)
class _Unit:
    """A sentence (or piece of an over-long sentence) as offsets into the section text."""

    start: int
    end: int
    tokens: int


def _split_long(text: str, start: int, end: int, max_tokens: int, count: CountTokens) -> list[_Unit]:
    """Cut text[start:end] at word boundaries into pieces of at most ``max_tokens``."""
    words = [(m.start() + start, m.end() + start) for m in _WORD.finditer(text[start:end])]
    pieces: list[_Unit] = []
    i = 0
    while i < len(words):
        first = i
        total = count(text[words[i][0]:words[i][1]])
        if total > max_tokens:  # one "word" alone is too long: cut by characters
            pieces.extend(_split_chars(text, words[i][0], words[i][1], max_tokens, count))
            i += 1
            continue
        i += 1
        while i < len(words):
            extra = count(text[words[i][0]:words[i][1]])
            if total + extra > max_tokens:
                break
            total += extra
            i += 1
        while i - first > 1 and count(text[words[first][0]:words[i - 1][1]]) > max_tokens:
            i -= 1
        s, e = words[first][0], words[i - 1][1]
        pieces.append(_Unit(s, e, count(text[s:e])))
    return pieces


def _split_chars(text: str, start: int, end: int, max_tokens: int, count: CountTokens) -> list[_Unit]:
    """Cut text[start:end] into pieces of at most ``max_tokens``, estimating each piece's size from a
    bounded window (tokenizing the whole remainder for every piece was quadratic: a 1 MB "word"
    took many minutes)."""
    pieces: list[_Unit] = []
    pos = start
    while pos < end:
        window = min(end, pos + max_tokens * _CHARS_PER_TOKEN_WINDOW)
        size = max(1, (window - pos) * max_tokens // max(1, count(text[pos:window])))
        size = min(size, window - pos)
        while size > 1 and count(text[pos:pos + size]) > max_tokens:
            size = max(1, size * 3 // 4)
        pieces.append(_Unit(pos, pos + size, count(text[pos:pos + size])))
        pos += size
    return pieces


def _units(text: str, max_tokens: int, count: CountTokens) -> list[_Unit]:
    units: list[_Unit] = []
    for start, end in sentence_spans(text):
        tokens = count(text[start:end])
        if tokens <= max_tokens:
            units.append(_Unit(start, end, tokens))
        else:
            units.extend(_split_long(text, start, end, max_tokens, count))
    return units


def _pack(text: str, units: list[_Unit], max_tokens: int, overlap_tokens: int,
          count: CountTokens) -> list[tuple[int, int]]:
    """Group units into (first, last+1) index ranges; consecutive ranges overlap by whole units.

    Per-call overhead (special tokens such as [CLS]/[SEP], i.e. ``count("")``) is
    counted once per chunk, not once per sentence, so chunks fill the budget.
    """
    overhead = max(0, count(""))
    net = [max(0, u.tokens - overhead) for u in units]
    ranges: list[tuple[int, int]] = []
    start, prev_end = 0, 0
    while start < len(units):
        end = max(start + 1, prev_end + 1)
        total = overhead + sum(net[start:end])
        while end < len(units) and total + net[end] <= max_tokens:
            total += net[end]
            end += 1
        # Exact check: shrink new units first, then drop overlap, never below one new unit.
        while count(text[units[start].start:units[end - 1].end]) > max_tokens:
            if end - 1 > max(start, prev_end):
                end -= 1
            elif start < prev_end:
                start += 1
            else:
                break
        ranges.append((start, end))
        if end >= len(units):
            break
        # Overlap: trailing whole units within overlap_tokens that leave room for the next unit.
        back, acc = end, 0
        while (back - 1 > start and acc + net[back - 1] <= overlap_tokens
               and overhead + acc + net[back - 1] + net[end] <= max_tokens):
            back -= 1
            acc += net[back]
        prev_end, start = end, back
    return ranges


def _embed_text(title: str, heading_path: tuple[str, ...], text: str) -> str:
    """Title (+ heading path) on the first line; a first heading equal to the title is not repeated."""
    path = heading_path[1:] if heading_path and heading_path[0] == title else heading_path
    header = f"{title} — {' › '.join(path)}" if path else title
    return f"{header}\n{text}"


def chunk_section(section: Section, *, max_tokens: int, overlap_tokens: int,
                  count_tokens: CountTokens) -> list[tuple[int, int]]:
    """(char_start, char_end) of the chunks of one section."""
    units = _units(section.text, max_tokens, count_tokens)
    if not units:
        return []
    return [(units[a].start, units[b - 1].end)
            for a, b in _pack(section.text, units, max_tokens, overlap_tokens, count_tokens)]


def chunk_document(doc: Document, *, max_tokens: int, overlap_tokens: int,
                   count_tokens: CountTokens) -> list[Chunk]:
    """Cut every section of ``doc`` into chunks; positions run over the whole document."""
    if max_tokens < 1:
        raise ValueError("max_tokens must be at least 1")
    overlap_tokens = max(0, min(overlap_tokens, max_tokens // 2))
    chunks: list[Chunk] = []
    for section in doc.sections:
        for start, end in chunk_section(section, max_tokens=max_tokens, overlap_tokens=overlap_tokens,
                                        count_tokens=count_tokens):
            text = section.text[start:end]
            if not text.strip():
                continue
            position = len(chunks)
            chunks.append(Chunk(
                chunk_id=f"{doc.doc_id}#{position}",
                doc_id=doc.doc_id,
                position=position,
                text=text,
                embed_text=_embed_text(doc.title, section.heading_path, text),
                heading_path=section.heading_path,
                page=section.page,
                printed_page=section.printed_page,
                char_start=start,
                char_end=end,
            ))
    return chunks
