"""Sliding-window counter of failed sign-ins.

The counts live in this process's memory only: each gateway process (or
uvicorn worker) keeps its own, and a restart forgets them. With N processes
behind a load balancer an attacker gets up to N times the limit; that still
turns an online guessing attack from millions of tries into dozens. A shared
store (e.g. Redis) would be needed to make the limit exact.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

# Bound on remembered keys, so spraying random emails cannot grow memory
# without limit. When full, the least recently failed key is forgotten.
MAX_KEYS = 100_000


class FailureThrottle:
    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float] | None:
        stamps = self._failures.get(key)
        if stamps is None:
            return None
        while stamps and stamps[0] <= now - self.window:
            stamps.popleft()
        if not stamps:
            del self._failures[key]
            return None
        return stamps

    def retry_after(self, key: str) -> int:
        """Seconds until `key` may try again; 0 if it may try now."""
        with self._lock:
            now = self.clock()
            stamps = self._recent(key, now)
            if stamps is None or len(stamps) < self.limit:
                return 0
            # The attempt becomes possible once enough old failures slide out.
            unblock_at = stamps[len(stamps) - self.limit] + self.window
            return max(1, math.ceil(unblock_at - now))

    def record_failure(self, key: str) -> None:
        with self._lock:
            now = self.clock()
            stamps = self._recent(key, now) or deque()
            stamps.append(now)
            # Only the last `limit` failures ever matter.
            while len(stamps) > self.limit:
                stamps.popleft()
            self._failures[key] = stamps
            self._failures.move_to_end(key)
            while len(self._failures) > MAX_KEYS:
                self._failures.popitem(last=False)

    def forgive_one(self, key: str) -> None:
        """Withdraw the most recent failure (recorded before an attempt that
        then succeeded)."""
        with self._lock:
            stamps = self._failures.get(key)
            if stamps:
                stamps.pop()
                if not stamps:
                    del self._failures[key]

    def clear(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
