"""Real questions as probes for tuning the vector index: what users asked this knowledge base.

The IVF ``nprobe`` is always tuned on probes made from the index's own vectors
(``storage.query_probes``); when the usage log holds enough distinct questions,
they are embedded as queries and the index must reach the target recall for them
too.  Only done when the index will be IVF (large knowledge bases, where the
~0.02 s per question is small against indexing).  Nothing about the questions is
stored: the manifest records only how many there were and the recall.
"""

from __future__ import annotations

import logging

from assistant.config import Settings
from assistant.embedding.embedders import Embedder
from assistant.errors import EmbedderError
from assistant.storage.query_probes import ProbeSet
from assistant.storage.usage_log import recent_questions

log = logging.getLogger(__name__)

LOGGED = "logged-questions"
MIN_QUESTIONS = 50  # fewer measure recall@10 too coarsely to decide anything
MAX_QUESTIONS = 400


def logged_question_probes(settings: Settings, embedder: Embedder) -> list[ProbeSet]:
    questions = recent_questions(settings.usage_log_path, MAX_QUESTIONS)
    if len(questions) < MIN_QUESTIONS:
        return []
    try:
        vectors = embedder.embed_queries(questions)
    except EmbedderError as exc:
        log.warning("logged questions not usable for tuning the vector index: %s", exc)
        return []
    return [ProbeSet(LOGGED, vectors, details={"source": "usage log, most recent distinct questions"})]
