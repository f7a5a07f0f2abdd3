"""What a search knows about its query before looking: vectors, terms, place, and whether it is a description.

A project description of several sentences mixes topics (who, what, where); one vector
for all of it blurs them, so each sentence also gets a vector of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.domain.places import locate, mentions
from assistant.domain.regions import Location
from assistant.embedding.embedders import Embedder, finite
from assistant.search.fusion import known_share
from assistant.search.params import SearchParams
from assistant.storage.bm25 import LexicalIndex
from assistant.text.facts import FACT_QUESTION_WORDS
from assistant.text.sentences import split_sentences

_MIN_SENTENCE_CHARS = 20


@dataclass
class QueryPlan:
    text: str
    vectors: np.ndarray  # row 0: the whole query; further rows: the sentences of a description
    term_weights: dict[str, float]  # resolved query terms → idf
    known_share: float
    topic_known_share: float  # the same for the subject words only (no places, no fact-question words)
    location: Location  # where the query is (plus a place the caller names)

    @property
    def description(self) -> bool:
        return len(self.vectors) > 1


def plan_query(
    text: str, embedder: Embedder, lexical: LexicalIndex, params: SearchParams, near: Location | None = None
) -> QueryPlan:
    texts = [text]
    if len(text) >= params.description_chars:
        sentences = [s for s in split_sentences(text) if len(s) >= _MIN_SENTENCE_CHARS]
        if len(sentences) >= 2:
            texts += sentences[: params.description_sentences]
    weights = lexical.term_weights(text)
    location = locate(text) | near if near else locate(text)
    return QueryPlan(
        text, finite(embedder.embed_queries(texts)), weights, known_share(lexical, weights),
        _topic_known_share(text, weights, lexical), location,
    )


def _topic_known_share(text: str, weights: dict[str, float], lexical: LexicalIndex) -> float:
    """``known_share`` of the words that name the question's subject: not places, not the asked-for fact.

    "Wie wird das Wetter morgen in Leipzig?": Leipzig is known, "Wetter" and "morgen" are not.
    "Wie hoch ist die Förderquote bei STARK?": "wie hoch" and "Förderquote" say which fact is
    asked (a knowledge base may say "90 Prozent" without them); STARK is the subject.
    A question of place and fact words alone has no subject to judge: 1.0.
    """
    generic = set(lexical.analyze(" ".join(text[a:b] for a, b in mentions(text)) + " " + FACT_QUESTION_WORDS))
    topic = {t: w for t, w in weights.items() if t not in generic}
    return known_share(lexical, topic) if topic else 1.0
