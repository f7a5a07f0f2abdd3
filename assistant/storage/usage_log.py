"""Usage log: which questions were asked, which were not answered, what users said about answers.

Lives beside the snapshots (``index_dir/usage.sqlite``), not inside a generation, so
re-indexing never loses it.  Only the question text is stored, never who asked.

The log is statistics: it must never fail a read.  When ``usage.sqlite`` cannot be
opened or written (a read-only index folder, a full disk, a damaged file) searches
and answers go on, the problem is logged once, and ``stats`` says the log is
unavailable; opening is tried again after ``RETRY_OPEN_S``.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from assistant.text.clean import scrub_surrogates

log = logging.getLogger(__name__)

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS queries (ts TEXT, channel TEXT, kind TEXT, query TEXT,"
    " abstained INTEGER, confidence REAL, answer_id TEXT)",
    "CREATE TABLE IF NOT EXISTS feedback (ts TEXT, answer_id TEXT, helpful INTEGER, comment TEXT, channel TEXT)",
    "CREATE INDEX IF NOT EXISTS queries_ts ON queries (ts)",
    "CREATE INDEX IF NOT EXISTS queries_answer ON queries (answer_id)",
)

FLUSH_AFTER_S = 0.5  # logged queries are written in one transaction at most this long after the first
RETRY_OPEN_S = 60.0
RECENT_ANSWERS = 100_000  # answer ids remembered in memory (feedback works while the file is unusable)


@dataclass
class UsageStats:
    queries_per_day: dict[str, int]
    total_queries: int
    abstention_rate: float
    top_unanswered: list[tuple[str, int]]
    feedback_helpful: int
    feedback_not_helpful: int
    recent_comments: list[str]
    notice: str | None = None  # German: why the figures are missing or incomplete


@dataclass
class ReviewQuestion:
    """A question (case and spacing folded) that was declined or whose answer was marked unhelpful."""

    question: str
    declined: int
    not_helpful: int
    last_asked: str
    comments: list[str]



class UsageLog:
    """Append-only SQLite log; safe to share between threads; never raises to its callers.

    Queries are buffered and written by a timer thread: one SQLite insert per search
    was 13 % of the server's busy time under load (py-spy, bench/load.py), and the
    log is statistics, not a record anyone waits for.  Feedback is written at once.
    ``stats`` and ``close`` write what is pending first.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._problem: str | None = None  # why the file is unusable (German, for stats)
        self._next_open = 0.0
        self._lock = threading.Lock()
        self._pending: list[tuple] = []
        self._pending_lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._closed = False
        self._answers: OrderedDict[str, None] = OrderedDict()
        atexit.register(self.flush)  # the timer thread is a daemon: do not lose the last lines at exit

    @staticmethod
    def _now() -> str:
        return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")

    # --- the file -----------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection | None:
        """The open database, opening it (again) when due; None while it is unusable. Call with _lock."""
        if self._db is not None or self._closed or time.monotonic() < self._next_open:
            return self._db
        db = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            # No fsync per transaction: a power cut may lose the last log lines, never the file.
            db.execute("PRAGMA synchronous=NORMAL")
            for statement in _SCHEMA:
                db.execute(statement)
        except (sqlite3.Error, OSError) as exc:
            if db is not None:
                db.close()
            self._unusable(exc)
            return None
        self._db, self._problem = db, None
        return db

    def _unusable(self, exc: BaseException) -> None:
        if self._problem is None:
            log.warning("usage log %s unusable, statistics are not recorded: %s", self.path, exc)
        self._problem = (
            f"Das Nutzungsprotokoll '{self.path}' kann nicht geschrieben werden ({type(exc).__name__}: {exc}). "
            "Suchen und Antworten funktionieren weiter; bitte Schreibrechte des Index-Ordners prüfen."
        )
        if self._db is not None:
            self._db.close()
            self._db = None
        self._next_open = time.monotonic() + RETRY_OPEN_S

    def _write(self, sql: str, rows: list[tuple]) -> bool:
        with self._lock:
            db = self._connection()
            if db is None:
                return False
            try:
                with db:
                    db.executemany(sql, rows)
                return True
            except (sqlite3.Error, OSError) as exc:
                self._unusable(exc)
                return False

    # --- recording ----------------------------------------------------------------

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
        row = (self._now(), channel, kind, scrub_surrogates(query[:2000]), abstained, confidence, answer_id)
        with self._pending_lock:
            if answer_id:
                self._answers[answer_id] = None
                while len(self._answers) > RECENT_ANSWERS:
                    self._answers.popitem(last=False)
            self._pending.append(row)
            if self._timer is None:
                self._timer = threading.Timer(FLUSH_AFTER_S, self.flush)
                self._timer.daemon = True
                self._timer.start()

    def flush(self) -> None:
        """Write the buffered queries now (dropped with a warning when the file is unusable)."""
        with self._pending_lock:
            rows, self._pending = self._pending, []
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        if rows and not self._closed:
            self._write("INSERT INTO queries VALUES (?,?,?,?,?,?,?)", rows)

    def knows_answer(self, answer_id: str) -> bool:
        """Whether this log recorded an answer with that id (memory first, then the file)."""
        with self._pending_lock:
            if answer_id in self._answers:
                return True
        with self._lock:
            db = self._connection()
            if db is None:
                return False
            try:
                row = db.execute("SELECT 1 FROM queries WHERE answer_id = ? LIMIT 1", (answer_id,)).fetchone()
            except (sqlite3.Error, OSError) as exc:
                self._unusable(exc)
                return False
        return row is not None

    def record_feedback(self, *, answer_id: str, helpful: bool, comment: str | None, channel: str) -> bool:
        """Store one rating; False when the file is unusable (the caller says so)."""
        text = scrub_surrogates((comment or "")[:2000]) or None
        return self._write("INSERT INTO feedback VALUES (?,?,?,?,?)", [(self._now(), answer_id, int(helpful), text, channel)])

    # --- reading ------------------------------------------------------------------

    def stats(self, days: int = 30, top: int = 10) -> UsageStats:
        self.flush()
        since = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)).isoformat(timespec="seconds")
        with self._lock:
            db = self._connection()
            try:
                if db is None:
                    return _empty(self._problem)
                return _read_stats(db, since, top)
            except (sqlite3.Error, OSError) as exc:
                self._unusable(exc)
                return _empty(self._problem)

    def questions_for_review(self, days: int = 90, limit: int = 200) -> list[ReviewQuestion]:
        """Questions of the last ``days`` that got no answer or a "not helpful", most frequent first.

        Like the statistics, an unusable log gives an empty list instead of an error.
        """
        self.flush()
        since = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)).isoformat(timespec="seconds")
        with self._lock:
            db = self._connection()
            if db is None:
                return []
            try:
                declined = db.execute(
                    "SELECT lower(trim(query)), MAX(query), COUNT(*), MAX(ts) FROM queries"
                    " WHERE ts >= ? AND kind = 'ask' AND abstained = 1 GROUP BY 1",
                    (since,),
                ).fetchall()
                unhelpful = db.execute(
                    "SELECT lower(trim(q.query)), MAX(q.query), COUNT(DISTINCT f.rowid), MAX(f.ts),"
                    " group_concat(f.comment, char(30)) FROM feedback f JOIN queries q ON q.answer_id = f.answer_id"
                    " WHERE f.ts >= ? AND f.helpful = 0 GROUP BY 1",
                    (since,),
                ).fetchall()
            except (sqlite3.Error, OSError) as exc:
                self._unusable(exc)
                return []
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
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def _empty(notice: str | None) -> UsageStats:
    return UsageStats({}, 0, 0.0, [], 0, 0, [], notice=notice)


def _read_stats(db: sqlite3.Connection, since: str, top: int) -> UsageStats:
    per_day = dict(
        db.execute("SELECT substr(ts, 1, 10), COUNT(*) FROM queries WHERE ts >= ? GROUP BY 1 ORDER BY 1", (since,))
    )
    asked, abstained = db.execute(
        "SELECT COUNT(*), COALESCE(SUM(abstained), 0) FROM queries WHERE ts >= ? AND kind = 'ask'", (since,)
    ).fetchone()
    unanswered = db.execute(
        "SELECT lower(trim(query)), COUNT(*) FROM queries WHERE ts >= ? AND abstained = 1"
        " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?",
        (since, top),
    ).fetchall()
    helpful, not_helpful = db.execute(
        "SELECT COALESCE(SUM(helpful), 0), COALESCE(SUM(1 - helpful), 0) FROM feedback WHERE ts >= ?", (since,)
    ).fetchone()
    comments = [
        r[0]
        for r in db.execute(
            "SELECT comment FROM feedback WHERE ts >= ? AND comment IS NOT NULL ORDER BY ts DESC LIMIT ?", (since, top)
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
