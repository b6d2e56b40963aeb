"""Write transactions from a second process on the hub box (``hall account``), beside a
running hub.

The store allows a second writer: every write is ``BEGIN IMMEDIATE``, so SQLite serialises
the two processes (the other waits up to the store's busy timeout). Events written here go
into the same outbox; the running hub's uplink sends them with its next batch or heartbeat.
Nothing is announced live in the hub's own event stream, and the service day is not rolled
over here (the hub does that on its next write).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from config import HallCalendar, HallConfig
from hub.txn import Tx
from sync.clock import Clock
from sync.outbox import Outbox
from sync.store import Store

T = TypeVar("T")


class SideTransactions:
    """Runs ``operation(tx)`` in one write transaction of ``store`` (commits on success, rolls
    back on any exception, which propagates)."""

    def __init__(self, store: Store, config: HallConfig, clock: Clock) -> None:
        self._store = store
        self._calendar = HallCalendar(config)
        self.zone = self._calendar.zone
        self._clock = clock
        self._outbox = Outbox(clock)

    def __call__(self, operation: Callable[[Tx], T]) -> T:
        with self._store.write() as db:
            now = self._clock.now()
            day = self._calendar.service_day(now).isoformat()
            tx = Tx(db, self._outbox, now, self._calendar.local(now), day)
            return operation(tx)
