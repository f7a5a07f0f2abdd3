"""Numbered sources and [n] markers: building them, numbering by first citation, checking them.

Why one module: the extractive and the LLM path must follow the same rules —
sources are numbered 1, 2, 3 … in the order the text first cites them, every
[n] has a Source, and no Source is listed that the text does not cite (except
the "closest sources" of an abstention, which the text lists explicitly).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answering.models import Source
from assistant.search.result import DocumentHit, Passage

CITATION = re.compile(r"\s?\[(\d{1,3})\]")
_MULTI = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})+)\]")


def source_key(hit: DocumentHit, passage: Passage) -> tuple[str, tuple[str, ...], int | None]:
    """Passages of the same document section (same heading and page) are one source."""
    return (hit.document.doc_id, tuple(passage.chunk.heading_path), passage.chunk.page)


def make_source(number: int, hit: DocumentHit, passage: Passage) -> Source:
    d, c = hit.document, passage.chunk
    return Source(
        number=number,
        doc_id=d.doc_id,
        title=d.title,
        doc_type=d.doc_type,
        source_path=d.source_path,
        source_url=d.metadata.source_url,
        stand=d.metadata.stand,
        heading=" › ".join(c.heading_path),
        page=c.page,
        printed_page=c.printed_page,
        passage=c.text,
        quelle_stand=d.metadata.quelle_stand,
        status=d.metadata.status,
        gueltig_bis=d.metadata.gueltig_bis,
    )


def cite(sentence: str, number: int) -> str:
    """Put ``[n]`` before the sentence's final full stop ("… 90 Prozent [1].")."""
    sentence = sentence.rstrip()
    if sentence.endswith(".") and not sentence.endswith("..."):
        return f"{sentence[:-1]} [{number}]."
    return f"{sentence} [{number}]"


@dataclass
class SourceList:
    """Assigns numbers in order of first citation."""

    def __post_init__(self) -> None:
        self._numbers: dict[tuple, int] = {}
        self.sources: list[Source] = []

    def number_for(self, hit: DocumentHit, passage: Passage) -> int:
        key = source_key(hit, passage)
        if key not in self._numbers:
            number = len(self.sources) + 1
            self._numbers[key] = number
            self.sources.append(make_source(number, hit, passage))
        return self._numbers[key]


def expand_multi(text: str) -> str:
    """'[1, 3]' → '[1][3]' so every marker can be checked on its own."""
    return _MULTI.sub(lambda m: "".join(f"[{n.strip()}]" for n in m.group(1).split(",")), text)


def cited_numbers(text: str) -> list[int]:
    """Numbers cited in ``text`` in order of first appearance."""
    seen: list[int] = []
    for m in CITATION.finditer(expand_multi(text)):
        n = int(m.group(1))
        if n not in seen:
            seen.append(n)
    return seen


def renumber(text: str, given: list[Source]) -> tuple[str, list[Source], list[int]]:
    """Keep only citations of ``given`` sources, renumbered by first citation.

    Returns the new text, the cited sources (renumbered) and the invalid numbers
    that were removed.  ``given`` is numbered 1..len(given) as shown to the model.
    """
    text = expand_multi(text)
    valid = {s.number: s for s in given}
    order = [n for n in cited_numbers(text) if n in valid]
    mapping = {old: new for new, old in enumerate(order, 1)}
    invalid: list[int] = []

    def sub(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n in mapping:
            return f"{m.group(0)[: len(m.group(0)) - len(m.group(0).lstrip())]}[{mapping[n]}]"
        invalid.append(n)
        return ""

    new_text = CITATION.sub(sub, text)
    new_text = re.sub(r"\[(\d+)\](?:\[\1\])+", r"[\1]", new_text)  # "[1][1]" → "[1]"
    new_text = re.sub(r"[ \t]+([.,;:!?])", r"\1", new_text).strip()
    sources = [_with_number(valid[old], new) for old, new in mapping.items()]
    return new_text, sorted(sources, key=lambda s: s.number), sorted(set(invalid))


def _with_number(source: Source, number: int) -> Source:
    from dataclasses import replace

    return replace(source, number=number)
