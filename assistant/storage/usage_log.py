"""Usage log: which questions were asked, which were not answered, what users said about answers.

Lives beside the snapshots (``index_dir/usage.sqlite``), not inside a generation, so
re-indexing never loses it.  Only the question text is stored, never who asked.
"""

from __future__ import annotations

import atexit
import datetime as dt
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS queries (ts TEXT, channel TEXT, kind TEXT, query TEXT,"
    " abstained INTEGER, confidence REAL, answer_id TEXT)",
    "CREATE TABLE IF NOT EXISTS feedback (ts TEXT, answer_id TEXT, helpful INTEGER, comment TEXT, channel TEXT)",
    "CREATE INDEX IF NOT EXISTS queries_ts ON queries (ts)",
)


@dataclass
class UsageStats:
    queries_per_day: dict[str, int]
    total_queries: int
    abstention_rate: float
    top_unanswered: list[tuple[str, int]]
    feedback_helpful: int
    feedback_not_helpful: int
    recent_comments: list[str]


@dataclass
class ReviewQuestion:
    """A question (case and spacing folded) that was declined or whose answer was marked unhelpful."""

    question: str
    declined: int
    not_helpful: int
    last_asked: str
    comments: list[str]


FLUSH_AFTER_S = 0.5  # logged queries are written in one transaction at most this long after the first


class UsageLog:
    """Append-only SQLite log; safe to share between threads.

    Queries are buffered and written by a timer thread: one SQLite insert per search
    was 13 % of the server's busy time under load (py-spy, bench/load.py), and the
    log is statistics, not a record anyone waits for.  Feedback is written at once.
    ``stats`` and ``close`` write what is pending first.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        # No fsync per transaction: a power cut may lose the last log lines, never the file.
        self._db.execute("PRAGMA synchronous=NORMAL")
        for statement in _SCHEMA:
            self._db.execute(statement)
        self._lock = threading.Lock()
        self._pending: list[tuple] = []
        self._pending_lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._closed = False
        atexit.register(self.flush)  # the timer thread is a daemon: do not lose the last lines at exit

    @staticmethod
    def _now() -> str:
        return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")

    def record_query(
        self,
        *,
        channel: str,
        kind: str,
        query: str,
        abstained: bool | None = None,
        confidence: float | None = None,
        answer_id: str | None = None,
    ) -> None:
        row = (self._now(), channel, kind, query[:2000], abstained, confidence, answer_id)
        with self._pending_lock:
            self._pending.append(row)
            if self._timer is None:
                self._timer = threading.Timer(FLUSH_AFTER_S, self.flush)
                self._timer.daemon = True
                self._timer.start()

    def flush(self) -> None:
        """Write the buffered queries now."""
        with self._pending_lock:
            rows, self._pending = self._pending, []
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        if rows and not self._closed:
            with self._lock, self._db:
                self._db.executemany("INSERT INTO queries VALUES (?,?,?,?,?,?,?)", rows)

    def record_feedback(self, *, answer_id: str, helpful: bool, comment: str | None, channel: str) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO feedback VALUES (?,?,?,?,?)",
                (self._now(), answer_id, int(helpful), (comment or "")[:2000] or None, channel),
            )

    def stats(self, days: int = 30, top: int = 10) -> UsageStats:
        self.flush()
        since = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)).isoformat(timespec="seconds")
        with self._lock:
            per_day = dict(
                self._db.execute(
                    "SELECT substr(ts, 1, 10), COUNT(*) FROM queries WHERE ts >= ? GROUP BY 1 ORDER BY 1", (since,)
                ).fetchall()
            )
            asked, abstained = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(abstained), 0) FROM queries WHERE ts >= ? AND kind = 'ask'", (since,)
            ).fetchone()
            unanswered = self._db.execute(
                "SELECT lower(trim(query)), COUNT(*) FROM queries WHERE ts >= ? AND abstained = 1"
                " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?",
                (since, top),
            ).fetchall()
            helpful, not_helpful = self._db.execute(
                "SELECT COALESCE(SUM(helpful), 0), COALESCE(SUM(1 - helpful), 0) FROM feedback WHERE ts >= ?", (since,)
            ).fetchone()
            comments = [
                r[0]
                for r in self._db.execute(
                    "SELECT comment FROM feedback WHERE ts >= ? AND comment IS NOT NULL ORDER BY ts DESC LIMIT ?",
                    (since, top),
                )
            ]
        return UsageStats(
            queries_per_day=per_day,
            total_queries=sum(per_day.values()),
            abstention_rate=(abstained / asked) if asked else 0.0,
            top_unanswered=[(q, n) for q, n in unanswered],
            feedback_helpful=int(helpful),
            feedback_not_helpful=int(not_helpful),
            recent_comments=comments,
        )

    def questions_for_review(self, days: int = 90, limit: int = 200) -> list[ReviewQuestion]:
        """Questions of the last ``days`` that got no answer or a "not helpful", most frequent first."""
        self.flush()
        since = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)).isoformat(timespec="seconds")
        with self._lock:
            declined = self._db.execute(
                "SELECT lower(trim(query)), MAX(query), COUNT(*), MAX(ts) FROM queries"
                " WHERE ts >= ? AND kind = 'ask' AND abstained = 1 GROUP BY 1",
                (since,),
            ).fetchall()
            unhelpful = self._db.execute(
                "SELECT lower(trim(q.query)), MAX(q.query), COUNT(DISTINCT f.rowid), MAX(f.ts),"
                " group_concat(f.comment, char(30)) FROM feedback f JOIN queries q ON q.answer_id = f.answer_id"
                " WHERE f.ts >= ? AND f.helpful = 0 GROUP BY 1",
                (since,),
            ).fetchall()
        merged: dict[str, ReviewQuestion] = {}
        for key, text, n, last in declined:
            merged[key] = ReviewQuestion(text.strip(), n, 0, last, [])
        for key, text, n, last, comments in unhelpful:
            entry = merged.setdefault(key, ReviewQuestion(text.strip(), 0, 0, last, []))
            entry.not_helpful = n
            entry.last_asked = max(entry.last_asked, last)
            entry.comments = [c for c in dict.fromkeys((comments or "").split("\x1e")) if c]
        ranked = sorted(merged.values(), key=lambda q: (-(q.declined + q.not_helpful), q.question.casefold()))
        return ranked[:limit]

    def close(self) -> None:
        self.flush()
        self._closed = True
        atexit.unregister(self.flush)
        self._db.close()


def recent_questions(path: Path, limit: int) -> list[str]:
    """Up to ``limit`` distinct questions, most recently asked first; [] without a readable log.

    Opened read-only and separately from a running ``UsageLog``: the indexer uses
    these as real query vectors for tuning the vector index.
    """
    if not path.exists():
        return []
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            rows = db.execute(
                "SELECT trim(query) FROM queries WHERE trim(query) != ''"
                " GROUP BY lower(trim(query)) ORDER BY max(ts) DESC LIMIT ?",
                (limit,),
            ).fetchall()
        finally:
            db.close()
    except sqlite3.Error:
        return []
    return [r[0] for r in rows]
