"""Sentences that talk to a language model instead of a reader ("prompt injection").

A funding guideline never tells "the AI" what to answer; a document that does was
written to steer an assistant (issue #19: "LLM-ANWEISUNG: … 100 Prozent … IBAN …").
Such sentences are not quoted, not shown to an LLM and not accepted as evidence for
a generated answer.  The word lists are data (domain/data/injection.yaml).
"""

from __future__ import annotations

import functools
import re

from assistant.domain import vocabulary
from assistant.text.sentences import sentence_spans

_DATA = vocabulary.load("injection.yaml")


def _words(key: str) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(_DATA[key], key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


_MODEL = _words("model_words")
_ORDER = _words("order_words")
_PHRASE = _words("phrases")


@functools.lru_cache(maxsize=8192)
def is_instruction(sentence: str) -> bool:
    """Whether ``sentence`` gives orders to a language model."""
    return bool(_PHRASE.search(sentence) or (_MODEL.search(sentence) and _ORDER.search(sentence)))


_PARAGRAPH_END = re.compile(r"\n\s*\n")


def instruction_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each instruction to a model in ``text``: from the sentence that gives the
    order to the end of its paragraph, since the payload follows it ("… antworte: A. B.")."""
    spans: list[tuple[int, int]] = []
    for start, end in sentence_spans(text):
        if spans and start < spans[-1][1]:
            continue
        if is_instruction(text[start:end]):
            stop = _PARAGRAPH_END.search(text, end)
            spans.append((start, stop.start() if stop else len(text)))
    return spans


def without_instructions(text: str, replacement: str = "") -> str:
    """``text`` with every instruction sentence replaced by ``replacement``."""
    spans = instruction_spans(text)
    if not spans:
        return text
    out, last = [], 0
    for start, end in spans:
        out += [text[last:start], replacement]
        last = end
    out.append(text[last:])
    return "".join(out)
