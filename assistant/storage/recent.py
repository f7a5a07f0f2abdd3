"""Recently read chunk records of one open generation, in a bounded LRU shared by its threads.

Every search reads the chunks of its top passages; reading and decoding them again
(SQLite or PostgreSQL) was a tenth of a search's CPU under load.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from assistant.storage.records import ChunkRecord

RECENT_CHUNKS = 4096  # chunk records kept in memory per open generation


class RecentChunks:
    def __init__(self, limit: int = RECENT_CHUNKS) -> None:
        self.limit = limit
        self._items: OrderedDict[int, ChunkRecord] = OrderedDict()
        self._lock = threading.Lock()

    def read(self, rows: list[int], fetch: Callable[[list[int]], dict[int, ChunkRecord]]) -> list[ChunkRecord]:
        """Records of ``rows`` in the order asked for; ``fetch`` reads the ones not in memory (unknown rows are left out)."""
        with self._lock:
            found = {r: self._items[r] for r in rows if r in self._items}
            for r in found:
                self._items.move_to_end(r)
        missing = [int(r) for r in dict.fromkeys(rows) if r not in found]
        if missing:
            fetched = fetch(missing)
            found |= fetched
            with self._lock:
                self._items.update((r, fetched[r]) for r in missing if r in fetched)
                while len(self._items) > self.limit:
                    self._items.popitem(last=False)
        return [found[r] for r in rows if r in found]

    def rows(self) -> list[int]:
        """The remembered rows, least recently read first."""
        with self._lock:
            return list(self._items)
