"""A publication's maximum send rate, shared by every worker through Redis.

The schedule is one Redis key per publication holding the next free send time, in Redis's
own clock so workers on different machines agree. A sender reserves the next slots with a
small WATCH/MULTI transaction and sleeps until each of them: however many workers send at
once, the publication's messages leave no faster than `rate` per second, evenly spaced.
Slots are reserved a few at a time so fast sends don't pay a round trip per message.
"""

from __future__ import annotations

import time

from redis.exceptions import WatchError

from saas.core.queue import get_connection

KEY = "tend:throttle:{publication_id}"
# Reserve about this much sending time per round trip to Redis (at most BLOCK_MAX slots).
BLOCK_SECONDS = 0.1
BLOCK_MAX = 50


def _key(publication_id: int) -> str:
    return KEY.format(publication_id=publication_id)


def reserve(publication_id: int, rate: float, count: int = 1) -> float:
    """Reserve `count` consecutive send slots; return seconds until the first one is due.

    Slot i of the reservation is due `i / rate` seconds after the first.
    """
    interval = 1.0 / rate
    key = _key(publication_id)
    with get_connection().pipeline() as pipe:
        while True:
            try:
                pipe.watch(key)
                seconds, micros = pipe.time()
                now = seconds + micros / 1_000_000
                raw = pipe.get(key)
                start = max(float(raw) if raw else 0.0, now)
                end = start + count * interval
                pipe.multi()
                pipe.set(key, repr(end), px=int((end - now) * 1000) + 1000)
                pipe.execute()
                return start - now
            except WatchError:
                continue  # another worker took slots in between: read the schedule again


def reset(publication_id: int) -> None:
    """Forget a publication's schedule (tests and benchmarks)."""
    get_connection().delete(_key(publication_id))


class Throttle:
    """Paces one sender: `wait()` returns when the next message may leave."""

    def __init__(self, publication_id: int, rate: float) -> None:
        self.publication_id = publication_id
        self.rate = rate
        self.block = max(1, min(BLOCK_MAX, int(rate * BLOCK_SECONDS))) if rate > 0 else 0
        self._due: list[float] = []

    def wait(self) -> None:
        """Sleep until this sender's next reserved slot (no-op when the rate is unlimited)."""
        if self.rate <= 0:
            return
        if not self._due:
            first = time.monotonic() + reserve(self.publication_id, self.rate, self.block)
            self._due = [first + i / self.rate for i in range(self.block)]
            self._due.reverse()
        delay = self._due.pop() - time.monotonic()
        if delay > 0:
            time.sleep(delay)
