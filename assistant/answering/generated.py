"""An optional language model's answer from the retrieved passages, checked before it is used.

The model sees the best passages as numbered sources; its reply is accepted only when
``fact_check.check_generated`` finds every sentence cited and every figure in the cited
passage.  Otherwise ``fallback_reason`` says why the extractive answer is shown instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from assistant.answering.citations import SourceList, renumber
from assistant.answering.fact_check import check_generated
from assistant.answering.llm import LLMClient, build_messages
from assistant.answering.models import Source
from assistant.errors import LLMError
from assistant.search.result import DocumentHit

log = logging.getLogger(__name__)

LLM_PASSAGES = 6


class GeneratedAnswer:
    """One LLM answer: ``pieces`` streams it; afterwards ``text``/``sources`` or ``fallback_reason`` are set."""

    def __init__(self, client: LLMClient, question: str, hits: list[DocumentHit]) -> None:
        self.client = client
        self.question = question
        self.given = _llm_sources(hits)
        self.text: str | None = None
        self.sources: list[Source] = []
        self.fallback_reason: str | None = None

    def pieces(self, stream: bool) -> Iterator[str]:
        """The model's text as it arrives (a preview when ``stream``), then the checked result is stored."""
        messages = build_messages(self.question, self.given)
        try:
            if stream:
                received: list[str] = []
                for piece in self.client.stream(messages):
                    received.append(piece)
                    yield piece
                generated = "".join(received)
            else:
                generated = self.client.complete(messages)
        except LLMError as exc:
            log.warning("LLM answer failed, using the extractive one: %s", exc.code)
            self.fallback_reason = exc.message
            return
        check = check_generated(generated, self.given, messages)
        if check.dropped:
            log.info("dropped %d sentence(s) without a valid citation from the LLM answer", len(check.dropped))
        if check.reason:
            log.warning("LLM answer not used: %s", check.reason)
            self.fallback_reason = check.reason
            return
        text, sources, invalid = renumber(check.text, self.given)
        if invalid:
            log.info("removed invalid citations %s from the LLM answer", invalid)
        if not text or not sources:
            self.fallback_reason = (
                "Die Antwort des Sprachmodells enthielt keine gültige Quellenangabe; "
                "deshalb wird die aus den Quellen zitierte Antwort gezeigt."
            )
            return
        self.text, self.sources = text, sources


def _llm_sources(hits: list[DocumentHit]) -> list[Source]:
    """The best passage of each document first, then the second best …, up to ``LLM_PASSAGES``."""
    numbers = SourceList()
    for round_ in range(3):
        for hit in hits:
            if round_ < len(hit.passages) and len(numbers.sources) < LLM_PASSAGES:
                numbers.number_for(hit, hit.passages[round_])
    return numbers.sources
