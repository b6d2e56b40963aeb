"""Replays of the event stream, read and formatted on one thread of their own.

A client that resumes an event stream (``?since=``, ``Last-Event-ID``) is first sent every
event after its seq from the store, in batches of :data:`BATCH_EVENTS`. A hundred clients
replaying a big outbox at once (web boards after a power cut, the issue 15 report) must never
slow the queue: so every batch of every replay is read and turned into SSE text by one replay
thread, at a lower CPU priority (nice 10) where the system allows it, through that thread's own
read connection, one batch at a time in the order asked (each client waits for its turn). The
queue's requests keep the server's request threads and the processor. Events never change once
committed, so whole batches are kept (the last :data:`CACHED_BATCHES`) and a storm of clients
replaying the same events reads and formats each batch once.

Sending is bounded too: all replays together get at most :data:`REPLAY_EVENTS_PER_SECOND`
events a second, handed out in the order asked. Writing a hundred replays to their sockets as
fast as the clients read them would otherwise keep the server's event loop (which also answers
every kiosk) busy for as long as the storm lasts. One client alone replays a day's outbox in
about a second; a hundred share the rate (scenario k in docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from hub.events import format_event
from sync.outbox import Event

log = logging.getLogger(__name__)

BATCH_EVENTS = 500
"""Events per replay batch (one read, one write to the client)."""
CACHED_BATCHES = 64
"""Whole batches kept for the next client replaying the same events (~20 MB at most)."""
REPLAY_NICE = 10
"""How much lower than the queue's threads the replay thread runs (Linux per-thread nice)."""
REPLAY_EVENTS_PER_SECOND = 50_000
"""Replayed events sent per second, all streams together (about 17 MB/s of SSE text)."""


@dataclass(frozen=True)
class ReplayBatch:
    """Committed events after some seq, each already an SSE message: ``(seq, type, bytes)``;
    ``whole`` is all of them joined (what an unfiltered stream sends, joined once)."""

    entries: tuple[tuple[int, str, bytes], ...]
    whole: bytes = field(default=b"", compare=False)

    @property
    def last_seq(self) -> int | None:
        """The seq of the batch's last event (None for an empty batch)."""
        return self.entries[-1][0] if self.entries else None

    def wire(self, types: frozenset[str] | None = None) -> bytes:
        """The messages of the events whose type is in ``types`` (all if None), in seq order."""
        if types is None:
            return self.whole
        return b"".join(m for _, kind, m in self.entries if kind in types)

    def before(self, seq: int) -> ReplayBatch:
        """The part of this batch with seqs below ``seq``."""
        return ReplayBatch.joined(tuple(e for e in self.entries if e[0] < seq))

    @classmethod
    def joined(cls, entries: tuple[tuple[int, str, bytes], ...]) -> ReplayBatch:
        return cls(entries, b"".join(m for _, _, m in entries))

    @classmethod
    def of(cls, events: Iterable[Event]) -> ReplayBatch:
        return cls.joined(tuple((e.seq, e.type, format_event(e).encode()) for e in events))


def _lower_priority() -> None:
    """Run the calling thread at a lower CPU priority, where the system has per-thread nice."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), REPLAY_NICE)
    except (AttributeError, OSError) as err:  # not Linux, or not allowed: replays still run
        log.info("replay thread keeps its priority: %s", err)


class Replayer:
    """Serves replay batches from ``fetch(after_seq, limit) -> events`` on the replay thread."""

    def __init__(
        self,
        fetch: Callable[[int, int], list[Event]],
        batch_events: int = BATCH_EVENTS,
        cached_batches: int = CACHED_BATCHES,
        events_per_second: float = REPLAY_EVENTS_PER_SECOND,
    ) -> None:
        self._fetch = fetch
        self.batch_events = batch_events
        self._cached_batches = cached_batches
        self.events_per_second = events_per_second
        self._free_at = 0.0  # loop time from which the send budget is free (the loop's only)
        self._cache: OrderedDict[int, ReplayBatch] = OrderedDict()  # replay thread only
        self._worker = ThreadPoolExecutor(1, "replay", initializer=_lower_priority)
        self.reads = 0  # store reads so far (a cached batch costs none)

    async def after(self, seq: int) -> ReplayBatch:
        """The next batch of committed events after ``seq`` (empty when there are none), once
        the send budget has room for it."""
        loop = asyncio.get_running_loop()
        batch = await loop.run_in_executor(self._worker, self._batch, seq)
        await self._pace(loop, len(batch.entries))
        return batch

    async def _pace(self, loop: asyncio.AbstractEventLoop, events: int) -> None:
        """Wait for this batch's turn: each batch books ``events / events_per_second`` seconds
        of the budget after those booked before it."""
        if not events:
            return
        now = loop.time()
        start = max(now, self._free_at)
        self._free_at = start + events / self.events_per_second
        if start > now:
            await asyncio.sleep(start - now)

    def _batch(self, seq: int) -> ReplayBatch:
        cached = self._cache.get(seq)
        if cached is not None:
            self._cache.move_to_end(seq)
            return cached
        self.reads += 1
        batch = ReplayBatch.of(self._fetch(seq, self.batch_events))
        if len(batch.entries) == self.batch_events:  # whole: it can never change
            self._cache[seq] = batch
            while len(self._cache) > self._cached_batches:
                self._cache.popitem(last=False)
        return batch

    def close(self) -> None:
        """Stop the replay thread (batches asked for later raise RuntimeError)."""
        self._worker.shutdown(wait=False, cancel_futures=True)
