"""The usage log: buffered query lines reach SQLite on time, on stats() and on close()."""

from __future__ import annotations

import time

from assistant.storage.usage_log import UsageLog


def test_buffered_queries_are_written_by_stats_close_and_the_timer(tmp_path) -> None:
    path = tmp_path / "usage.sqlite"
    writer, reader = UsageLog(path), UsageLog(path)
    writer.record_query(channel="api", kind="search", query="Förderung Wasserstoff")
    assert writer.stats().total_queries == 1  # stats() writes what is pending first
    writer.record_query(channel="bot", kind="ask", query="Wer berät Kommunen?", abstained=True, confidence=0.1)
    deadline = time.monotonic() + 30
    while reader.stats().total_queries < 2 and time.monotonic() < deadline:  # the timer writes it
        time.sleep(0.05)
    assert reader.stats().total_queries == 2
    writer.record_query(channel="cli", kind="ask", query="Bis wann läuft STARK?")
    writer.close()  # and close() writes the rest
    stats = reader.stats()
    assert stats.total_queries == 3 and stats.top_unanswered == [("wer berät kommunen?", 1)]
    reader.close()
