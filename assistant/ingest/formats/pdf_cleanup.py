"""Clean pypdf page texts: running headers/footers, page labels, hyphenation, odd spaces.

Why each step (see shared/realdocs/SOURCES.md for the real files):

* Running headers/footers ("Ein Service des Bundesministeriums der Justiz …",
  "- Seite 3 von 152 -", "Gültig ab: 03.12.2024") repeat on every page.  Left in,
  they dominate lexical search and split sentences.  We find them by comparing
  the first/last few lines of all pages after masking digits and whitespace, and
  peel them off page edges only (a repeated line in the middle of a page is
  body text).
* The printed page label ("Seite 7 von 59", a lone "7", the trailing "7" of
  "Rundschreiben BMAS 2024/1 - 16. August 2024 7") is read from the peeled lines,
  because merged PDFs restart their numbering and citations should match paper.
* Line-end hyphenation ("Wettbewerbsfä-\\nhigkeit") is re-joined when the next
  line starts lowercase; before an uppercase word the hyphen is real
  ("Sachsen-\\nAnhalt", "E-\\nMobilität") and kept; before "und/oder/bzw." it is
  an elided compound ("Kranken- und Pflegeversicherung") and kept with a space.
* NBSP and other exotic spaces become plain spaces; zero-width characters go.
* Table-of-contents dot leaders ("44.01 – Zielsetzung ........ 5") lose the dots and the
  page number: in a hit they were a line of dots, and the number is the printed page
  of another page.  The entry's title stays (it names what the document covers).
* Stray intra-word spaces ("Einglied erung", "Arbeit svertrages", "w ird") are closed when
  the document itself proves it: the joined word occurs elsewhere in the same PDF and the
  tail ("erung") never stands alone in it.  "Ruhen des Anspruchs" stays apart because
  "des" is a word of its own there; on the BA instructions in shared/realdocs this joins
  132 distinct splits and none that a reader would keep apart (decision 0007).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

HEAD_ZONE = 6  # non-empty lines at the top of a page that may be header
FOOT_ZONE = 4  # non-empty lines at the bottom of a page that may be footer

_ODD_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t\f\v]")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_MULTI_SPACE = re.compile(r" {2,}")
_DIGITS = re.compile(r"\d+")
_WS = re.compile(r"\s+")
_PAGE_LABEL_LINE = re.compile(r"^[-–—‒ ]*Seite\s*\d{1,4}(?:\s*(?:von|/)\s*\d{1,4})?[-–—‒ ]*$", re.IGNORECASE)
_SEITE = re.compile(r"\bSeite\s+(\d{1,4})\b", re.IGNORECASE)
_LINE_END_HYPHEN = re.compile(r"(?<=[^\W_])[-\u2010\u00ad][ \t]*\n[ \t]*(?=([^\W_]+))")
_KEEP_HYPHEN_BEFORE = {"und", "oder", "bzw", "sowie", "bis", "als", "wie", "noch", "statt", "u", "o"}
# Four or more dots (or "…", "·"), spaced or not, then an optional page number, at a line end.
_DOT_LEADER = re.compile(r"[ \t]*(?:(?:\.[ \t]?){4,}|(?:…[ \t]?){2,}|(?:·[ \t]?){4,})[ \t]*(?:\d{1,4}|[ivxlc]{1,6})?[ \t]*$",
                         re.MULTILINE | re.IGNORECASE)
_LETTERS = re.compile(r"[^\W\d_]+")
# A word, one space, and (looked at, not consumed) the next word: pairs overlap ("a b c" → a|b, b|c).
_WORD_GAP = re.compile(r"(?<![^\W\d_])([^\W\d_]+) (?=([^\W\d_]+)(?![^\W\d_]))")


@dataclass(frozen=True)
class CleanPage:
    """One page after clean-up; ``printed_page`` is None when no label was found."""

    text: str
    printed_page: str | None = None


def normalise_lines(text: str) -> list[str]:
    """Unify spaces and line breaks; return stripped lines (empty lines kept as "")."""
    text = _ZERO_WIDTH.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _ODD_SPACES.sub(" ", text)
    return [_MULTI_SPACE.sub(" ", line).strip() for line in text.split("\n")]


def line_key(line: str) -> str:
    """Digits masked, whitespace removed: "- Seite 3 von 152 -" → "-Seite#von#-"."""
    return _WS.sub("", _DIGITS.sub("#", line))


def _edge_indices(lines: list[str], *, from_top: bool, zone: int) -> list[int]:
    order = range(len(lines)) if from_top else range(len(lines) - 1, -1, -1)
    picked: list[int] = []
    for i in order:
        if lines[i]:
            picked.append(i)
            if len(picked) >= zone:
                break
    return picked


@dataclass(frozen=True)
class RunningLines:
    """Keys of recurring edge lines: ``strong`` recur on many pages, ``weak`` on a few (>= 3).

    Weak keys catch headers of one part of a merged PDF (or of the first pages
    only); they are removed only inside a header block that also has a strong
    line or a page label, so a body line that happens to open three pages stays.
    """

    head_strong: set[str]
    head_weak: set[str]
    foot_strong: set[str]
    foot_weak: set[str]


def _numbers_behave(occurrences: list[tuple[int, list[str]]]) -> bool:
    """True if every number in a recurring line is fixed or counts pages.

    Headers repeat text and at most a page number; margin numbers such as
    "(88.12)" also recur on many pages but their numbers follow the text, so they
    are body and must stay (they are cited).
    """
    groups = min(len(digits) for _, digits in occurrences)
    for g in range(groups):
        values = [digits[g] for _, digits in occurrences]
        fixed = Counter(values).most_common(1)[0][1]
        counting = Counter(int(digits[g]) - page for page, digits in occurrences).most_common(1)[0][1]
        if max(fixed, counting) < 0.5 * len(occurrences):
            return False
    return True


def _classify(found: dict[str, list[tuple[int, list[str]]]], strong_min: int,
              weak_min: int) -> tuple[set[str], set[str]]:
    strong: set[str] = set()
    weak: set[str] = set()
    for key, occurrences in found.items():
        if not key or len(occurrences) < weak_min:
            continue
        if "seite" not in key.lower() and not _numbers_behave(occurrences):
            continue
        (strong if len(occurrences) >= strong_min else weak).add(key)
    return strong, weak


def find_running_lines(pages: list[list[str]]) -> RunningLines:
    """Find digit-masked lines that recur in the header zone / footer zone of pages."""
    n = len(pages)
    if n < 2:
        return RunningLines(set(), set(), set(), set())
    strong_min = 2 if n <= 3 else max(3, math.ceil(0.3 * n))
    weak_min = min(strong_min, 3)
    head: dict[str, list[tuple[int, list[str]]]] = defaultdict(list)
    foot: dict[str, list[tuple[int, list[str]]]] = defaultdict(list)
    for page, lines in enumerate(pages):
        for zone, from_top, size in ((head, True, HEAD_ZONE), (foot, False, FOOT_ZONE)):
            seen: set[str] = set()
            for i in _edge_indices(lines, from_top=from_top, zone=size):
                key = line_key(lines[i])
                if key not in seen:
                    seen.add(key)
                    zone[key].append((page, [d[-6:] for d in _DIGITS.findall(lines[i])]))
    head_strong, head_weak = _classify(head, strong_min, weak_min)
    foot_strong, foot_weak = _classify(foot, strong_min, weak_min)
    return RunningLines(head_strong, head_weak, foot_strong, foot_weak)


def _peel(lines: list[str], strong: set[str], weak: set[str], *, from_top: bool, zone: int) -> set[int]:
    """Indices of running lines at one page edge.

    Walks the zone from the edge and removes strong/weak running lines up to the
    last strong one (or page label).  One body line may sit among them (e.g. a
    part title above "BA Zentrale Seite 1"); it is kept, and after it only lines
    that carry a page number are taken.
    """
    run: list[tuple[int, bool]] = []  # (index, is_strong) of running lines
    seen = 0
    passed_body = False
    order = range(len(lines)) if from_top else range(len(lines) - 1, -1, -1)
    for i in order:
        if not lines[i]:
            continue
        if seen >= zone:
            break
        seen += 1
        key = line_key(lines[i])
        label = bool(_PAGE_LABEL_LINE.match(lines[i])) or ("seite" in key.lower() and key in strong | weak)
        if passed_body:
            if not label:
                break
            run.append((i, True))
        elif key in strong or label:
            run.append((i, True))
        elif key in weak:
            run.append((i, False))
        else:
            passed_body = True
    last_strong = max((pos for pos, (_, is_strong) in enumerate(run) if is_strong), default=-1)
    return {i for i, _ in run[: last_strong + 1]}


def _counter_labels(removed: list[list[str]]) -> dict[int, str]:
    """Page labels from digit groups that count up with the page index.

    For each recurring removed line (by key) and each digit position in it, if the
    number minus the page index is the same on most pages, that position is a
    page counter: "Rundschreiben … 2024 7" or a lone "7".
    """
    occurrences: dict[str, list[tuple[int, list[str]]]] = defaultdict(list)
    for page_idx, lines in enumerate(removed):
        for line in lines:
            occurrences[line_key(line)].append((page_idx, _DIGITS.findall(line)))
    labels: dict[int, str] = {}
    for occ in occurrences.values():
        if len(occ) < 2:
            continue
        for g in range(len(occ[0][1])):
            values = [(p, groups[g]) for p, groups in occ if len(groups) > g and len(groups[g]) <= 4]
            if len(values) < 2 or len({v for _, v in values}) < 2:
                continue
            offsets = Counter(int(v) - p for p, v in values)
            offset, count = offsets.most_common(1)[0]
            if count >= max(2, 0.6 * len(values)):
                for p, v in values:
                    if int(v) - p == offset:
                        labels.setdefault(p, str(int(v)))
    return labels


def _hyphen_join(match: re.Match[str]) -> str:
    prev = match.string[match.start() - 1]
    word = match.group(1)
    if word.lower() in _KEEP_HYPHEN_BEFORE:
        return "- "
    if prev.isalpha() and word[0].islower():
        return ""
    return "-"


def rejoin_hyphenation(text: str) -> str:
    """Undo line-end hyphenation inside one page (see module docstring for the rules)."""
    text = _LINE_END_HYPHEN.sub(_hyphen_join, text)
    return text.replace("\u00ad", "")


def strip_dot_leaders(text: str) -> str:
    """Drop table-of-contents leaders and the page number after them; the entry's title stays."""
    return _DOT_LEADER.sub("", text)


def rejoin_split_words(pages: list[str]) -> list[str]:
    """Close "Einglied erung" where the same document writes "Eingliederung" and "erung" never stands alone."""
    words = Counter(w for text in pages for w in _LETTERS.findall(text))
    folded: Counter[str] = Counter()
    for word, n in words.items():
        folded[word.casefold()] += n
    gaps = Counter(m.groups() for text in pages for m in _WORD_GAP.finditer(text))
    split = {
        (head, tail)
        for (head, tail), n in gaps.items()
        if tail[0].islower() and words[tail] == n and folded[(head + tail).casefold()] > 0
    }
    if not split:
        return pages

    def close(match: re.Match[str]) -> str:
        return match.group(1) if match.groups() in split else match.group(0)

    return [_WORD_GAP.sub(close, text) for text in pages]


def clean_pdf_pages(raw_pages: list[str]) -> list[CleanPage]:
    """Clean all pages of one PDF together (header detection needs every page)."""
    pages = [normalise_lines(t) for t in raw_pages]
    running = find_running_lines(pages)
    removed_idx = [
        _peel(lines, running.head_strong, running.head_weak, from_top=True, zone=HEAD_ZONE)
        | _peel(lines, running.foot_strong, running.foot_weak, from_top=False, zone=FOOT_ZONE)
        for lines in pages
    ]
    removed = [[lines[i] for i in sorted(idx)] for lines, idx in zip(pages, removed_idx, strict=True)]
    counters = _counter_labels(removed)
    bodies = [[line for i, line in enumerate(lines) if i not in idx]
              for lines, idx in zip(pages, removed_idx, strict=True)]
    if not any(any(kept) for kept in bodies) and any(any(lines) for lines in pages):
        # Every line looked "running": pages that differ only in numbers (a form
        # repeated per page).  Losing the document is worse than keeping headers.
        bodies = [[line for line in lines if not _PAGE_LABEL_LINE.match(line)] for lines in pages]
    texts = rejoin_split_words([strip_dot_leaders(rejoin_hyphenation("\n".join(kept))) for kept in bodies])
    out: list[CleanPage] = []
    for page_idx, body in enumerate(texts):
        label = next((m.group(1) for line in removed[page_idx] if (m := _SEITE.search(line))), None)
        label = label or counters.get(page_idx)
        body = re.sub(r"\n{3,}", "\n\n", body).strip()
        out.append(CleanPage(text=body, printed_page=label))
    return out
