"""The usage log: buffered query lines reach SQLite on time, on stats() and on close()."""

from __future__ import annotations

import time

from assistant.storage.usage_log import UsageLog, recent_questions


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


def test_recent_questions_are_distinct_newest_first_and_limited(tmp_path) -> None:
    path = tmp_path / "usage.sqlite"
    assert recent_questions(path, 10) == []  # no log yet
    log = UsageLog(path)
    rows = [("2026-01-01T10:00:00+00:00", "Wer fördert Kitas?"), ("2026-01-02T10:00:00+00:00", "Frist STARK"),
            ("2026-01-03T10:00:00+00:00", " wer fördert kitas? "), ("2026-01-04T10:00:00+00:00", "   ")]
    with log._connection():  # fixed timestamps: the order is what is tested
        log._db.executemany("INSERT INTO queries VALUES (?, 'api', 'search', ?, NULL, NULL, NULL)", rows)
    assert [q.lower() for q in recent_questions(path, 10)] == ["wer fördert kitas?", "frist stark"]
    assert len(recent_questions(path, 1)) == 1
    log.close()
