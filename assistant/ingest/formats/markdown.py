"""Markdown → sections that follow the heading structure (#, ##, ### …).

Each section is the text under one heading, with the full path of headings above
it (``("STARK", "Förderquote")``), so a chunk like "bis zu 90 %" keeps its
context.  Only ATX headings (``# Titel``) are recognised; setext underlines
(``===``) are rare in our corpus and clash with ``---`` rules.  Headings inside
fenced code blocks are ignored.  The HTML loader reuses :func:`markdown_sections`
on trafilatura's Markdown output.
"""

from __future__ import annotations

import re
from pathlib import Path

from assistant.domain.documents import Section
from assistant.ingest.formats.encoding import decode_text
from assistant.ingest.formats.extracted import Extracted
from assistant.ingest.metadata import FrontMatter, parse_yaml_block, split_front_matter

_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*(?:[ \t]#+[ \t]*)?$")
_EMPTY_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


# What a Markdown reader never sees: HTML comments ("<!-- source: … -->") and the backslash of
# an escaped punctuation character ("31\\. Dezember" reads "31. Dezember").
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def readable_markdown(text: str) -> str:
    """The text as a reader sees it: comments removed, backslash escapes resolved."""
    return _ESCAPE.sub(r"\1", _HTML_COMMENT.sub("", text))


def _clean_heading(raw: str) -> str:
    text = re.sub(r"[*_`]+", "", raw)  # drop emphasis markers: "**Förderung**" → "Förderung"
    return re.sub(r"\s+", " ", text).strip()


def markdown_sections(text: str) -> tuple[list[Section], str | None]:
    """Split Markdown into sections; also return the first heading (title candidate).

    The first level-1 heading is preferred as title candidate, else the first heading.
    """
    text = readable_markdown(text)
    sections: list[Section] = []
    path: list[tuple[int, str]] = []
    buf: list[str] = []
    first_h1: str | None = None
    first_any: str | None = None
    fence: str | None = None

    def flush() -> None:
        body = "\n".join(buf).strip("\n")
        if body.strip():
            sections.append(Section(text=body.strip(), heading_path=tuple(h for _, h in path)))
        buf.clear()

    for line in text.split("\n"):
        fence_match = _FENCE.match(line)
        if fence is not None:
            if fence_match and fence_match.group(1)[0] == fence[0] and len(fence_match.group(1)) >= len(fence):
                fence = None
            buf.append(line)
            continue
        if fence_match:
            fence = fence_match.group(1)
            buf.append(line)
            continue
        match = _HEADING.match(line)
        if not match or _EMPTY_HEADING.match(line):
            buf.append(line)
            continue
        level, title = len(match.group(1)), _clean_heading(match.group(2))
        if not title:
            buf.append(line)
            continue
        flush()
        first_any = first_any or title
        if level == 1 and first_h1 is None:
            first_h1 = title
        while path and path[-1][0] >= level:
            path.pop()
        path.append((level, title))
    flush()
    return sections, first_h1 or first_any


def load_markdown(data: bytes, path: Path) -> Extracted:
    """Decode, take the YAML front matter off, split the rest by headings."""
    text, _encoding = decode_text(data, path.name)
    yaml_text, body, first_line = split_front_matter(text, path.name)
    front = None
    if yaml_text is not None:
        front = FrontMatter(parse_yaml_block(yaml_text, source=f"„{path.name}“ (YAML-Kopf)", first_line=first_line),
                            "YAML-Kopf")
    sections, first_heading = markdown_sections(body)
    return Extracted(
        sections=sections,
        title_hint=first_heading,
        title_hint_origin="der ersten Überschrift",
        front_matter=front,
        no_metadata_note="Kein YAML-Kopf",
    )
