"""A small sliding-window rate limiter keyed by user (or anything hashable).

``check(key)`` answers ALLOW, NOTIFY (blocked; tell the user once) or DROP (blocked;
already told in this window).  Pure Python, no clock of its own: tests pass ``now``.
"""

from __future__ import annotations

import enum
import time
from collections import deque
from collections.abc import Hashable


class Decision(enum.Enum):
    ALLOW = "allow"
    NOTIFY = "notify"
    DROP = "drop"


class RateLimiter:
    def __init__(self, max_events: int, window_s: float, *, max_keys: int = 100_000) -> None:
        if max_events < 1 or window_s <= 0:
            raise ValueError("max_events must be >= 1 and window_s > 0")
        self.max_events = max_events
        self.window_s = window_s
        self.max_keys = max_keys
        self._events: dict[Hashable, deque[float]] = {}
        self._notified_until: dict[Hashable, float] = {}

    def check(self, key: Hashable, now: float | None = None) -> Decision:
        now = time.monotonic() if now is None else now
        events = self._events.get(key)
        if events is None:
            if len(self._events) >= self.max_keys:
                self._purge(now)
            events = self._events[key] = deque()
        while events and events[0] <= now - self.window_s:
            events.popleft()
        if len(events) < self.max_events:
            events.append(now)
            return Decision.ALLOW
        if self._notified_until.get(key, 0.0) > now:
            return Decision.DROP
        # Tell the user once; the next notice only after the current window has passed.
        self._notified_until[key] = now + self.window_s
        return Decision.NOTIFY

    def retry_after(self, key: Hashable, now: float | None = None) -> float:
        """Seconds until ``key`` may send again (0 if it may now)."""
        now = time.monotonic() if now is None else now
        events = self._events.get(key)
        if not events or len(events) < self.max_events:
            return 0.0
        return max(0.0, events[0] + self.window_s - now)

    def _purge(self, now: float) -> None:
        for key in [k for k, ev in self._events.items() if not ev or ev[-1] <= now - self.window_s]:
            self._events.pop(key, None)
            self._notified_until.pop(key, None)
