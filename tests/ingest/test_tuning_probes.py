"""Questions users asked become probes for the vector index's tuning, recorded in the manifest."""

from __future__ import annotations

import pytest

from assistant.ingest.tuning_probes import LOGGED, MIN_QUESTIONS
from assistant.service import Assistant
from assistant.storage.usage_log import UsageLog
from tests.conftest import SMALL_CORPUS, write_tree

pytestmark = pytest.mark.integration


def _index_with_logged_questions(make_settings, embedder, questions: int) -> dict:  # noqa: ANN001
    # The IVF path even for a handful of chunks (configuration refuses thresholds below 1,000).
    settings = make_settings().model_copy(update={"ivf_threshold": 1})
    log = UsageLog(settings.usage_log_path)
    for i in range(questions):
        log.record_query(channel="api", kind="search", query=f"Förderung Nummer {i} für Kitas in der Lausitz?")
    log.close()
    write_tree(settings.corpus_dir, SMALL_CORPUS)
    assistant = Assistant(settings, embedder)
    assert not assistant.index([settings.corpus_dir]).failed
    info = assistant.stats().vector_index
    assistant.close()
    return info


def test_enough_logged_questions_are_used_and_recorded(make_settings, embedder) -> None:  # noqa: ANN001
    info = _index_with_logged_questions(make_settings, embedder, MIN_QUESTIONS)
    assert info["kind"] == "ivf"
    probes = {t["probes"]: t for t in info["tuning"]}
    assert set(probes) == {"pushed-passages", LOGGED}
    assert probes[LOGGED]["queries"] == MIN_QUESTIONS and probes[LOGGED]["source"].startswith("usage log")
    assert probes[LOGGED]["recall_at_10"] >= info["target_recall"]
    assert "Kitas" not in str(info)  # counts and recall only, never the questions


def test_a_few_logged_questions_are_not_enough(make_settings, embedder) -> None:  # noqa: ANN001
    info = _index_with_logged_questions(make_settings, embedder, MIN_QUESTIONS - 1)
    assert [t["probes"] for t in info["tuning"]] == ["pushed-passages"]
